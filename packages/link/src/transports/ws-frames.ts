// RFC 6455 framing for the client end of a WebSocket, as pure functions: what ws-socket-node.ts
// writes (masked frames) and how it reads what a server sends (unmasked frames, no extensions —
// none is ever offered). Bytes in, messages or a protocol failure out; no I/O here.

import { concat } from '@osprio/osdp/bytes';

export const OPCODE = {
  continuation: 0x0,
  text: 0x1,
  binary: 0x2,
  close: 0x8,
  ping: 0x9,
  pong: 0xa,
} as const;

/** The close codes of RFC 6455 §7.4.1 this end may send or report. */
export const WS_CLOSE = {
  normal: 1000,
  protocolError: 1002,
  noStatus: 1005,
  abnormal: 1006,
  invalidData: 1007,
  tooBig: 1009,
} as const;

/** One frame to put on the wire from the client: FIN set, payload masked with `maskKey` (4 bytes). */
export function encodeClientFrame(
  opcode: number,
  payload: Uint8Array,
  maskKey: Uint8Array,
): Uint8Array {
  if (maskKey.length !== 4) throw new RangeError('maskKey must be 4 bytes');
  const n = payload.length;
  const lenBytes = n < 126 ? 0 : n < 0x10000 ? 2 : 8;
  const head = 2 + lenBytes + 4;
  const out = new Uint8Array(head + n);
  out[0] = 0x80 | opcode;
  if (lenBytes === 0) out[1] = 0x80 | n;
  else if (lenBytes === 2) {
    out[1] = 0x80 | 126;
    out[2] = n >>> 8;
    out[3] = n & 0xff;
  } else {
    out[1] = 0x80 | 127;
    // Lengths here stay far below 2^32: the high four bytes are zero.
    new DataView(out.buffer).setUint32(6, n);
  }
  out.set(maskKey, 2 + lenBytes);
  for (let i = 0; i < n; i++) out[head + i] = payload[i]! ^ maskKey[i & 3]!;
  return out;
}

/** A close frame's payload: the code, then the reason in UTF-8 (at most 123 bytes, RFC 6455 §5.5). */
export function closePayload(code: number, reason: string): Uint8Array {
  const r = new TextEncoder().encode(reason).subarray(0, 123);
  const out = new Uint8Array(2 + r.length);
  out[0] = code >>> 8;
  out[1] = code & 0xff;
  out.set(r, 2);
  return out;
}

/** The most fragments one message may come in (a device sends each message whole). */
export const MAX_FRAGMENTS = 1024;

export type ServerMessage =
  | { kind: 'text'; data: string }
  | { kind: 'binary'; data: Uint8Array }
  | { kind: 'ping'; data: Uint8Array }
  | { kind: 'pong' }
  | { kind: 'close'; code: number; reason: string };

/** A reason to fail the connection (RFC 6455 §7.1.7), with the close code to send. */
export class WsProtocolError extends Error {
  override name = 'WsProtocolError';
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

const fatalUtf8 = new TextDecoder('utf-8', { fatal: true });

function utf8(bytes: Uint8Array, what: string): string {
  try {
    return fatalUtf8.decode(bytes);
  } catch {
    throw new WsProtocolError(WS_CLOSE.invalidData, `${what} is not valid UTF-8`);
  }
}

function closeFrame(p: Uint8Array): ServerMessage {
  if (p.length === 0) return { kind: 'close', code: WS_CLOSE.noStatus, reason: '' };
  if (p.length === 1) throw new WsProtocolError(WS_CLOSE.protocolError, 'a 1-byte close payload');
  const code = (p[0]! << 8) | p[1]!;
  // §7.4: 1000–1014 less the reserved ones, or the 3000–4999 application range.
  const valid =
    (code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006) ||
    (code >= 3000 && code <= 4999);
  if (!valid) throw new WsProtocolError(WS_CLOSE.protocolError, `close code ${code} is not valid`);
  return { kind: 'close', code, reason: utf8(p.subarray(2), 'the close reason') };
}

/**
 * Reads frames from a server: unmasked, no reserved bits, control frames whole and short, a data
 * message no longer than `maxMessageBytes` across its fragments. `push` returns the messages the
 * new bytes complete; it throws WsProtocolError when the stream is broken (the caller fails the
 * connection with `code`). After a throw the reader is spent.
 */
export class ServerFrameReader {
  private buf: Uint8Array = new Uint8Array(0);
  private parts: Uint8Array[] = [];
  private partsBytes = 0;
  private partOpcode = -1;

