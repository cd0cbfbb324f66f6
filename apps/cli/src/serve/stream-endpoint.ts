// The device's byte-stream endpoint: the same link as framed bytes (packages/link's byte framing,
// as a USB bulk pipe carries it) inside binary WebSocket messages. The end-to-end tests' stand-in
// for navigator.usb carries the WebUSB transport's bytes here, so the real transport code runs
// against a real device. It serves the same DeviceHandler as the JSON endpoint, so the one-host
// rule spans both. Chunk boundaries carry no meaning: the framing finds the frames.

import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import {
  FramedConnection,
  MAX_FRAME_BYTES,
  createLinkServer,
  type DeviceHandler,
  type LinkServerOptions,
} from '@osprio/link';
import { tokenMatches } from '@osprio/link/node';

export interface WsStreamOptions {
  handler: DeviceHandler;
  allowedOrigins: readonly string[];
  token: string;
  path: string;
  linkOptions?: LinkServerOptions;
}

export interface WsStreamEndpoint {
  readonly path: string;
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean;
  close(): void;
}

const isLoopback = (a: string | undefined) =>
  a === '127.0.0.1' || a === '::1' || a === '::ffff:127.0.0.1';

function refuse(socket: Duplex, reason: string): void {
  socket.end(
    `HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(reason)}\r\n\r\n${reason}`,
  );
  setTimeout(() => socket.destroy(), 1000).unref();
}

export function createWsStreamEndpoint(o: WsStreamOptions): WsStreamEndpoint {
  const origins = new Set(o.allowedOrigins.map((x) => x.toLowerCase()));
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: 4 * MAX_FRAME_BYTES,
    perMessageDeflate: false,
    clientTracking: true,
  });

  function problem(req: IncomingMessage): string | null {
    if (!isLoopback(req.socket.localAddress) || !isLoopback(req.socket.remoteAddress))
      return 'loopback only';
    const host = (req.headers.host ?? '').toLowerCase();
    const port = req.socket.localPort;
    if (![`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`].includes(host))
      return 'host not allowed';
    // A browser always sends Origin; this endpoint is for the workspace page only.
    const origin = req.headers.origin;
    if (origin === undefined || !origins.has(origin.toLowerCase())) return 'origin not allowed';
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (!tokenMatches(url.searchParams.get('token'), o.token)) return 'missing or wrong token';
    return null;
  }

  return {
    path: o.path,
    handleUpgrade(req, socket, head) {
      let pathname: string;
      try {
        pathname = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
      } catch {
        return false;
      }
      if (pathname !== o.path) return false;
      const why = problem(req);
      if (why) {
        refuse(socket, why);
        return true;
      }
      wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
        const conn = new FramedConnection({
          write: (bytes) => {
            if (ws.readyState === ws.OPEN) ws.send(bytes, { binary: true });
          },
          close: () => ws.close(),
        });
        ws.on('message', (data: RawData, isBinary: boolean) => {
          if (!isBinary) return conn.close(4400, 'binary frames only');
          const buf = Buffer.isBuffer(data)
            ? data
            : Array.isArray(data)
              ? Buffer.concat(data)
              : Buffer.from(data);
          conn.receive(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength));
        });
        ws.on('close', () => conn.ended());
        ws.on('error', () => ws.terminate());
        createLinkServer(o.handler, conn, o.linkOptions);
      });
      return true;
    },
    close() {
      for (const ws of wss.clients) ws.terminate();
      wss.close();
    },
  };
}
