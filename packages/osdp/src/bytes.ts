// Byte helpers shared by every layer. Bytes are always Uint8Array; hex is lowercase on output
// and accepted in any case (with optional spaces, colons or 0x prefixes) on input.

export type Bytes = Uint8Array;

export function toHex(b: Bytes): string {
  let s = '';
  for (const x of b) s += x.toString(16).padStart(2, '0');
  return s;
}

export class HexError extends Error {
  override name = 'HexError';
}

/**
 * Asserts a public input is a Uint8Array (of `len` bytes when given), the way noble-ciphers checks
 * its inputs: a programming error throws a RangeError naming the input, never echoing its bytes.
 */
export function abytes(name: string, value: unknown, len?: number): asserts value is Bytes {
  if (!(value instanceof Uint8Array)) throw new RangeError(`${name} must be a Uint8Array`);
  if (len !== undefined && value.length !== len)
    throw new RangeError(`${name} must be ${len} bytes, got ${value.length}`);
}

/** One byte as two lowercase hex digits (no prefix), for messages and displays. */
export function hex2(n: number): string {
  return (n & 0xff).toString(16).padStart(2, '0');
}

/** Parses hex text; tolerates whitespace, ':' / '-' separators and 0x prefixes, as technicians paste them. */
export function fromHex(text: string): Bytes {
  const clean = text.replace(/0x/gi, '').replace(/[\s:,-]/g, '');
  if (clean.length % 2 !== 0) throw new HexError(`odd number of hex digits (${clean.length})`);
  if (!/^[0-9a-fA-F]*$/.test(clean)) {
    const bad = clean.match(/[^0-9a-fA-F]/)?.[0] ?? '?';
    throw new HexError(`not a hex digit: '${bad}'`);
  }
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(i * 2, i * 2 + 2), 16);
  return out;
}

export function concat(...parts: Bytes[]): Bytes {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Constant-time equality: the time taken depends only on the lengths, never on where bytes differ. */
export function equalCt(a: Bytes, b: Bytes): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

export function equalBytes(a: Bytes, b: Bytes): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function u16le(n: number): Bytes {
  return Uint8Array.of(n & 0xff, (n >>> 8) & 0xff);
}

export function u32le(n: number): Bytes {
  return Uint8Array.of(n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff);
}

export function readU16le(b: Bytes, o: number): number {
  return (b[o]! | (b[o + 1]! << 8)) >>> 0;
}

export function readU32le(b: Bytes, o: number): number {
  return (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;
}

/** Overwrites key material in place once it is no longer needed. */
export function wipe(b: Bytes): void {
  b.fill(0);
}
