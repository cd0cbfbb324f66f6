// Random verb / outcome / restart sequences: the host's reducer fed the device's edges (replayed
// with since() after every restart) always equals what getSlot reads, sequence numbers only grow,
// and the bus never runs two attempts.

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { emptySnapshot, rowsReducer, stepRecords } from '@osprio/host';
import type { QueueSnapshot } from '@osprio/host';
import type { Verb } from '@osprio/link';
import type { Device } from '../src/index.ts';
import { flush, manualExecutor, openDevice, readySlot, result, slotOf, tmpDir } from './helpers.ts';

type Action =
  | { t: 'verb'; step: number; verb: Verb }
  | { t: 'stage' }
  | { t: 'finish'; ok: boolean }
  | { t: 'restart' };

const action: fc.Arbitrary<Action> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      t: fc.constant('verb' as const),
      step: fc.nat(3),
      verb: fc.constantFrom<Verb>('try', 'retry', 'skip', 'reset'),
    }),
  },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('stage' as const) }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('finish' as const), ok: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('restart' as const) }) },
);

describe('device ⇄ host reducer model', () => {
  it('edges replayed into the host reducer always reproduce the device’s slot', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(action, { maxLength: 40 }), async (actions) => {
        const dir = tmpDir();
        let m = manualExecutor();
        let d: Device = openDevice(dir, m.exec, { durable: false });
        readySlot(d, 0, 4);
        let view: QueueSnapshot = rowsReducer(emptySnapshot({ slot: 0 }), {
          type: 'read',
          slot: slotOf(d, 0),
        });
        let unsub = d.onEvent((ev) => {
          if (ev.type === 'edge') view = rowsReducer(view, { type: 'edge', edge: ev.edge });
        });
        let lastSeq = 0;
        try {
          for (const a of actions) {
            const running = m.running();
            if (a.t === 'verb') d.verb({ slot: 0 }, a.step, a.verb);
            if (a.t === 'stage' && running[0])
              running[0].ctx.onStage({ stage: 'discover', status: 'done' });
            if (a.t === 'finish' && running[0])
              running[0].finish(result(a.ok ? 'ok' : 'no_response'));
            if (a.t === 'restart') {
              unsub();
              await d.close();
              m = manualExecutor();
              d = openDevice(dir, m.exec, { durable: false });
              // the host reconnects: replay what it missed (here: the recovery edges)
              const since = d.since({ slot: 0 }, view.lastSeq);
              expect(since.ok && !since.resync).toBe(true);
              if (since.ok && !since.resync)
                for (const e of since.edges) view = rowsReducer(view, { type: 'edge', edge: e });
              unsub = d.onEvent((ev) => {
                if (ev.type === 'edge') view = rowsReducer(view, { type: 'edge', edge: ev.edge });
              });
            }
            await flush();
            const s = slotOf(d, 0);
            expect(stepRecords(view)).toEqual(s.steps);
            expect(view.lastSeq).toBe(s.lastSeq);
            expect(s.lastSeq).toBeGreaterThanOrEqual(lastSeq);
            lastSeq = s.lastSeq;
            expect(m.running().length).toBeLessThanOrEqual(1);
            // every attempting step has an attempt queued or running, and vice versa
            const attempting = s.steps.filter((x) => x.state === 'attempting').length;
            expect(attempting > 0).toBe(m.running().length === 1);
          }
        } finally {
          unsub();
          await d.close();
        }
      }),
      { numRuns: 60 },
    );
  }, 60_000);
});
