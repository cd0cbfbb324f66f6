// Expansion of a profile into its per-PD step list.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Prng } from '@osprio/bus';
import { ExpandError, expandProfile, stepOptionsOf } from '../src/expand.ts';
import { InvalidProfileError } from '../src/profile-schema.ts';
import { baseProfile, rngArb, validProfileArb } from './profile-arbitrary.ts';

/** A seeded source of floats in [0, 1) (the bus package's PRNG), so a failing run can be replayed. */
function seeded(seed: number): () => number {
  const prng = new Prng(seed);
  return () => prng.float();
}

describe('expandProfile', () => {
  it('sequential: consecutive addresses from the start, indexed from 0, at the profile baud', () => {
    expect(expandProfile(baseProfile({ startAddress: 5, deviceCount: 3, baud: 38400 }))).toEqual([
      { index: 0, address: 5, baud: 38400 },
      { index: 1, address: 6, baud: 38400 },
      { index: 2, address: 7, baud: 38400 },
    ]);
  });

  it('sequential may end exactly at 126', () => {
    const steps = expandProfile(baseProfile({ startAddress: 117, deviceCount: 10 }));
    expect(steps.at(-1)).toEqual({ index: 9, address: 126, baud: 115200 });
  });

  it('manual: the list as given, in its order', () => {
    const steps = expandProfile(
      baseProfile({
        addressStrategy: 'manual',
        deviceCount: 4,
        manualAddresses: [40, 0, 126, 7],
        baud: 9600,
      }),
    );
    expect(steps).toEqual([
      { index: 0, address: 40, baud: 9600 },
      { index: 1, address: 0, baud: 9600 },
      { index: 2, address: 126, baud: 9600 },
      { index: 3, address: 7, baud: 9600 },
    ]);
  });

  it('random: distinct addresses from the start up, ascending, deterministic given the source', () => {
    const p = baseProfile({ addressStrategy: 'random', startAddress: 50, deviceCount: 20 });
    const a = expandProfile(p, seeded(7));
    expect(expandProfile(p, seeded(7))).toEqual(a);
    expect(expandProfile(p, seeded(8))).not.toEqual(a);
    const addrs = a.map((s) => s.address);
    expect(new Set(addrs).size).toBe(20);
    expect(addrs.every((x) => x >= 50 && x <= 126)).toBe(true);
    expect([...addrs].sort((x, y) => x - y)).toEqual(addrs);
    expect(a.map((s) => s.index)).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it('random with exactly enough room takes every address', () => {
    const steps = expandProfile(
      baseProfile({ addressStrategy: 'random', startAddress: 120, deviceCount: 7 }),
      seeded(1),
    );
    expect(steps.map((s) => s.address)).toEqual([120, 121, 122, 123, 124, 125, 126]);
  });

  it('random survives a source at its extremes (0 and the largest double below 1)', () => {
    const p = baseProfile({ addressStrategy: 'random', startAddress: 0, deviceCount: 126 });
    for (const r of [0, 1 - Number.EPSILON / 2]) {
      const addrs = expandProfile(p, () => r).map((s) => s.address);
      expect(new Set(addrs).size).toBe(126);
      expect(addrs.every((x) => x >= 0 && x <= 126)).toBe(true);
    }
  });

  it('random reaches every address of the range over many sources', () => {
    const p = baseProfile({ addressStrategy: 'random', startAddress: 100, deviceCount: 3 });
    const seen = new Set<number>();
    for (let s = 0; s < 300; s++)
      for (const st of expandProfile(p, seeded(s))) seen.add(st.address);
    expect([...seen].sort((x, y) => x - y)).toEqual(Array.from({ length: 27 }, (_, i) => 100 + i));
  });

  it('random without a source, or with a source out of [0, 1), is a typed error', () => {
    const p = baseProfile({ addressStrategy: 'random' });
    expect(() => expandProfile(p)).toThrow(
      expect.objectContaining({ name: 'ExpandError', code: 'no_rng' }),
    );
    for (const r of [1, -0.1, Number.NaN, 2]) {
      expect(() => expandProfile(p, () => r)).toThrow(ExpandError);
      expect(() => expandProfile(p, () => r)).toThrow(expect.objectContaining({ code: 'bad_rng' }));
    }
  });

  it('sequential and manual do not consult the source', () => {
    const boom = () => {
      throw new Error('called');
    };
    expect(() => expandProfile(baseProfile(), boom)).not.toThrow();
    expect(() =>
      expandProfile(baseProfile({ addressStrategy: 'manual', manualAddresses: [1, 2, 3] }), boom),
    ).not.toThrow();
  });

  it('refuses an invalid profile with its problems (no room, duplicates, broadcast)', () => {
    const bad = [
      baseProfile({ startAddress: 120, deviceCount: 10 }),
      baseProfile({ addressStrategy: 'manual', manualAddresses: [1, 1, 2] }),
      baseProfile({ addressStrategy: 'manual', deviceCount: 1, manualAddresses: [127] }),
      baseProfile({ addressStrategy: 'random', startAddress: 125, deviceCount: 3 }),
    ];
    for (const p of bad) {
      expect(() => expandProfile(p, seeded(1))).toThrow(InvalidProfileError);
    }
  });

  it('any valid profile expands to deviceCount unique addresses in 0..126 at the profile baud', () => {
    fc.assert(
      fc.property(validProfileArb, rngArb, (p, rng) => {
        const steps = expandProfile(p, rng);
        expect(steps).toHaveLength(p.deviceCount);
        const addrs = steps.map((s) => s.address);
        expect(new Set(addrs).size).toBe(p.deviceCount);
        for (const [i, s] of steps.entries()) {
          expect(s.index).toBe(i);
          expect(s.baud).toBe(p.baud);
          expect(Number.isInteger(s.address) && s.address >= 0 && s.address <= 126).toBe(true);
          if (p.addressStrategy !== 'manual')
            expect(s.address).toBeGreaterThanOrEqual(p.startAddress);
        }
        if (p.addressStrategy === 'manual') expect(addrs).toEqual(p.manualAddresses);
      }),
      { numRuns: 300 },
    );
  });
});

describe('stepOptionsOf', () => {
  it('carries the timeout, auto-verify and a copy of the expected capabilities', () => {
    const caps = [{ functionCode: 9, minCompliance: 1, minCount: 0 }];
    const p = baseProfile({ timeoutMs: 5000, autoVerify: false, expectedCapabilities: caps });
    const o = stepOptionsOf(p);
    expect(o).toEqual({ timeoutMs: 5000, autoVerify: false, expectedCapabilities: caps });
    expect(o.expectedCapabilities[0]).not.toBe(caps[0]);
  });
});
