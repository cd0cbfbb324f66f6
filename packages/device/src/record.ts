// Journal record framing: every record is self-checking so a torn or garbled tail is detected and
// dropped on load instead of being read as a valid (half-written) slot write.
//
//   magic u16 LE 0x4F53 | length u32 LE | crc32 u32 LE over (length bytes ‖ payload) | payload
//
// The CRC covers the length too, so a corrupted length cannot make a shorter prefix look whole.
// A zero length is never written (crc32 of nothing is 0, and a file extended with zeros by a crash
// must not decode as a record).

import { crc32 } from 'node:zlib';

export const RECORD_MAGIC = 0x4f53;
export const RECORD_HEADER_BYTES = 10;
/** Larger than any snapshot we write; a bigger length is treated as corruption. */
export const MAX_RECORD_BYTES = 8 * 1024 * 1024;

const enc = new TextEncoder();
const dec = new TextDecoder('utf-8', { fatal: true });

export function encodeRecord(value: unknown): Uint8Array {
  const payload = enc.encode(JSON.stringify(value));
  if (payload.length === 0 || payload.length > MAX_RECORD_BYTES)
    throw new RangeError('record size out of range');
  const out = new Uint8Array(RECORD_HEADER_BYTES + payload.length);
  const dv = new DataView(out.buffer);
  dv.setUint16(0, RECORD_MAGIC, true);
  dv.setUint32(2, payload.length, true);
  out.set(payload, RECORD_HEADER_BYTES);
  dv.setUint32(6, crcOf(out.subarray(2, 6), payload), true);
  return out;
}

function crcOf(lenBytes: Uint8Array, payload: Uint8Array): number {
  return crc32(payload, crc32(lenBytes)) >>> 0;
}

export interface DecodedRecords {
  records: unknown[];
  /** End offset of each record (ends[i] is where record i+1 starts). */
  ends: number[];
  /** Byte length of the intact prefix; anything after it is a torn or corrupt tail. */
  validLength: number;
}

/** Decodes records until the first one that is incomplete or fails its checks. Never throws. */
export function decodeRecords(buf: Uint8Array): DecodedRecords {
  const records: unknown[] = [];
  const ends: number[] = [];
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let off = 0;
  while (off + RECORD_HEADER_BYTES <= buf.length) {
    if (dv.getUint16(off, true) !== RECORD_MAGIC) break;
    const len = dv.getUint32(off + 2, true);
    if (len === 0 || len > MAX_RECORD_BYTES || off + RECORD_HEADER_BYTES + len > buf.length) break;
    const payload = buf.subarray(off + RECORD_HEADER_BYTES, off + RECORD_HEADER_BYTES + len);
    if (crcOf(buf.subarray(off + 2, off + 6), payload) !== dv.getUint32(off + 6, true)) break;
    let value: unknown;
    try {
      value = JSON.parse(dec.decode(payload));
    } catch {
      break;
    }
    records.push(value);
    off += RECORD_HEADER_BYTES + len;
    ends.push(off);
  }
  return { records, ends, validLength: off };
}
