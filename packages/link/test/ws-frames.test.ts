// The client end of RFC 6455, checked against the RFC's own examples (§1.3, §5.7) and every rule
// a server's bytes can break.
import { describe, expect, it } from 'vitest';
import {
  MAX_FRAGMENTS,
  ServerFrameReader,
  WS_CLOSE,
  WsProtocolError,
  closePayload,
  encodeClientFrame,
} from '../src/transports/ws-frames.ts';
import {
  MAX_HEAD_BYTES,
  acceptFor,
  parseResponseHead,
  upgradeProblem,
  upgradeRequest,
} from '../src/transports/ws-handshake.ts';

const bytes = (...xs: number[]) => new Uint8Array(xs);
const ascii = (s: string) => new TextEncoder().encode(s);
const HELLO = [0x48, 0x65, 0x6c, 0x6c, 0x6f];

function unmask(frame: Uint8Array, at: number): Uint8Array {
  const key = frame.subarray(at, at + 4);
  return frame.subarray(at + 4).map((b, i) => b ^ key[i & 3]!);
}

function refusal(chunks: Uint8Array[], max = 1 << 20): { code: number; message: string } {
  const r = new ServerFrameReader(max);
  try {
    for (const c of chunks) r.push(c);
  } catch (e) {
    expect(e).toBeInstanceOf(WsProtocolError);
    return { code: (e as WsProtocolError).code, message: (e as Error).message };
  }
  throw new Error('accepted');
}

describe('client frames (RFC 6455 §5.7)', () => {
  it('masks "Hello" exactly as the RFC example', () => {
    const f = encodeClientFrame(0x1, new Uint8Array(HELLO), bytes(0x37, 0xfa, 0x21, 0x3d));
    expect([...f]).toEqual([0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58]);
  });

  it('uses the 7-bit, 16-bit and 64-bit lengths at their bounds, masking every byte', () => {
    const key = bytes(1, 2, 3, 4);
    for (const [n, head] of [
      [125, [0x82, 0x80 | 125]],
      [126, [0x82, 0x80 | 126, 0x00, 126]],
      [65535, [0x82, 0x80 | 126, 0xff, 0xff]],
      [65536, [0x82, 0x80 | 127, 0, 0, 0, 0, 0, 1, 0, 0]],
    ] as const) {
      const payload = new Uint8Array(n).map((_, i) => i * 7);
      const f = encodeClientFrame(0x2, payload, key);
      expect([...f.subarray(0, head.length)]).toEqual(head);
      expect(unmask(f, head.length)).toEqual(payload);
    }
  });

  it('refuses a mask key that is not 4 bytes', () => {
    expect(() => encodeClientFrame(0x1, bytes(), bytes(1, 2, 3))).toThrow(/4 bytes/);
  });

  it('writes a close payload as code then UTF-8 reason, cut to fit a control frame', () => {
    expect([...closePayload(1000, 'ok')]).toEqual([0x03, 0xe8, 0x6f, 0x6b]);
    expect(closePayload(4001, 'é'.repeat(200)).length).toBe(125);
  });
});

