// One OSDP frame on the wire (reference §2.1–2.3, §5.1):
//   [FF] 53 ADDR LEN_LSB LEN_MSB CTRL [SCB…] CODE [DATA…] [MAC0..3] CKSUM | CRC_LSB CRC_MSB
// LEN counts SOM..last check byte (MARK excluded). This module only frames bytes: it knows nothing
// about sessions, keys or payload meaning. Parsing never throws; building throws only on
// programmer errors (out-of-range fields), never on anything a peer sent.

import { hex2 } from './bytes.ts';
import { checksum8, crc16 } from './crc.ts';

export type Sqn = 0 | 1 | 2 | 3;
export type CheckMode = 'crc' | 'checksum';

export const SOM = 0x53;
export const MARK = 0xff;
export const BROADCAST = 0x7f;
export const REPLY_FLAG = 0x80;

/** CTRL bits (reference §2.2). Bits 4–7 are unused and must be 0. */
export const CTRL_SQN_MASK = 0x03;
export const CTRL_CRC = 0x04;
export const CTRL_SCB = 0x08;

/** Header = SOM ADDR LEN_LSB LEN_MSB CTRL. */
export const HEADER_LEN = 5;
/** The spec maximum packet size (reference §1). */
export const MAX_FRAME_LEN = 1440;
export const MAC_WIRE_LEN = 4;

/** Security Control Block: SEC_BLK_TYPE and SEC_BLK_DATA (0–1 bytes); SEC_BLK_LEN is derived. */
export interface Scb {
  type: number;
  data: Uint8Array;
}

export interface FrameFields {
  /** 0x00..0x7F without the reply flag (0x7F = broadcast). */
  address: number;
  /** Bit 7 of ADDR: set on PD replies. */
  reply: boolean;
  sqn: Sqn;
  check: CheckMode;
  scb?: Scb;
  code: number;
  /** DATA as on the wire (ciphertext under SCS_17/18). */
  data: Uint8Array;
  /** Prefix one 0xFF MARK byte. */
  mark?: boolean;
}

/** A parsed frame: the fields it was built from, plus what parsing learned. */
export interface Frame extends Omit<FrameFields, 'mark'> {
  mark: boolean;
  /**
   * The 4 MAC bytes on the wire: present iff the SCB type is SCS_15..18 and the frame has room for
   * CODE + 4 bytes. A MAC-type frame without it must be rejected by the secure layer (NAK 0x06).
   */
  mac?: Uint8Array;
  /** SOM..last check byte, without MARK. */
  bytes: Uint8Array;
}

export interface FrameError {
  kind:
    | 'too_short'
    | 'bad_som'
    | 'bad_length'
    | 'bad_check'
    | 'bad_ctrl'
    | 'bad_scb'
    | 'trailing_bytes';
  message: string;
}

export type ParseFrameResult = { ok: true; frame: Frame } | { ok: false; error: FrameError };

/** SCS_15..SCS_18 carry a MAC. */
export function scbHasMac(type: number): boolean {
  return type >= 0x15 && type <= 0x18;
}

export function checkLength(mode: CheckMode): number {
  return mode === 'crc' ? 2 : 1;
}

/** Length of the smallest well-formed frame in a check mode: header + CODE + check. */
export function minFrameLength(mode: CheckMode): number {
  return HEADER_LEN + 1 + checkLength(mode);
}

function fail(kind: FrameError['kind'], message: string): { ok: false; error: FrameError } {
  return { ok: false, error: { kind, message } };
}

/**
 * Builds one frame. `mac` is required iff scb.type is 0x15..0x18: it receives SOM..end of DATA with
 * the FINAL LEN (MAC + check included) and returns the 16-byte MAC; its first 4 bytes go on the wire.
 * Includes the MARK byte if `f.mark`.
 */
export function buildFrame(f: FrameFields, mac?: (macInput: Uint8Array) => Uint8Array): Uint8Array {
  if (!Number.isInteger(f.address) || f.address < 0 || f.address > 0x7f) {
    throw new RangeError(`address out of range: ${f.address}`);
  }
  if (!Number.isInteger(f.code) || f.code < 0 || f.code > 0xff)
    throw new RangeError(`code out of range: ${f.code}`);
  if (f.sqn !== 0 && f.sqn !== 1 && f.sqn !== 2 && f.sqn !== 3)
    throw new RangeError(`bad SQN: ${String(f.sqn)}`);
  const scb = f.scb;
  if (scb) {
    if (!Number.isInteger(scb.type) || scb.type < 0 || scb.type > 0xff)
      throw new RangeError(`SCB type out of range`);
    if (scb.data.length > 1)
      throw new RangeError(`SEC_BLK_DATA is 0–1 bytes, got ${scb.data.length}`);
  }
  const withMac = scb !== undefined && scbHasMac(scb.type);
  if (withMac && !mac)
    throw new TypeError(`SCB type 0x${scb.type.toString(16)} needs a MAC function`);
  const scbLen = scb ? 2 + scb.data.length : 0;
  const bodyLen = HEADER_LEN + scbLen + 1 + f.data.length;
  const len = bodyLen + (withMac ? MAC_WIRE_LEN : 0) + checkLength(f.check);
  if (len > 0xffff) throw new RangeError(`frame too long: ${len}`);

  const markLen = f.mark ? 1 : 0;
  const out = new Uint8Array(markLen + len);
  const b = out.subarray(markLen);
  if (f.mark) out[0] = MARK;
  b[0] = SOM;
  b[1] = f.address | (f.reply ? REPLY_FLAG : 0);
  b[2] = len & 0xff;
  b[3] = len >>> 8;
  b[4] = f.sqn | (f.check === 'crc' ? CTRL_CRC : 0) | (scb ? CTRL_SCB : 0);
  let o = HEADER_LEN;
  if (scb) {
    b[o++] = scbLen;
    b[o++] = scb.type;
    b.set(scb.data, o);
    o += scb.data.length;
  }
  b[o++] = f.code;
  b.set(f.data, o);
  o += f.data.length;
  if (withMac) {
    const m = mac!(b.slice(0, o));
    if (m.length < MAC_WIRE_LEN) throw new RangeError(`MAC function returned ${m.length} bytes`);
    b.set(m.subarray(0, MAC_WIRE_LEN), o);
    o += MAC_WIRE_LEN;
  }
  if (f.check === 'crc') {
    const c = crc16(b.subarray(0, o));
    b[o++] = c & 0xff;
    b[o++] = c >>> 8;
  } else {
    b[o++] = checksum8(b.subarray(0, o));
  }
  return out;
}

