// What the command and reply codecs share: the CODE + DATA pair, the decode result type, and the
// guards that turn a caller's out-of-range field into a RangeError while encoding. Decoding a
// peer's bytes never throws; it returns `bad_payload`.

export interface Payload {
  code: number;
  data: Uint8Array;
}

export interface PayloadError {
  kind: 'bad_payload';
  message: string;
}

export type CodecResult<T> = { ok: true; value: T } | { ok: false; error: PayloadError };

export function badPayload(message: string): { ok: false; error: PayloadError } {
  return { ok: false, error: { kind: 'bad_payload', message } };
}

/** Encoder guard: a field that must fit one byte. */
export function u8(name: string, n: number): number {
  if (!Number.isInteger(n) || n < 0 || n > 0xff)
    throw new RangeError(`${name} must be a byte, got ${n}`);
  return n;
}

/** Encoder guard: a field of exactly `len` bytes. */
export function fixed(name: string, b: Uint8Array, len: number): Uint8Array {
  if (b.length !== len) throw new RangeError(`${name} must be ${len} bytes, got ${b.length}`);
  return b;
}

/** Encoder guard: an unsigned 32-bit field. */
export function u32(name: string, n: number): number {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff)
    throw new RangeError(`${name} out of range: ${n}`);
  return n;
}
