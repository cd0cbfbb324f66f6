// The workspace's own HTTP server (what `npm start` runs): the built single-page app, a same-origin
// list of this process's emulated devices, and each device's link endpoints, all on one loopback
// port. The device list carries the devices' tokens, so it has no CORS header (another site cannot
// read it) and answers only to a loopback Host header (DNS rebinding). The device endpoints accept
// the workspace's own origin and no other.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { DeviceHandler, DeviceIdentity, LinkServerOptions } from '@osprio/link';
import { createWsDeviceEndpoint, type WsDeviceEndpoint } from '@osprio/link/node';
import { createWsStreamEndpoint, type WsStreamEndpoint } from './stream-endpoint.ts';
import { serveStatic } from './static.ts';

export interface ServedDevice {
  /** URL-safe id, e.g. 'pro' (the endpoints are /device/<id> and /stream/<id>). */
  id: string;
  /** What a person sees in the device list, e.g. 'Osprio Pro'. */
  name: string;
  handler: DeviceHandler;
  identity: DeviceIdentity;
  linkOptions?: LinkServerOptions;
}

/** One entry of GET /api/devices. Paths are same-origin; tokens are this run's secrets. */
export interface DeviceListing {
  id: string;
  name: string;
  model: string;
  serialNumber: string;
  firmwareVersion: string;
  /** The link as JSON text frames over a WebSocket. */
  ws: string;
  /** The same link as framed bytes (packages/link framing) over a WebSocket: the byte-stream
   *  endpoint a USB stand-in carries. */
  stream: string;
}

export interface WorkspaceServerOptions {
  port?: number;
  /** Built workspace (apps/workspace/dist); null serves the API only. */
  distDir: string | null;
  devices: ServedDevice[];
  heartbeatMs?: number;
}

export interface WorkspaceServer {
  /** http://127.0.0.1:<port>/ */
  readonly url: string;
  readonly origin: string;
  readonly port: number;
  /** Same-origin paths (with tokens) per device id. */
  readonly listing: DeviceListing[];
  /** True when there is no built workspace to serve. */
  readonly distMissing: boolean;
  /** Cuts every open link to that device, as pulling its cable would (tests: the lost state). */
  dropDevice(id: string): void;
  close(): Promise<void>;
}

export const LOOPBACK_HOST = '127.0.0.1';

function loopbackHost(req: IncomingMessage): boolean {
  const host = (req.headers.host ?? '').toLowerCase();
  const port = req.socket.localPort;
  return [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`].includes(host);
}

function plain(res: ServerResponse, status: number, text: string): void {
  res
    .writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' })
    .end(text);
}

export async function startWorkspaceServer(o: WorkspaceServerOptions): Promise<WorkspaceServer> {
  for (const d of o.devices)
    if (!/^[a-z0-9-]+$/.test(d.id))
      throw new RangeError(`device id must be [a-z0-9-]+ (got "${d.id}")`);
  let listing: DeviceListing[] = [];
  const endpoints: (WsDeviceEndpoint | WsStreamEndpoint)[] = [];

  const server: Server = createServer((req, res) => {
    if (!loopbackHost(req)) return plain(res, 403, 'host not allowed');
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname === '/api/devices') {
      if (req.method !== 'GET') return plain(res, 405, 'GET only');
      // Same-origin only: no Access-Control-Allow-Origin, and nothing cacheable.
      res.writeHead(200, {
        'Content-Type': 'application/json; charset=utf-8',
        'Cache-Control': 'no-store',
        'X-Content-Type-Options': 'nosniff',
      });
      res.end(JSON.stringify({ devices: listing }));
      return;
    }
    if (url.pathname.startsWith('/api/')) return plain(res, 404, 'no such endpoint');
    if (o.distDir === null) return plain(res, 404, 'the workspace is not built here');
    void serveStatic(o.distDir, url.pathname, req, res);
  });
  const sockets = new Map<string, Set<Duplex>>();
  server.on('upgrade', (req, socket, head) => {
    const id = /^\/(?:device|stream)\/([a-z0-9-]+)(?:\?|$)/.exec(req.url ?? '')?.[1];
    if (id !== undefined && o.devices.some((d) => d.id === id)) {
      const set = sockets.get(id) ?? new Set<Duplex>();
      sockets.set(id, set.add(socket));
      socket.once('close', () => set.delete(socket));
    }
    for (const e of endpoints) if (e.handleUpgrade(req, socket, head)) return;
    socket.end(
      'HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 14\r\n\r\nno such device',
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, LOOPBACK_HOST, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const origin = `http://${LOOPBACK_HOST}:${port}`;
  // The page may be opened as localhost too; both are this server's own origin.
  const allowedOrigins = [origin, `http://localhost:${port}`];

  listing = o.devices.map((d) => {
    const token = randomBytes(32).toString('hex');
    const ws = createWsDeviceEndpoint({
      handler: d.handler,
      allowedOrigins,
      token,
      path: `/device/${d.id}`,
      ...(d.linkOptions ? { linkOptions: d.linkOptions } : {}),
      ...(o.heartbeatMs !== undefined ? { heartbeatMs: o.heartbeatMs } : {}),
    });
    const stream = createWsStreamEndpoint({
      handler: d.handler,
      allowedOrigins,
      token,
      path: `/stream/${d.id}`,
      ...(d.linkOptions ? { linkOptions: d.linkOptions } : {}),
    });
    endpoints.push(ws, stream);
    const q = `?token=${encodeURIComponent(token)}`;
    return {
      id: d.id,
      name: d.name,
      model: d.identity.model,
      serialNumber: d.identity.serialNumber,
      firmwareVersion: d.identity.firmwareVersion,
      ws: `${ws.path}${q}`,
      stream: `${stream.path}${q}`,
    };
  });

  return {
    url: `${origin}/`,
    origin,
    port,
    get listing() {
      return listing;
    },
    dropDevice(id) {
      for (const s of sockets.get(id) ?? []) s.destroy();
    },
    distMissing: o.distDir === null || !existsSync(join(o.distDir, 'index.html')),
    close: () =>
      new Promise<void>((resolve) => {
        for (const e of endpoints) e.close();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
