// @osprio/host/node — the Node-only pieces: a WebSocket link to a device, and writing the key
// export to disk (mode 0600, never over an existing file).

export { connectNode } from './connect.ts';
export { writeKeyFile } from './write-key-file.ts';
