import { afterEach, describe, expect, it } from 'vitest';
import { connect as netConnect } from 'node:net';
import { request } from 'node:http';
import WebSocket from 'ws';
import { LinkClient, MAX_FRAME_BYTES, encodeRequest } from '../src/index.ts';
import {
  connectWebSocketNode,
  startWsDeviceServer,
  tokenMatches,
  type WsDeviceServer,
} from '@osprio/link/node';
import { FakeDevice, tick } from './fixtures.ts';

const ORIGIN = 'http://127.0.0.1:5173';
let server: WsDeviceServer | null = null;
const clients: LinkClient[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await server?.close();
  server = null;
});

async function start(device = new FakeDevice()) {
  server = await startWsDeviceServer({ handler: device, allowedOrigins: [ORIGIN], heartbeatMs: 0 });
  return { device, server };
}

async function client(url: string, origin?: string) {
  const c = new LinkClient(
    await connectWebSocketNode(url, origin === undefined ? {} : { origin }),
    { timeoutMs: 3000 },
  );
  clients.push(c);
  return c;
}

/** Raw upgrade request; resolves with the HTTP status and body of a refusal (or 101). */
function rawUpgrade(
  port: number,
  path: string,
  headers: Record<string, string>,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({
      host: '127.0.0.1',
      port,
      path,
      headers: {
        Connection: 'Upgrade',
        Upgrade: 'websocket',
        'Sec-WebSocket-Version': '13',
        'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
        ...headers,
      },
    });
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      resolve({ status: res.statusCode ?? 0, body: '' });
    });
    req.on('response', (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function until(cond: () => Promise<boolean>, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await tick(10);
  }
}

describe('WebSocket device server', () => {
  it('listens on loopback only', async () => {
    const { server } = await start();
    expect(server.url).toMatch(
      new RegExp(`^ws://127\\.0\\.0\\.1:${server.port}/device\\?token=[0-9a-f]{64}$`),
    );
    // Another address of this machine does not reach it.
    const { networkInterfaces } = await import('node:os');
    const other = Object.values(networkInterfaces())
      .flat()
      .find((i) => i && i.family === 'IPv4' && !i.internal)?.address;
    if (other) {
      const refused = await new Promise<boolean>((resolve) => {
        const s = netConnect({ host: other, port: server.port });
        s.on('connect', () => (s.destroy(), resolve(false)));
        s.on('error', () => resolve(true));
      });
      expect(refused).toBe(true);
    }
  });

  it('serves the workspace origin with the token', async () => {
    const { server } = await start();
    const c = await client(server.url, ORIGIN);
    await expect(c.hello()).resolves.toMatchObject({
      model: 'osprio-pro',
      serialNumber: 'OP-0001',
    });
    await expect(c.listSlots()).resolves.toHaveLength(4);
  });

  it('serves a client without Origin (CLI) that presents the token', async () => {
    const { server } = await start();
    const c = await client(server.url);
    await expect(c.status()).rejects.toMatchObject({ code: 'hello_required' });
    await expect(c.hello()).resolves.toBeDefined();
  });

  it('refuses a foreign origin with 403, even with the token', async () => {
    const { server } = await start();
    await expect(
      connectWebSocketNode(server.url, { origin: 'https://evil.example' }),
    ).rejects.toThrow('403 origin not allowed');
    await expect(connectWebSocketNode(server.url, { origin: 'null' })).rejects.toThrow(
      '403 origin not allowed',
    );
  });

  it('refuses a missing or wrong token with 403 and never echoes it', async () => {
    const { server } = await start();
    const bare = server.url.replace(/\?.*$/, '');
    const wrong = `${bare}?token=${server.token.slice(0, -1)}0`;
    for (const url of [bare, wrong, `${bare}?token=`]) {
      const err = (await connectWebSocketNode(url, { origin: ORIGIN }).catch(
        (e: Error) => e,
      )) as Error;
      expect(err.message).toContain('403 missing or wrong token');
      expect(err.message).not.toContain(server.token.slice(0, 16));
    }
    const raw = await rawUpgrade(server.port, `/device?token=${server.token}x`, {
      Host: `127.0.0.1:${server.port}`,
    });
    expect(raw).toEqual({ status: 403, body: 'missing or wrong token' });
  });

  it('refuses a token given more than once, even when the first one is right', async () => {
    const { server } = await start();
    const host = { Host: `127.0.0.1:${server.port}` };
    for (const q of [
      `token=${server.token}&token=bad`,
      `token=bad&token=${server.token}`,
      `token=${server.token}&token=${server.token}`,
    ]) {
      expect(await rawUpgrade(server.port, `/device?${q}`, host)).toEqual({
        status: 403,
        body: 'token given more than once',
      });
    }
    const err = (await connectWebSocketNode(`${server.url}&token=bad`, { origin: ORIGIN }).catch(
      (e: Error) => e,
    )) as Error;
    expect(err.message).toContain('403 token given more than once');
    expect((await rawUpgrade(server.port, `/device?token=${server.token}`, host)).status).toBe(101);
  });

  it('refuses a Host header that is not loopback (DNS rebinding) and unknown paths', async () => {
    const { server } = await start();
    const path = `/device?token=${server.token}`;
    expect(await rawUpgrade(server.port, path, { Host: `evil.example:${server.port}` })).toEqual({
      status: 403,
      body: 'host not allowed',
    });
    expect((await rawUpgrade(server.port, path, { Host: `localhost:${server.port}` })).status).toBe(
      101,
    );
    expect(
      (
        await rawUpgrade(server.port, `/other?token=${server.token}`, {
          Host: `127.0.0.1:${server.port}`,
        })
      ).status,
    ).toBe(404);
  });

  it('refuses a second host while the first holds the device, and accepts it after the first disconnects', async () => {
    const { server, device } = await start();
    const first = await client(server.url, ORIGIN);
    await first.hello();
    const second = await client(server.url, ORIGIN);
    await expect(second.hello()).rejects.toMatchObject({ code: 'device_in_use' });
    await expect(first.status()).resolves.toBeDefined();

    first.close();
    await until(async () => device.detaches === 1);
    const third = await client(server.url, ORIGIN);
    await expect(third.hello()).resolves.toBeDefined();
  });

  it('a clean close frees the device at once: re-attaching right after never meets device_in_use', async () => {
    const { server, device } = await start();
    for (let round = 1; round <= 8; round++) {
      const c = new LinkClient(await connectWebSocketNode(server.url), { timeoutMs: 3000 });
      await expect(c.hello(), `round ${round}`).resolves.toBeDefined();
      await c.status();
      c.close();
    }
    const last = await client(server.url);
    await expect(last.hello()).resolves.toBeDefined();
    expect(device.attaches).toBe(9);
  });

  it('frees the device when the first host drops without closing', async () => {
    const { server, device } = await start();
    const raw = new WebSocket(server.url);
    await new Promise((r) => raw.once('open', r));
    raw.send(encodeRequest(1, 'hello', { protocolVersion: 1 }));
    await until(async () => device.attaches === 1);
    raw.terminate(); // TCP reset, no close frame
    await until(async () => device.detaches === 1);
    const next = await client(server.url);
    await expect(next.hello()).resolves.toBeDefined();
  });

  it('frees the device when the first host stops answering pings (half-open link)', async () => {
    const device = new FakeDevice();
    server = await startWsDeviceServer({
      handler: device,
      allowedOrigins: [ORIGIN],
      heartbeatMs: 30,
    });
    const silent = new WebSocket(server.url, { autoPong: false });
    await new Promise((r) => silent.once('open', r));
    silent.send(encodeRequest(1, 'hello', { protocolVersion: 1 }));
    await until(async () => device.attaches === 1);
    await until(async () => device.detaches === 1);
    silent.terminate();
    const next = await client(server.url);
    await expect(next.hello()).resolves.toBeDefined();
  });

  it('a frame over the limit gets too_large and the link lives; far over, the link closes', async () => {
    const { server } = await start();
    const raw = new WebSocket(server.url);
    await new Promise((r) => raw.once('open', r));
    const replies: { id: unknown; error?: { code: string } }[] = [];
    raw.on('message', (d) => replies.push(JSON.parse(String(d))));
    raw.send('x'.repeat(MAX_FRAME_BYTES + 1));
    raw.send(encodeRequest(2, 'hello', { protocolVersion: 1 }));
    await until(async () => replies.length === 2);
    expect(replies[0]).toMatchObject({ id: null, error: { code: 'too_large' } });
    expect(replies[1]).toMatchObject({ id: 2, ok: true });
    const closed = new Promise<number>((r) => raw.once('close', (code) => r(code)));
    raw.send('x'.repeat(4 * MAX_FRAME_BYTES + 1));
    expect(await closed).toBe(1009);
  });

  it('compares tokens in constant time over any lengths', () => {
    expect(tokenMatches('abc', 'abc')).toBe(true);
    expect(tokenMatches('abd', 'abc')).toBe(false);
    expect(tokenMatches('ab', 'abc')).toBe(false);
    expect(tokenMatches(null, 'abc')).toBe(false);
  });
});
