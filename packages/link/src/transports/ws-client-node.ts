// The host side of the WebSocket transport in Node (CLI, tests): NodeWebSocket as the socket (a
// small RFC 6455 client, so a CLI start does not load `ws`), and the device's HTTP refusal reason
// (403 "origin not allowed", …) surfaced in the error.

import { LinkError } from '../errors.ts';
import { MAX_FRAME_BYTES } from '../messages.ts';
import { connectWebSocket, type WebSocketConnection } from './ws-client.ts';
import { NodeWebSocket } from './ws-socket-node.ts';

export interface NodeWsOptions {
  /** Sent as the Origin header; omit for a CLI (no Origin). */
  origin?: string;
  openTimeoutMs?: number;
}

export async function connectWebSocketNode(
  url: string,
  opts: NodeWsOptions = {},
): Promise<WebSocketConnection> {
  let ws: NodeWebSocket | null = null;
  try {
    return await connectWebSocket(url, {
      openTimeoutMs: opts.openTimeoutMs,
      create: (u) => {
        // Device frames are bounded (MAX_FRAME_BYTES); room to spare so the codec, not the
        // socket, names an oversized one.
        ws = new NodeWebSocket(u, {
          maxMessageBytes: 4 * MAX_FRAME_BYTES,
          ...(opts.origin === undefined ? {} : { origin: opts.origin }),
        });
        return ws;
      },
    });
  } catch (e) {
    const refusal = (ws as NodeWebSocket | null)?.refusal;
    if (refusal)
      throw new LinkError(
        'link_closed',
        `the device refused the connection: ${`${refusal.status} ${refusal.body}`.trim()}`,
      );
    throw e;
  }
}
