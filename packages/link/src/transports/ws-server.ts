// The device side of the WebSocket transport (emulator). Node only.
//
// Who may connect: the socket is on loopback only; the URL must carry the per-run token
// (ws://127.0.0.1:<port>/device?token=…, exactly once, compared in constant time); a browser must come from one
// of the configured workspace origins (a client without an Origin header — the CLI — gets in on
// the token alone); the Host header must name loopback (DNS-rebinding guard). Refusals are an
// HTTP 403 with a one-line reason that never echoes the token. One host at a time is enforced by
// createLinkServer (device_in_use, close 4409).

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { BaseConnection, CLOSE_CODES, sendableClose } from '../connection.ts';
import type { DeviceHandler } from '../device-handler.ts';
import { createLinkServer, type LinkServerOptions } from '../link-server.ts';
import { MAX_FRAME_BYTES } from '../messages.ts';

export const LOOPBACK_HOST = '127.0.0.1';

export interface WsDeviceOptions {
  handler: DeviceHandler;
  /** Exact origins of the workspace, e.g. ['http://127.0.0.1:5173']. */
  allowedOrigins: readonly string[];
  /** Per-run secret; default 32 random bytes as hex. */
  token?: string;
  /** URL path of the device; default '/device'. */
  path?: string;
  linkOptions?: LinkServerOptions;
  /** Ping interval; a link that misses a pong is dropped (frees the device). Default 15 s; 0 = off. */
  heartbeatMs?: number;
}

export interface WsDeviceServer {
  /** ws://127.0.0.1:<port><path>?token=<token> — contains the secret; show it, don't log it. */
  readonly url: string;
  readonly port: number;
  readonly token: string;
  readonly path: string;
  close(): Promise<void>;
}

/** Wraps a server-side `ws` socket as a LinkConnection. */
export class WsServerConnection extends BaseConnection {
  constructor(private readonly ws: WebSocket) {
    super();
    ws.on('message', (data: RawData, isBinary: boolean) => {
      const buf = Buffer.isBuffer(data)
        ? data
        : Array.isArray(data)
          ? Buffer.concat(data)
          : Buffer.from(data);
      this.deliver(
        isBinary
          ? new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength)
          : buf.toString('utf8'),
      );
    });
    ws.on('close', (code: number, reason: Buffer) =>
      this.closed_({ code, reason: reason.toString('utf8') }),
    );
    ws.on('error', () => ws.terminate());
  }

  /** CLOSING as soon as the host's close frame arrived (ws answers it at once), long before TCP ends. */
  get closing(): boolean {
    return (
      this.closed || this.ws.readyState === this.ws.CLOSING || this.ws.readyState === this.ws.CLOSED
    );
  }

  send(text: string): void {
    if (!this.closed && this.ws.readyState === this.ws.OPEN) this.ws.send(text);
  }

  close(code: number = CLOSE_CODES.normal, reason = ''): void {
    try {
      this.ws.close(...sendableClose(code, reason));
    } catch {
      // already closing
    }
  }
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}

/** Constant-time token check (hashing first makes the time independent of the lengths too). */
export function tokenMatches(presented: string | null, expected: string): boolean {
  if (presented === null) return false;
  return timingSafeEqual(digest(presented), digest(expected));
}

function isLoopback(addr: string | undefined): boolean {
  return addr === '127.0.0.1' || addr === '::1' || addr === '::ffff:127.0.0.1';
}

/** Answers a refused upgrade with a plain HTTP status and a one-line reason, then hangs up. */
export function refuseUpgrade(socket: Duplex, status: 403 | 404 | 400, reason: string): void {
  const text = { 400: 'Bad Request', 403: 'Forbidden', 404: 'Not Found' }[status];
  socket.end(
    `HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(reason)}\r\n\r\n${reason}`,
  );
  // end() flushes the answer first; destroying now could drop it. A peer that never reads
  // is cut off shortly after.
  setTimeout(() => socket.destroy(), 1000).unref();
}