describe('server frames', () => {
  it('reads the RFC examples: a text frame, a fragmented one, a ping, 16- and 64-bit lengths', () => {
    const r = new ServerFrameReader(1 << 20);
    expect(r.push(bytes(0x81, 0x05, ...HELLO))).toEqual([{ kind: 'text', data: 'Hello' }]);
    expect(r.push(bytes(0x01, 0x03, 0x48, 0x65, 0x6c))).toEqual([]);
    expect(r.push(bytes(0x80, 0x02, 0x6c, 0x6f))).toEqual([{ kind: 'text', data: 'Hello' }]);
    expect(r.push(bytes(0x89, 0x05, ...HELLO))).toEqual([
      { kind: 'ping', data: new Uint8Array(HELLO) },
    ]);
    const b256 = new Uint8Array(256).fill(7);
    expect(r.push(bytes(0x82, 0x7e, 0x01, 0x00, ...b256))).toEqual([
      { kind: 'binary', data: b256 },
    ]);
    const b64k = new Uint8Array(65536).fill(9);
    const big = new Uint8Array(10 + 65536);
    big.set([0x82, 0x7f, 0, 0, 0, 0, 0, 1, 0, 0]);
    big.set(b64k, 10);
    expect(r.push(big)).toEqual([{ kind: 'binary', data: b64k }]);
  });

  it('gives the same messages however the bytes are cut, and several from one chunk', () => {
    const stream = bytes(
      ...[0x81, 0x05, ...HELLO],
      ...[0x8a, 0x00],
      ...[0x01, 0x02, 0x48, 0x65],
      ...[0x89, 0x01, 0x21], // a control frame between fragments is allowed (§5.4)
      ...[0x80, 0x03, 0x6c, 0x6c, 0x6f],
      ...[0x88, 0x04, 0x03, 0xe8, 0x6f, 0x6b],
    );
    const whole = new ServerFrameReader(1024).push(stream);
    expect(whole).toEqual([
      { kind: 'text', data: 'Hello' },
      { kind: 'pong' },
      { kind: 'ping', data: bytes(0x21) },
      { kind: 'text', data: 'Hello' },
      { kind: 'close', code: 1000, reason: 'ok' },
    ]);
    const r = new ServerFrameReader(1024);
    const byByte = [...stream].flatMap((b) => r.push(bytes(b)));
    expect(byByte).toEqual(whole);
  });

  it('reads an empty close as 1005 (no status) and a multi-byte reason', () => {
    expect(new ServerFrameReader(64).push(bytes(0x88, 0x00))).toEqual([
      { kind: 'close', code: WS_CLOSE.noStatus, reason: '' },
    ]);
    const reason = ascii('über');
    expect(
      new ServerFrameReader(64).push(bytes(0x88, 2 + reason.length, 0x0f, 0xa1, ...reason)),
    ).toEqual([{ kind: 'close', code: 4001, reason: 'über' }]);
  });

  it('fails the connection on every broken rule, with the code RFC 6455 names', () => {
    const cases: [string, Uint8Array[], number, RegExp][] = [
      ['masked server frame', [bytes(0x81, 0x85, 1, 2, 3, 4, 0, 0, 0, 0, 0)], 1002, /masked/],
      ['reserved bit', [bytes(0xc1, 0x00)], 1002, /reserved/],
      ['unknown opcode', [bytes(0x83, 0x00)], 1002, /opcode 0x3/],
      ['fragmented control', [bytes(0x09, 0x00)], 1002, /fragmented control/],
      ['long control', [bytes(0x89, 0x7e, 0x00, 0x7e)], 1002, /over 125/],
      ['stray continuation', [bytes(0x80, 0x00)], 1002, /nothing to continue/],
      ['message inside message', [bytes(0x01, 0x00), bytes(0x81, 0x00)], 1002, /inside/],
      ['invalid UTF-8 text', [bytes(0x81, 0x02, 0xc3, 0x28)], 1007, /UTF-8/],
      ['invalid UTF-8 reason', [bytes(0x88, 0x03, 0x03, 0xe8, 0xff)], 1007, /UTF-8/],
      ['1-byte close', [bytes(0x88, 0x01, 0x03)], 1002, /1-byte/],
      ['reserved close code', [bytes(0x88, 0x02, 0x03, 0xed)], 1002, /1005/],
      ['64-bit length past 2^32', [bytes(0x82, 0x7f, 0, 0, 0, 1, 0, 0, 0, 0)], 1009, /over/],
    ];
    for (const [what, chunks, code, message] of cases) {
      const got = refusal(chunks);
      expect({ what, code: got.code }).toEqual({ what, code });
      expect(got.message).toMatch(message);
    }
  });

  it('refuses an oversized message from its header, before the payload arrives', () => {
    expect(refusal([bytes(0x82, 0x7e, 0x01, 0x00)], 255).code).toBe(1009);
    // …and across fragments.
    expect(
      refusal(
        [bytes(0x02, 0x7e, 0x00, 0xc8), new Uint8Array(200), bytes(0x80, 0x7e, 0x00, 0xc8)],
        300,
      ).code,
    ).toBe(1009);
    // …and in endless empty fragments.
    const r = new ServerFrameReader(300);
    r.push(bytes(0x01, 0x00));
    expect(() => {
      for (let i = 0; i < MAX_FRAGMENTS + 1; i++) r.push(bytes(0x00, 0x00));
    }).toThrow(/over 1024 fragments/);
    // Exactly the limit is fine.
    const ok = new ServerFrameReader(4);
    expect(ok.push(bytes(0x82, 0x04, 1, 2, 3, 4))).toEqual([
      { kind: 'binary', data: bytes(1, 2, 3, 4) },
    ]);
  });
});

