// The server `npm start` runs: the built page, a same-origin device list (no CORS header, loopback
// Host only), and device endpoints that accept the workspace's own origin and no other — as JSON
// frames and as framed bytes, both under the device's one-host rule.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'node:http';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { FrameDecoder, LinkClient, encodeFrame } from '@osprio/link';
import { connectWebSocketNode } from '@osprio/link/node';
import { startWorkspace, type RunningWorkspace } from '../src/serve/start-workspace.ts';

let ws: RunningWorkspace;
let root: string;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'osprio-serve-'));
  const dist = join(root, 'dist');
  mkdirSync(join(dist, 'assets'), { recursive: true });
  writeFileSync(join(dist, 'index.html'), '<!doctype html><title>ws</title>');
  writeFileSync(join(dist, 'assets', 'app.js'), 'export {};');
  writeFileSync(join(root, 'secret.txt'), 'outside');
  mkdirSync(join(root, 'pro'), { mode: 0o700 });
  ws = await startWorkspace({
    distDir: dist,
    speed: 'max',
    durable: false,
    devices: [
      { id: 'pro', model: 'pro', stateDir: join(root, 'pro'), technician: false },
      { id: 'mini', model: 'mini' },
    ],
  });
});
afterAll(async () => {
  await ws?.close();
  rmSync(root, { recursive: true, force: true });
});

function get(
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: ws.server.port, path, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

function upgrade(
  path: string,
  origin: string | undefined,
): Promise<{ ok: true; sock: WebSocket } | { ok: false; status: number }> {
  return new Promise((resolve) => {
    const sock = new WebSocket(`ws://127.0.0.1:${ws.server.port}${path}`, origin ? { origin } : {});
    sock.once('open', () => resolve({ ok: true, sock }));
    sock.once('unexpected-response', (_req, res) =>
      resolve({ ok: false, status: res.statusCode ?? 0 }),
    );
    sock.once('error', () => resolve({ ok: false, status: 0 }));
  });
}

describe('workspace server', () => {
  it('serves on loopback and prints http://127.0.0.1:<port>/', () => {
    expect(ws.url).toBe(`http://127.0.0.1:${ws.server.port}/`);
  });

  it('lists its devices same-origin: paths with tokens, no CORS header, never cached', async () => {
    const r = await get('/api/devices', { Origin: 'https://evil.example' });
    expect(r.status).toBe(200);
    expect(r.headers['access-control-allow-origin']).toBeUndefined();
    expect(r.headers['cache-control']).toBe('no-store');
    const { devices } = JSON.parse(r.body);
    expect(
      devices.map((d: { id: string; name: string; model: string }) => [d.id, d.name, d.model]),
    ).toEqual([
      ['pro', 'Osprio Pro', 'osprio-pro'],
      ['mini', 'Osprio Mini', 'osprio-mini'],
    ]);
    expect(devices[0].ws).toMatch(/^\/device\/pro\?token=[0-9a-f]{64}$/);
    expect(devices[0].stream).toMatch(/^\/stream\/pro\?token=[0-9a-f]{64}$/);
  });

  it('answers only a loopback Host header (DNS rebinding)', async () => {
    expect((await get('/api/devices', { Host: `evil.example:${ws.server.port}` })).status).toBe(
      403,
    );
    expect((await get('/', { Host: `evil.example:${ws.server.port}` })).status).toBe(403);
    expect((await get('/api/devices', { Host: `localhost:${ws.server.port}` })).status).toBe(200);
  });

  it('serves the page, falls back to it for app paths, and never leaves the dist directory', async () => {
    const page = await get('/');
    expect(page.status).toBe(200);
    expect(page.body).toContain('<title>ws</title>');
    expect(page.headers['content-security-policy']).toMatch(/connect-src 'self'/);
    expect((await get('/assets/app.js')).headers['content-type']).toMatch(/javascript/);
    expect((await get('/some/app/route')).body).toContain('<title>ws</title>');
    for (const p of [
      '/../secret.txt',
      '/%2e%2e/secret.txt',
      '/assets/%2e%2e/%2e%2e/secret.txt',
      '/..%2fsecret.txt',
    ]) {
      const r = await get(p);
      expect(r.body, p).not.toContain('outside');
    }
    expect((await get('/missing.js')).status).toBe(404);
  });

  it("device endpoints accept the page's own origin and refuse any other", async () => {
    const path = ws.server.listing[1]!.ws;
    const foreign = await upgrade(path, 'http://evil.example');
    expect(foreign).toEqual({ ok: false, status: 403 });
    const wrongToken = await upgrade(path.replace(/token=./, 'token=x'), ws.server.origin);
    expect(wrongToken).toEqual({ ok: false, status: 403 });
    const own = await upgrade(path, ws.server.origin);
    expect(own.ok).toBe(true);
    if (own.ok) own.sock.close();
    // The byte-stream endpoint is for the page only: no Origin, no entry.
    expect(await upgrade(ws.server.listing[1]!.stream, undefined)).toEqual({
      ok: false,
      status: 403,
    });
    expect(await upgrade(ws.server.listing[1]!.stream, 'http://evil.example')).toEqual({
      ok: false,
      status: 403,
    });
  });

  it('the byte-stream endpoint carries the framed link, and the one-host rule spans both endpoints', async () => {
    const l = ws.server.listing[1]!;
    const up = await upgrade(l.stream, ws.server.origin);
    if (!up.ok) throw new Error('stream endpoint refused');
    const dec = new FrameDecoder();
    const frames: string[] = [];
    up.sock.on('message', (d: Buffer) =>
      frames.push(...dec.push(new Uint8Array(d)).frames.map((f) => new TextDecoder().decode(f))),
    );
    // One frame split over three messages: chunking means nothing to the framing.
    const hello = encodeFrame(
      JSON.stringify({ id: 1, type: 'hello', params: { protocolVersion: 1, host: 'test' } }),
    );
    up.sock.send(hello.subarray(0, 3));
    up.sock.send(hello.subarray(3, 10));
    up.sock.send(hello.subarray(10));
    await expect.poll(() => frames.length).toBe(1);
    expect(JSON.parse(frames[0]!)).toMatchObject({
      id: 1,
      ok: true,
      result: { model: 'osprio-mini' },
    });
    expect(ws.emulators.get('mini')!.hostAttached).toBe(true);

    // The same device over its JSON endpoint (or the CLI's address) is in use.
    const conn = await connectWebSocketNode(`ws://127.0.0.1:${ws.server.port}${l.ws}`, {
      origin: ws.server.origin,
    });
    const client = new LinkClient(conn, { timeoutMs: 3000 });
    await expect(client.hello('second')).rejects.toMatchObject({ code: 'device_in_use' });

    // Pulling the plug frees the device.
    ws.server.dropDevice('mini');
    await expect.poll(() => ws.emulators.get('mini')!.hostAttached).toBe(false);
  });
});
