// The host side of the WebSocket transport in Node (CLI, tests): `ws` as the socket, and the
// device's HTTP refusal reason (403 "origin not allowed", …) surfaced in the error.

import WebSocket from 'ws';
import { LinkError } from '../errors.ts';
import { connectWebSocket, type WebSocketConnection, type WebSocketLike } from './ws-client.ts';

export interface NodeWsOptions {
  /** Sent as the Origin header; omit for a CLI (no Origin). */
  origin?: string;
  openTimeoutMs?: number;
}

export async function connectWebSocketNode(
  url: string,
  opts: NodeWsOptions = {},
): Promise<WebSocketConnection> {
  let refusal: string | null = null;
  try {
    return await connectWebSocket(url, {
      openTimeoutMs: opts.openTimeoutMs,
      create: (u) => {
        const ws = new WebSocket(u, opts.origin === undefined ? {} : { origin: opts.origin });
        ws.on('unexpected-response', (_req, res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (body += c.slice(0, 200)));
          res.on('end', () => {
            refusal = `${res.statusCode ?? '?'} ${body.slice(0, 200)}`.trim();
            ws.terminate();
          });
        });
        ws.on('error', () => {});
        return ws as unknown as WebSocketLike;
      },
    });
  } catch (e) {
    if (refusal)
      throw new LinkError('link_closed', `the device refused the connection: ${refusal}`);
    throw e;
  }
}
