// @osprio/link/node — the Node-only transports.
export * from './transports/ws-server.ts';
export * from './transports/ws-client-node.ts';
