import { describe, expect, it } from 'vitest';
import { concat, equalCt, fromHex, HexError, toHex } from '../src/bytes.ts';

describe('bytes', () => {
  it('round-trips hex and tolerates pasted separators', () => {
    expect(toHex(fromHex('FF 53:00-0x09'))).toBe('ff530009');
    expect(() => fromHex('abc')).toThrow(HexError);
    expect(() => fromHex('zz')).toThrow(/not a hex digit/);
  });
  it('compares in constant time by content', () => {
    expect(equalCt(fromHex('0102'), fromHex('0102'))).toBe(true);
    expect(equalCt(fromHex('0102'), fromHex('0103'))).toBe(false);
    expect(equalCt(fromHex('01'), fromHex('0102'))).toBe(false);
    expect(toHex(concat(fromHex('01'), fromHex('0203')))).toBe('010203');
  });
});