export interface UpgradeRules {
  /** Exact allowed origins, lower-cased. */
  origins: ReadonlySet<string>;
  token: string;
  /** For an endpoint only the workspace page may use: a missing Origin is refused too. */
  requireOrigin?: boolean;
}

/** Why an upgrade request is refused (one line that never echoes the token), or null to accept. */
export function upgradeProblem(req: IncomingMessage, rules: UpgradeRules): string | null {
  if (!isLoopback(req.socket.localAddress) || !isLoopback(req.socket.remoteAddress))
    return 'loopback only';
  const host = (req.headers.host ?? '').toLowerCase();
  const port = req.socket.localPort;
  if (![`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`].includes(host))
    return 'host not allowed';
  const origin = req.headers.origin;
  if (origin === undefined ? rules.requireOrigin : !rules.origins.has(origin.toLowerCase()))
    return 'origin not allowed';
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  // One token only: a URL carrying two is ambiguous (proxies and parsers disagree on which counts).
  if (url.searchParams.getAll('token').length > 1) return 'token given more than once';
  if (!tokenMatches(url.searchParams.get('token'), rules.token)) return 'missing or wrong token';
  return null;
}

export interface WsDeviceEndpoint {
  readonly token: string;
  readonly path: string;
  /** Handles an HTTP upgrade; returns false if the path is not this device's (leave it to others). */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean;
  close(): void;
}

/** A device endpoint that can be mounted on an existing loopback HTTP server ('upgrade' event). */
export function createWsDeviceEndpoint(opts: WsDeviceOptions): WsDeviceEndpoint {
  const token = opts.token ?? randomBytes(32).toString('hex');
  const path = opts.path ?? '/device';
  const origins = new Set(opts.allowedOrigins.map((o) => o.toLowerCase()));
  const heartbeatMs = opts.heartbeatMs ?? 15_000;
  // Frames a little over the limit still get a too_large reply from the codec; far over, ws closes (1009).
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: 4 * MAX_FRAME_BYTES,
    perMessageDeflate: false,
    clientTracking: true,
  });

  function handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    let pathname: string;
    try {
      pathname = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    } catch {
      refuseUpgrade(socket, 400, 'bad request');
      return true;
    }
    if (pathname !== path) return false;
    const problem = upgradeProblem(req, { origins, token });
    if (problem) {
      refuseUpgrade(socket, 403, problem);
      return true;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const conn = new WsServerConnection(ws);
      createLinkServer(opts.handler, conn, opts.linkOptions);
      if (heartbeatMs > 0) {
        let alive = true;
        ws.on('pong', () => (alive = true));
        const t = setInterval(() => {
          if (!alive) return ws.terminate();
          alive = false;
          ws.ping();
        }, heartbeatMs);
        ws.on('close', () => clearInterval(t));
      }
    });
    return true;
  }

  return {
    token,
    path,
    handleUpgrade,
    close() {
      for (const ws of wss.clients) ws.terminate();
      wss.close();
    },
  };
}

/** Starts a WebSocket device server of its own on 127.0.0.1 (port 0 = any free port). */
export async function startWsDeviceServer(
  opts: WsDeviceOptions & { port?: number },
): Promise<WsDeviceServer> {
  const endpoint = createWsDeviceEndpoint(opts);
  const server: Server = createServer((_req, res) => {
    res.writeHead(426, { 'Content-Type': 'text/plain' }).end('WebSocket only');
  });
  server.on('upgrade', (req, socket, head) => {
    if (!endpoint.handleUpgrade(req, socket, head)) refuseUpgrade(socket, 404, 'no such device');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, LOOPBACK_HOST, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `ws://${LOOPBACK_HOST}:${port}${endpoint.path}?token=${encodeURIComponent(endpoint.token)}`,
    port,
    token: endpoint.token,
    path: endpoint.path,
    close: () =>
      new Promise<void>((resolve) => {
        endpoint.close();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
