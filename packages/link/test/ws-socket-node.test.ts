// NodeWebSocket against servers that misbehave in the ways `ws` (the device's server, ws.test.ts)
// never does: raw TCP servers that answer the handshake wrongly, send broken frames, ping, refuse,
// or hang up. Each must end in a clear close or refusal, never a hang or a throw.
import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type Server, type Socket } from 'node:net';
import { NodeWebSocket } from '../src/transports/ws-socket-node.ts';
import { connectWebSocketNode } from '../src/transports/ws-client-node.ts';
import { acceptFor } from '../src/transports/ws-handshake.ts';

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
});

/** A raw server; `onRequest` gets the socket and the client's upgrade request once it is whole. */
async function rawServer(onRequest: (sock: Socket, req: string) => void): Promise<string> {
  const server = createServer((sock) => {
    let buf = '';
    const onData = (d: Buffer) => {
      buf += d.toString('latin1');
      const end = buf.indexOf('\r\n\r\n');
      if (end === -1) return;
      sock.off('data', onData);
      onRequest(sock, buf.slice(0, end));
    };
    sock.on('data', onData);
    sock.on('error', () => {});
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return `ws://127.0.0.1:${port}/device?token=t`;
}

function switching(req: string, extra = ''): string {
  const key = /Sec-WebSocket-Key: (\S+)/.exec(req)![1]!;
  return (
    'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
    `Sec-WebSocket-Accept: ${acceptFor(key)}\r\n${extra}\r\n`
  );
}

/** Unmasks the client frames in `buf` (small ones: 7-bit lengths). */
function clientFrames(buf: Buffer): { opcode: number; payload: Buffer }[] {
  const out = [];
  let at = 0;
  while (at + 6 <= buf.length) {
    const opcode = buf[at]! & 0x0f;
    expect(buf[at + 1]! & 0x80).toBe(0x80); // every client frame is masked
    const len = buf[at + 1]! & 0x7f;
    const key = buf.subarray(at + 2, at + 6);
    const payload = Buffer.from(buf.subarray(at + 6, at + 6 + len).map((b, i) => b ^ key[i & 3]!));
    out.push({ opcode, payload });
    at += 6 + len;
  }
  return out;
}

function events(ws: NodeWebSocket) {
  const seen: unknown[] = [];
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.addEventListener('close', (ev: { code: number; reason: string }) => resolve(ev)),
  );
  ws.addEventListener('open', () => seen.push('open'));
  ws.addEventListener('message', (ev: { data: unknown }) => seen.push(ev.data));
  return { seen, closed };
}

describe('NodeWebSocket', () => {
  it('takes frames that arrive in the same packet as the 101, pongs a ping, closes cleanly', async () => {
    let fromClient = Buffer.alloc(0);
    const url = await rawServer((sock, req) => {
      sock.on('data', (d) => {
        fromClient = Buffer.concat([fromClient, d]);
        // The client's close (opcode 8) gets ours back, then we hang up.
        if (clientFrames(fromClient).some((f) => f.opcode === 8)) {
          sock.end(Buffer.from([0x88, 0x02, 0x03, 0xe8]));
        }
      });
      sock.write(
        Buffer.concat([
          Buffer.from(switching(req), 'latin1'),
          Buffer.from([0x81, 0x02, 0x68, 0x69]), // "hi"
          Buffer.from([0x89, 0x03, 0x61, 0x62, 0x63]), // ping "abc"
        ]),
      );
    });
    const ws = new NodeWebSocket(url, { maxMessageBytes: 1024 });
    const { seen, closed } = events(ws);
    await expect.poll(() => seen).toEqual(['open', 'hi']);
    await expect.poll(() => clientFrames(fromClient).length).toBe(1);
    expect(clientFrames(fromClient)[0]).toEqual({ opcode: 0xa, payload: Buffer.from('abc') });
    ws.send('héllo');
    ws.close(4001, 'done');
    expect(await closed).toEqual({ code: 1000, reason: '' });
    const frames = clientFrames(fromClient);
    expect(frames[1]).toEqual({ opcode: 0x1, payload: Buffer.from('héllo') });
    expect(frames[2]!.opcode).toBe(0x8);
    expect(frames[2]!.payload.readUInt16BE(0)).toBe(4001);
    expect(frames[2]!.payload.subarray(2).toString()).toBe('done');
    expect(ws.readyState).toBe(3);
  });

  it('answers a broken frame with close 1002 and reports it', async () => {
    let fromClient = Buffer.alloc(0);
    const url = await rawServer((sock, req) => {
      sock.on('data', (d) => (fromClient = Buffer.concat([fromClient, d])));
      sock.write(switching(req));
      sock.write(Buffer.from([0x81, 0x81, 1, 2, 3, 4, 0x41])); // masked: servers must not
    });
    const ws = new NodeWebSocket(url, { maxMessageBytes: 1024 });
    const { closed } = events(ws);
    const ev = await closed;
    expect(ev.code).toBe(1002);
    expect(ev.reason).toMatch(/masked/);
    await expect.poll(() => clientFrames(fromClient)[0]?.payload.readUInt16BE(0)).toBe(1002);
  });

  it('closes 1009 on a message over the limit and 1006 when the server hangs up mid-stream', async () => {
    const big = await rawServer((sock, req) => {
      sock.write(switching(req));
      sock.write(Buffer.from([0x82, 0x7e, 0x04, 0x01])); // 1025 bytes announced
    });
    expect((await events(new NodeWebSocket(big, { maxMessageBytes: 1024 })).closed).code).toBe(
      1009,
    );
    const gone = await rawServer((sock, req) => {
      sock.write(switching(req));
      sock.end(Buffer.from([0x81, 0x05, 0x68])); // 1 of 5 bytes, then FIN
    });
    const ws = new NodeWebSocket(gone, { maxMessageBytes: 1024 });
    const { seen, closed } = events(ws);
    expect((await closed).code).toBe(1006);
    expect(seen).toEqual(['open']);
  });

  it('refuses a 101 with the wrong accept, and names it', async () => {
    const url = await rawServer((sock) =>
      sock.write(
        'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
          'Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n',
      ),
    );
    await expect(connectWebSocketNode(url)).rejects.toThrow(
      /refused the connection: 101 bad handshake: a wrong Sec-WebSocket-Accept/,
    );
  });

  it("surfaces a refusal's status and body, however it is cut, and without a Content-Length", async () => {
    const cut = await rawServer((sock) => {
      const answer =
        'HTTP/1.1 403 Forbidden\r\nContent-Length: 18\r\nConnection: close\r\n\r\norigin not allowed';
      let i = 0;
      const drip = setInterval(() => {
        if (i >= answer.length) {
          clearInterval(drip);
          return;
        }
        sock.write(answer.slice(i, (i += 7)));
      }, 2);
    });
    await expect(connectWebSocketNode(cut)).rejects.toThrow(
      /refused the connection: 403 origin not allowed$/,
    );
    const bare = await rawServer((sock) =>
      sock.end('HTTP/1.1 404 Not Found\r\n\r\nno such device'),
    );
    await expect(connectWebSocketNode(bare)).rejects.toThrow(/404 no such device$/);
    // A body that never ends (and a server that never hangs up) is cut at 200 characters.
    const endless = await rawServer((sock) =>
      sock.write('HTTP/1.1 400 Bad Request\r\n\r\n' + 'x'.repeat(10_000)),
    );
    await expect(connectWebSocketNode(endless, { openTimeoutMs: 60_000 })).rejects.toThrow(
      /: 400 x{200}$/,
    );
  });

  it('gives up on an answer that is not HTTP, and on nobody listening', async () => {
    const ssh = await rawServer((sock) => sock.write('SSH-2.0-OpenSSH\r\n\r\n'));
    await expect(connectWebSocketNode(ssh)).rejects.toThrow(/a malformed answer: not an HTTP/);
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as { port: number };
    await new Promise((r) => server.close(r));
    await expect(connectWebSocketNode(`ws://127.0.0.1:${port}/`)).rejects.toThrow(/1006/);
  });

  it('only speaks ws:', () => {
    expect(() => new NodeWebSocket('wss://127.0.0.1:1/', { maxMessageBytes: 1 })).toThrow(
      /ws:\/\//,
    );
  });
});
