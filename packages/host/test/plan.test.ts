import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  formatFieldProblems,
  planFromFile,
  planFromProfile,
  planStepOptions,
  rngFromBytes,
} from '../src/index.ts';
import { profile } from './support.ts';

const zeros = (n: number) => new Uint8Array(n);
const file = (p: unknown) => JSON.stringify({ kind: 'osprio-profile', version: 1, profile: p });

describe('plan', () => {
  it('expands a valid profile into the reviewed step list (index, address, baud per row)', () => {
    const r = planFromProfile({ ...profile(3), startAddress: 10, baud: 38400 }, zeros);
    expect(r).toEqual({
      ok: true,
      plan: {
        profile: expect.objectContaining({ name: 'Lobby readers' }),
        steps: [
          { index: 0, address: 10, baud: 38400 },
          { index: 1, address: 11, baud: 38400 },
          { index: 2, address: 12, baud: 38400 },
        ],
      },
    });
    if (r.ok)
      expect(planStepOptions(r.plan)).toEqual({
        timeoutMs: 0,
        autoVerify: false,
        expectedCapabilities: [],
      });
  });

  it('points every form problem at its field and says how to fix it', () => {
    const r = planFromProfile(
      {
        ...profile(3),
        addressStrategy: 'manual',
        startAddress: 200,
        manualAddresses: [1, 2, 2],
        baud: 9601,
      },
      zeros,
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems.map((p) => p.field)).toEqual(['startAddress', 'manualAddresses[2]', 'baud']);
    expect(r.problems[0]!.message).toMatch(/use 0–126/);
    expect(r.problems[1]!.message).toMatch(/give each PD its own address/);
    expect(formatFieldProblems(r.problems).split('\n')[2]).toMatch(
      /^baud: 9601 is not a supported baud rate; use one of/,
    );
  });

  it('points an imported file’s problems at their JSON path', () => {
    const r = planFromFile(
      file({ ...profile(2), addressStrategy: 'manual', manualAddresses: [1, 127] }),
      zeros,
    );
    expect(r).toEqual({
      ok: false,
      problems: [
        {
          field: 'profile.manualAddresses[1]',
          message: expect.stringMatching(/broadcast address.*use 0–126/),
        },
      ],
    });
    expect(planFromFile('{ nope', zeros)).toMatchObject({
      ok: false,
      problems: [{ field: '', message: expect.stringMatching(/not JSON/) }],
    });
    const seeded = planFromFile(
      JSON.stringify({
        kind: 'osprio-profile',
        version: 1,
        profile: profile(2),
        seed: 'a0a1a2a3a4a5a6a7a8a9aaabacadaeaf',
      }),
      zeros,
    );
    expect(seeded).toMatchObject({
      ok: false,
      problems: [{ field: 'seed', message: expect.stringMatching(/never carry key material/) }],
    });
    expect(JSON.stringify(seeded)).not.toContain('a0a1a2');
    expect(planFromFile(file(profile(2)), zeros)).toMatchObject({
      ok: true,
      plan: { steps: [{ address: 1 }, { address: 2 }] },
    });
  });

  it('draws random addresses from the injected byte source only', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 6 * 126, maxLength: 6 * 126 }),
        fc.integer({ min: 1, max: 20 }),
        (bytes, n) => {
          let at = 0;
          const src = (k: number) => bytes.slice(at, (at += k));
          const p = { ...profile(n), addressStrategy: 'random', startAddress: 100 };
          const a = planFromProfile(p, src);
          at = 0;
          const b = planFromProfile(p, src);
          expect(a).toEqual(b);
          if (!a.ok) throw new Error('invalid');
          const addrs = a.plan.steps.map((s) => s.address);
          expect(new Set(addrs).size).toBe(n);
          expect(addrs.every((x) => x >= 100 && x <= 126)).toBe(true);
          expect(addrs).toEqual([...addrs].sort((x, y) => x - y));
        },
      ),
    );
  });

  it('maps 6 random bytes onto [0, 1)', () => {
    expect(rngFromBytes(() => new Uint8Array(6))()).toBe(0);
    expect(rngFromBytes(() => new Uint8Array(6).fill(255))()).toBeLessThan(1);
    expect(rngFromBytes(() => Uint8Array.of(128, 0, 0, 0, 0, 0))()).toBe(0.5);
  });
});