describe('opening handshake (RFC 6455 §4)', () => {
  it('answers the RFC example nonce with the RFC example accept', () => {
    expect(acceptFor('dGhlIHNhbXBsZSBub25jZQ==')).toBe('s3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
  });

  it('asks for the path and query on the URL host, with an Origin only when given', () => {
    const u = new URL('ws://127.0.0.1:4000/device?token=abc');
    const req = upgradeRequest(u, 'KEY', undefined);
    expect(req.startsWith('GET /device?token=abc HTTP/1.1\r\nHost: 127.0.0.1:4000\r\n')).toBe(true);
    expect(req).toContain('\r\nUpgrade: websocket\r\n');
    expect(req).toContain('\r\nSec-WebSocket-Version: 13\r\n');
    expect(req).toContain('\r\nSec-WebSocket-Key: KEY\r\n');
    expect(req).not.toMatch(/Origin/);
    expect(req.endsWith('\r\n\r\n')).toBe(true);
    expect(upgradeRequest(u, 'KEY', 'http://127.0.0.1:5173')).toContain(
      '\r\nOrigin: http://127.0.0.1:5173\r\n',
    );
    expect(() => upgradeRequest(u, 'KEY', 'x\r\nEvil: 1')).toThrow(/line breaks/);
    expect(() => upgradeRequest(new URL('ws://a:b@127.0.0.1/'), 'KEY')).toThrow(/user info/);
  });

  it('reads a response head: status, headers by lower-case name, where the rest begins', () => {
    const text =
      'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nX-A: 1\r\nx-a: 2\r\n\r\n';
    const buf = ascii(text + '\x81\x00');
    expect(parseResponseHead(buf.subarray(0, text.length - 1))).toBeNull();
    const head = parseResponseHead(buf)!;
    expect(head.status).toBe(101);
    expect(head.headers.get('upgrade')).toBe('websocket');
    expect(head.headers.get('x-a')).toBe('1, 2');
    expect(head.length).toBe(text.length);
  });

  it('throws on a head that is not HTTP, malformed, or endless', () => {
    expect(() => parseResponseHead(ascii('SSH-2.0-x\r\n\r\n'))).toThrow(/HTTP/);
    expect(() => parseResponseHead(ascii('HTTP/1.1 101 OK\r\nno colon\r\n\r\n'))).toThrow(/header/);
    expect(() => parseResponseHead(new Uint8Array(MAX_HEAD_BYTES).fill(0x41))).toThrow(/8 KiB/);
  });

  it('takes a 101 only with Upgrade, Connection, the right accept and nothing unasked for', () => {
    const key = 'dGhlIHNhbXBsZSBub25jZQ==';
    const good = [
      'HTTP/1.1 101 Switching Protocols',
      'Upgrade: WebSocket',
      'Connection: keep-alive, Upgrade',
      'Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=',
    ];
    const problem = (lines: string[]) =>
      upgradeProblem(parseResponseHead(ascii(lines.join('\r\n') + '\r\n\r\n'))!, acceptFor(key));
    expect(problem(good)).toBeNull();
    expect(problem(good.filter((l) => !l.startsWith('Upgrade')))).toMatch(/Upgrade/);
    expect(problem(good.filter((l) => !l.startsWith('Connection')))).toMatch(/Connection/);
    expect(problem([...good.slice(0, 3), 'Sec-WebSocket-Accept: AAAA'])).toMatch(/Accept/);
    expect(problem([...good, 'Sec-WebSocket-Extensions: permessage-deflate'])).toMatch(/extension/);
    expect(problem([...good, 'Sec-WebSocket-Protocol: chat'])).toMatch(/subprotocol/);
  });
});
