import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Prng } from '../src/prng.ts';

describe('Prng', () => {
  it('reproduces the same stream from the same seed', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (seed) => {
        const a = new Prng(seed);
        const b = new Prng(seed);
        for (let i = 0; i < 20; i++) expect(a.u32()).toBe(b.u32());
      }),
    );
  });

  it('gives different streams for different seeds and different fork labels', () => {
    expect(new Prng(1).bytes(16)).not.toEqual(new Prng(2).bytes(16));
    const root = new Prng(7);
    expect(root.fork('pd1').bytes(16)).not.toEqual(root.fork('pd2').bytes(16));
    expect(root.fork('pd1').bytes(16)).toEqual(new Prng(7).fork('pd1').bytes(16));
  });

  it('keeps int() and float() in range and roughly uniform', () => {
    const p = new Prng(42);
    const counts = new Array<number>(8).fill(0);
    let outOfRange = 0;
    for (let i = 0; i < 80_000; i++) {
      const f = p.float();
      if (!(f >= 0 && f < 1)) outOfRange++;
      counts[p.int(8)]!++;
    }
    expect(outOfRange).toBe(0);
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(600);
  });

  it('chance(0) is never true and chance(1) always is', () => {
    const p = new Prng(3);
    for (let i = 0; i < 1000; i++) {
      expect(p.chance(0)).toBe(false);
      expect(p.chance(1)).toBe(true);
    }
  });
});