/** SOM..end of DATA of a parsed frame: the MAC input (LEN already final). */
export function macInputOf(frame: Frame): Uint8Array {
  const tail = checkLength(frame.check) + (frame.mac ? MAC_WIRE_LEN : 0);
  return frame.bytes.subarray(0, frame.bytes.length - tail);
}

/**
 * Checks a header (SOM..CTRL, 5 bytes at `o`) without looking at the rest. Used by the stream
 * parser to reject a false SOM early. Returns the frame LEN or an error.
 */
export function checkHeader(
  b: Uint8Array,
  o: number,
  maxLen = 0xffff,
): { ok: true; len: number; check: CheckMode } | { ok: false; error: FrameError } {
  if (b.length - o < HEADER_LEN)
    return fail('too_short', `need ${HEADER_LEN} header bytes, have ${b.length - o}`);
  if (b[o] !== SOM) return fail('bad_som', `expected SOM 0x53, got 0x${hex2(b[o]!)}`);
  const len = b[o + 2]! | (b[o + 3]! << 8);
  const ctrl = b[o + 4]!;
  if (ctrl & 0xf0) return fail('bad_ctrl', `CTRL bits 4–7 must be 0, got 0x${hex2(ctrl)}`);
  const check: CheckMode = ctrl & CTRL_CRC ? 'crc' : 'checksum';
  const min = minFrameLength(check) + (ctrl & CTRL_SCB ? 2 : 0);
  if (len < min) return fail('bad_length', `LEN ${len} is below the minimum ${min}`);
  if (len > maxLen) return fail('bad_length', `LEN ${len} exceeds the maximum ${maxLen}`);
  return { ok: true, len, check };
}

/** Parses exactly one frame with an optional leading MARK. Never throws. */
export function parseFrame(bytes: Uint8Array): ParseFrameResult {
  const mark = bytes.length > 0 && bytes[0] === MARK;
  const b = mark ? bytes.subarray(1) : bytes;
  const h = checkHeader(b, 0);
  if (!h.ok) return h;
  const { len, check } = h;
  if (b.length < len) return fail('too_short', `LEN ${len} but only ${b.length} bytes`);
  if (b.length > len) return fail('trailing_bytes', `${b.length - len} bytes after the frame`);

  const ckLen = checkLength(check);
  const body = b.subarray(0, len - ckLen);
  if (check === 'crc') {
    const want = crc16(body);
    const got = b[len - 2]! | (b[len - 1]! << 8);
    if (want !== got) return fail('bad_check', `CRC mismatch`);
  } else if (checksum8(body) !== b[len - 1]) {
    return fail('bad_check', `checksum mismatch`);
  }

  const ctrl = b[4]!;
  let o = HEADER_LEN;
  let scb: Scb | undefined;
  let macLen = 0;
  if (ctrl & CTRL_SCB) {
    const scbLen = b[o]!;
    if (scbLen !== 2 && scbLen !== 3)
      return fail('bad_scb', `SEC_BLK_LEN must be 2 or 3, got ${scbLen}`);
    const type = b[o + 1]!;
    if (o + scbLen + 1 > body.length)
      return fail('bad_scb', `security block does not fit in LEN ${len}`);
    // A MAC-type SCB in a frame too short to hold CODE + MAC is still well-framed (libosdp's
    // fixture expects it to reach the secure layer, which answers NAK 0x06): `mac` stays undefined.
    macLen = scbHasMac(type) && body.length - (o + scbLen) >= 1 + MAC_WIRE_LEN ? MAC_WIRE_LEN : 0;
    scb = { type, data: b.slice(o + 2, o + scbLen) };
    o += scbLen;
  }
  const code = b[o++]!;
  const dataEnd = body.length - macLen;
  const frame: Frame = {
    address: b[1]! & 0x7f,
    reply: (b[1]! & REPLY_FLAG) !== 0,
    sqn: (ctrl & CTRL_SQN_MASK) as Sqn,
    check,
    code,
    data: b.slice(o, dataEnd),
    mark,
    bytes: b.slice(0, len),
  };
  if (scb) frame.scb = scb;
  if (macLen) frame.mac = b.slice(dataEnd, dataEnd + macLen);
  return { ok: true, frame };
}
