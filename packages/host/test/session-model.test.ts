// Random verbs, attempt endings, dropped links, device-side progress while detached and reattaches:
// the open view always ends up equal to the device's slot, and applies every edge exactly once.

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Verb } from '@osprio/link';
import { DeviceSession, planFromProfile, stepRecords } from '../src/index.ts';
import { TestDevice, flush, profile } from './support.ts';

type Action =
  | { t: 'verb'; step: number; verb: Verb }
  | { t: 'finish'; ok: boolean }
  | { t: 'drop' }
  | { t: 'deviceVerb'; step: number; verb: Verb }
  | { t: 'reattach' };

const verb = fc.constantFrom<Verb>('try', 'retry', 'skip', 'reset');
const action: fc.Arbitrary<Action> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ t: fc.constant('verb' as const), step: fc.nat(3), verb }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('finish' as const), ok: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('drop' as const) }) },
  {
    weight: 2,
    arbitrary: fc.record({ t: fc.constant('deviceVerb' as const), step: fc.nat(3), verb }),
  },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('reattach' as const) }) },
);

describe('DeviceSession model', () => {
  it('the view equals the device after any mix of verbs, drops and reattaches; every edge applied once', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(action, { maxLength: 25 }), async (actions) => {
        const d = new TestDevice();
        const s = await DeviceSession.attach({ connect: d.connect, requestTimeoutMs: 2000 });
        try {
          const r = planFromProfile(profile(4), () => new Uint8Array(6));
          if (!r.ok) throw new Error('plan');
          await s.createSlot(0, r.plan);
          const v = await s.openSlot(0);
          const applied: number[] = [];
          v.onEdge((e) => applied.push(e.seq));
          const check = () => {
            const dev = d.device.getSlot(0);
            if (!dev.ok) throw new Error('no slot');
            expect(stepRecords(v.snapshot)).toEqual(dev.slot.steps);
            expect(v.snapshot.lastSeq).toBe(dev.slot.lastSeq);
            expect(v.snapshot.slotState).toBe(dev.slot.state);
          };
          for (const a of actions) {
            if (a.t === 'verb') await v.verb(a.step, a.verb).catch(() => {});
            if (a.t === 'finish') d.m.running()[0]?.finish(a.ok ? 'ok' : 'no_response');
            if (a.t === 'drop') d.drop();
            if (a.t === 'deviceVerb') d.device.verb({ slot: 0 }, a.step, a.verb);
            if (a.t === 'reattach') await s.reattach();
            await flush(8);
            if (s.state.kind === 'attached') check();
          }
          await s.reattach();
          await flush(8);
          check();
          // every sequence number, once, in order
          expect(applied).toEqual(Array.from({ length: v.snapshot.lastSeq }, (_, i) => i + 1));
        } finally {
          s.close();
          await d.close();
        }
      }),
      { numRuns: 40 },
    );
  });
});
