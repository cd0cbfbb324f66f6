// @osprio/link — host ↔ device messages for every transport. Browser-safe; Node-only transports
// (WebSocket server, ws client) are in '@osprio/link/node'.
export * from './model.ts';
export * from './errors.ts';
export * from './messages.ts';
export * from './codec.ts';
export * from './framing.ts';
export * from './connection.ts';
export * from './device-handler.ts';
export * from './link-server.ts';
export * from './rpc-client.ts';
export { guardJson, utf8Length } from './json-guard.ts';
export {
  MAX_EDGES_PER_BATCH,
  checkEdge,
  encodeEdgeBatches,
  type EncodedBatch,
} from './edge-batch.ts';
export { paramsSchemas, resultSchemas } from './schema.ts';
export { createMemoryPair, type MemoryConnectionEnd } from './transports/memory.ts';
export { FramedConnection, type ByteStream } from './transports/framed.ts';
export {
  WebSocketConnection,
  connectWebSocket,
  type ConnectWebSocketOptions,
  type WebSocketLike,
} from './transports/ws-client.ts';
