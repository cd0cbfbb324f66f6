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
import { refuseUpgrade, upgradeProblem } from '@osprio/link/node';

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

export function createWsStreamEndpoint(o: WsStreamOptions): WsStreamEndpoint {
  const origins = new Set(o.allowedOrigins.map((x) => x.toLowerCase()));
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: 4 * MAX_FRAME_BYTES,
    perMessageDeflate: false,
    clientTracking: true,
  });

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
      // A browser always sends Origin; this endpoint is for the workspace page only. The checks are
      // the JSON endpoint's (packages/link), so the two cannot drift apart.
      const why = upgradeProblem(req, { origins, token: o.token, requireOrigin: true });
      if (why) {
        refuseUpgrade(socket, 403, why);
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
