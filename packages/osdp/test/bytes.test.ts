import { describe, expect, it } from 'vitest';
import { concat, equalBytes, equalCt, fromHex, HexError, toHex } from '../src/bytes.ts';

describe('bytes', () => {
  it('round-trips hex and tolerates pasted separators', () => {
    expect(toHex(fromHex('FF 53:00-0x09'))).toBe('ff530009');
    expect(() => fromHex('abc')).toThrow(HexError);
    expect(() => fromHex('zz')).toThrow(/not a hex digit/);
  });
  it('compares by content', () => {
    expect(equalCt(fromHex('0102'), fromHex('0102'))).toBe(true);
    expect(equalCt(fromHex('0102'), fromHex('0103'))).toBe(false);
    expect(equalCt(fromHex('01'), fromHex('0102'))).toBe(false);
    expect(toHex(concat(fromHex('01'), fromHex('0203')))).toBe('010203');
  });
  it('is constant-time in its access pattern: it reads every byte of both inputs, wherever they differ', () => {
    // Timing is not measured (no wall-clock assertions); what makes the time independent of the
    // data is that the loop never exits early. Count the element reads instead.
    const reads = (a: Uint8Array, b: Uint8Array) => {
      let n = 0;
      const spy = (x: Uint8Array) =>
        new Proxy(x, {
          get: (t, p) => (typeof p === 'string' && /^\d+$/.test(p) && n++, Reflect.get(t, p)),
        });
      equalCt(spy(a), spy(b));
      return n;
    };
    const same = fromHex('00112233445566778899aabbccddeeff');
    expect(reads(same, same.slice())).toBe(32);
    expect(reads(same, fromHex('ff112233445566778899aabbccddeeff'))).toBe(32); // differs at the first byte
    expect(reads(same, fromHex('00112233445566778899aabbccddee00'))).toBe(32); // differs at the last byte
    const early = (a: Uint8Array, b: Uint8Array) => {
      let n = 0;
      const spy = (x: Uint8Array) =>
        new Proxy(x, {
          get: (t, p) => (typeof p === 'string' && /^\d+$/.test(p) && n++, Reflect.get(t, p)),
        });
      equalBytes(spy(a), spy(b));
      return n;
    };
    // The contrast: the ordinary comparison stops at the first difference.
    expect(early(same, fromHex('ff112233445566778899aabbccddeeff'))).toBe(2);
  });
});