  constructor(private readonly maxMessageBytes: number) {}

  push(chunk: Uint8Array): ServerMessage[] {
    this.buf = this.buf.length === 0 ? chunk : concat(this.buf, chunk);
    const out: ServerMessage[] = [];
    for (;;) {
      const frame = this.nextFrame();
      if (frame === null) break;
      const msg = this.onFrame(frame.fin, frame.opcode, frame.payload);
      if (msg) out.push(msg);
    }
    return out;
  }

  private nextFrame(): { fin: boolean; opcode: number; payload: Uint8Array } | null {
    const b = this.buf;
    if (b.length < 2) return null;
    const fin = (b[0]! & 0x80) !== 0;
    if (b[0]! & 0x70) throw new WsProtocolError(WS_CLOSE.protocolError, 'reserved bits set');
    const opcode = b[0]! & 0x0f;
    if (b[1]! & 0x80) throw new WsProtocolError(WS_CLOSE.protocolError, 'a masked server frame');
    let len = b[1]! & 0x7f;
    let at = 2;
    if (len === 126) {
      if (b.length < 4) return null;
      len = (b[2]! << 8) | b[3]!;
      at = 4;
    } else if (len === 127) {
      if (b.length < 10) return null;
      const v = new DataView(b.buffer, b.byteOffset + 2, 8);
      if (v.getUint32(0) !== 0) throw this.tooBig();
      len = v.getUint32(4);
      at = 10;
    }
    if (opcode >= 0x8) {
      if (!fin) throw new WsProtocolError(WS_CLOSE.protocolError, 'a fragmented control frame');
      if (len > 125) throw new WsProtocolError(WS_CLOSE.protocolError, 'a control frame over 125');
    } else if (this.partsBytes + len > this.maxMessageBytes) throw this.tooBig();
    if (b.length < at + len) return null;
    const payload = b.slice(at, at + len);
    this.buf = b.subarray(at + len);
    return { fin, opcode, payload };
  }

  private tooBig(): WsProtocolError {
    return new WsProtocolError(WS_CLOSE.tooBig, `a message over ${this.maxMessageBytes} bytes`);
  }

  private onFrame(fin: boolean, opcode: number, payload: Uint8Array): ServerMessage | null {
    switch (opcode) {
      case OPCODE.close:
        return closeFrame(payload);
      case OPCODE.ping:
        return { kind: 'ping', data: payload };
      case OPCODE.pong:
        return { kind: 'pong' };
      case OPCODE.text:
      case OPCODE.binary:
        if (this.partOpcode !== -1)
          throw new WsProtocolError(
            WS_CLOSE.protocolError,
            'a new message inside a fragmented one',
          );
        if (fin) return dataMessage(opcode, payload);
        this.partOpcode = opcode;
        this.parts = [payload];
        this.partsBytes = payload.length;
        return null;
      case OPCODE.continuation: {
        if (this.partOpcode === -1)
          throw new WsProtocolError(
            WS_CLOSE.protocolError,
            'a continuation with nothing to continue',
          );
        // Empty fragments cost nothing against the byte limit; cap their number too.
        if (this.parts.length >= MAX_FRAGMENTS)
          throw new WsProtocolError(
            WS_CLOSE.tooBig,
            `a message in over ${MAX_FRAGMENTS} fragments`,
          );
        this.parts.push(payload);
        this.partsBytes += payload.length;
        if (!fin) return null;
        const whole = concat(...this.parts);
        const op = this.partOpcode;
        this.partOpcode = -1;
        this.parts = [];
        this.partsBytes = 0;
        return dataMessage(op, whole);
      }
      default:
        throw new WsProtocolError(
          WS_CLOSE.protocolError,
          `unknown opcode 0x${opcode.toString(16)}`,
        );
    }
  }
}

function dataMessage(opcode: number, payload: Uint8Array): ServerMessage {
  return opcode === OPCODE.text
    ? { kind: 'text', data: utf8(payload, 'a text message') }
    : { kind: 'binary', data: payload };
}
