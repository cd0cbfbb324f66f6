// @osprio/link/client — what a host needs to talk to a device (the RPC client, its errors and the
// message types), without the device-side server. A light entry: `osprio status` imports this
// rather than the package root so a start does not load link-server and its neighbours.
export * from './model.ts';
export * from './errors.ts';
export * from './messages.ts';
export * from './rpc-client.ts';
