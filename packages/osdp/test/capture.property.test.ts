// decodeCapture (capture.ts) takes whatever a technician pastes: nothing in it may throw, with or
// without an SCBK. Inputs mix random bytes with the worked session's frames (whole, cut, joined,
// bit-flipped), so the secure-channel follower's paths are exercised too, not only the resync.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { osdpVectors } from '../../../test-support/shared.ts';
import { fromHex } from '../src/bytes.ts';
import { decodeCapture } from '../src/capture.ts';
import { SCBK_D } from '../src/sc-crypto.ts';

const session = osdpVectors.secure_channel.worked_provisioning_session;
const FRAMES = session.steps.map((s) => fromHex(s.packet_hex));
const NEW_SCBK = fromHex(session.keys_session2.scbk);

/** One pasted argument: random bytes, a real frame, a run of real frames, any of them damaged or cut. */
const chunk: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.uint8Array({ maxLength: 80 }),
  fc.constantFrom(...FRAMES),
  fc.tuple(fc.nat(), fc.integer({ min: 1, max: FRAMES.length })).map(([i, n]) => {
    const run = FRAMES.slice(i % FRAMES.length, (i % FRAMES.length) + n);
    const out = new Uint8Array(run.reduce((a, f) => a + f.length, 0));
    let o = 0;
    for (const f of run) {
      out.set(f, o);
      o += f.length;
    }
    return out;
  }),
  fc
    .tuple(fc.constantFrom(...FRAMES), fc.nat(), fc.integer({ min: 0, max: 7 }))
    .map(([f, pos, bit]) => {
      const b = f.slice();
      b[pos % b.length]! ^= 1 << bit;
      return b;
    }),
  fc
    .tuple(fc.constantFrom(...FRAMES), fc.nat(), fc.nat())
    .map(([f, a, b]) => f.slice(Math.min(a, b) % (f.length + 1), Math.max(a, b) % (f.length + 1))),
);

const inputs = fc.array(chunk, { maxLength: 24 });
const scbk = fc.oneof(
  fc.constant(NEW_SCBK),
  fc.constant(SCBK_D),
  fc.uint8Array({ minLength: 16, maxLength: 16 }),
);

function wellFormed(out: ReturnType<typeof decodeCapture>): void {
  out.forEach((e, i) => {
    expect(e.index).toBe(i + 1);
    expect(typeof e.ok).toBe('boolean');
    expect(e.summary).not.toMatch(/\n/);
    if (e.error !== undefined) expect(e.error).not.toMatch(/\n/);
  });
}

describe('decodeCapture never throws on arbitrary input', () => {
  it('without an SCBK', () => {
    fc.assert(
      fc.property(inputs, (ins) => {
        wellFormed(decodeCapture(ins));
      }),
      { numRuns: 1500 },
    );
  });

  it('with an SCBK (the right one, SCBK-D or a random one), keys hidden or revealed', () => {
    fc.assert(
      fc.property(inputs, scbk, fc.boolean(), (ins, key, revealKeys) => {
        wellFormed(decodeCapture(ins, { scbk: key, revealKeys }));
      }),
      { numRuns: 1500 },
    );
  });
});
