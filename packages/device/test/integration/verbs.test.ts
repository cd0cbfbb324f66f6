// Every cell of the verb legality table (try/retry/skip/reset × pending/attempting/success/failure/
// skipped) over the real WebSocket link to the emulator and its real commissioning engine: accepted
// or rejected with the stable code, and which edge follows.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LinkClient, ProgressEdge, Verb } from '@osprio/link';
import type { StepState } from '@osprio/provisioner';
import type { Emulator } from '../../src/emulator/index.ts';
import { EdgeLog, connectHost, plan, refusal, startTestEmulator, until } from './support.ts';

const VERBS: Verb[] = ['try', 'retry', 'skip', 'reset'];
const LEGAL: Record<Verb, StepState[]> = {
  try: ['pending'],
  retry: ['failure'],
  skip: ['pending', 'failure'],
  reset: ['pending', 'attempting', 'success', 'failure', 'skipped'],
};

/** What the first edge after an accepted verb must say. */
function firstEdge(verb: Verb, before: { attempts: number }): Partial<ProgressEdge> {
  switch (verb) {
    case 'try':
    case 'retry':
      return { state: 'attempting', attempts: before.attempts + 1, outcome: null, stage: 'queued' };
    case 'skip':
      return { state: 'skipped', outcome: 'user_skipped', attempts: before.attempts };
    case 'reset':
      return { state: 'pending', attempts: 0, outcome: null, stage: null, stageStatus: null };
  }
}

async function settle(c: LinkClient, slot: number, idx: number[]): Promise<void> {
  await until(
    async () => {
      const s = await c.getSlot(slot);
      return idx.every((i) => s.steps[i]!.state !== 'attempting');
    },
    20_000,
    'attempts to end',
  );
}

describe('verb legality at rest (pending, success, failure, skipped)', () => {
  // Steps 0-3 stay pending, 4-7 succeed, 8-11 fail (no reader answers), 12-15 are skipped:
  // one fresh step per (verb, state) cell.
  let emu: Emulator;
  let c: LinkClient;
  let log: EdgeLog;
  const STATE_BASE: Record<Exclude<StepState, 'attempting'>, number> = {
    pending: 0,
    success: 4,
    failure: 8,
    skipped: 12,
  };

  beforeAll(async () => {
    emu = await startTestEmulator({ faults: '8:absent,9:absent,10:absent,11:absent' });
    c = await connectHost(emu.url);
    log = new EdgeLog(c);
    await plan(c, 0, 16);
    await c.subscribe({ slot: 0, sinceSeq: 0 });
    for (let i = 4; i < 12; i++) await c.verb({ slot: 0, stepIndex: i, verb: 'try' });
    for (let i = 12; i < 16; i++) await c.verb({ slot: 0, stepIndex: i, verb: 'skip' });
    await settle(c, 0, [...Array(16).keys()]);
    const s = await c.getSlot(0);
    expect(s.steps.map((x) => x.state)).toEqual([
      ...Array(4).fill('pending'),
      ...Array(4).fill('success'),
      ...Array(4).fill('failure'),
      ...Array(4).fill('skipped'),
    ]);
    expect(s.steps[8]!.outcome).toBe('no_response');
  });
  afterAll(async () => {
    c?.close();
    await emu?.close();
  });

  for (const [state, base] of Object.entries(STATE_BASE) as [
    Exclude<StepState, 'attempting'>,
    number,
  ][]) {
    VERBS.forEach((verb, k) => {
      const legal = LEGAL[verb].includes(state);
      it(`${verb} from ${state}: ${legal ? 'accepted' : 'rejected verb_illegal'}`, async () => {
        const idx = base + k;
        const before = (await c.getSlot(0)).steps[idx]!;
        expect(before.state).toBe(state);
        const seqBefore = log.lastSeq(0);
        if (!legal) {
          const e = await refusal(() => c.verb({ slot: 0, stepIndex: idx, verb }));
          expect(e.code).toBe('verb_illegal');
          expect(e.message).toContain(state);
          const after = await c.getSlot(0);
          expect(after.lastSeq).toBe(seqBefore); // no edge follows a rejection
          expect(after.steps[idx]).toEqual(before);
          return;
        }
        await expect(c.verb({ slot: 0, stepIndex: idx, verb })).resolves.toEqual({
          accepted: true,
        });
        await log.until(() => log.of(0).some((e) => e.seq > seqBefore && e.stepIndex === idx));
        const edge = log.of(0).find((e) => e.seq > seqBefore && e.stepIndex === idx)!;
        expect(edge).toMatchObject(firstEdge(verb, before));
        if (verb === 'try' || verb === 'retry') {
          // What happened on the bus arrives afterwards: the real engine ends the attempt.
          await log.until(() =>
            log
              .of(0)
              .some((e) => e.seq > edge.seq && e.stepIndex === idx && e.state !== 'attempting'),
          );
          const end = log
            .of(0)
            .find((e) => e.seq > edge.seq && e.stepIndex === idx && e.state !== 'attempting')!;
          expect(end).toMatchObject(
            state === 'pending'
              ? { state: 'success', outcome: 'ok' }
              : { state: 'failure', outcome: 'no_response', attempts: 2 },
          );
        }
      });
    });
  }

  it('rejects verbs on an unknown step, and on a slot that is not ready', async () => {
    expect((await refusal(() => c.verb({ slot: 0, stepIndex: 99, verb: 'try' }))).code).toBe(
      'unknown_step',
    );
    expect((await refusal(() => c.verb({ slot: 1, stepIndex: 0, verb: 'try' }))).code).toBe(
      'slot_not_ready',
    );
  });
});

describe('verb legality while attempting (running and queued)', () => {
  // Slower than real time: steps 0-3 have no reader, so the attempt on step 0 searches every baud
  // for many seconds of wall time while the others wait behind it, queued.
  let emu: Emulator;
  let c: LinkClient;
  let log: EdgeLog;

  beforeAll(async () => {
    emu = await startTestEmulator({ speed: 0.25, faults: '0:absent,1:absent,2:absent,3:absent' });
    c = await connectHost(emu.url);
    log = new EdgeLog(c);
    await plan(c, 0, 4);
    await c.subscribe({ slot: 0, sinceSeq: 0 });
    for (let i = 0; i < 4; i++) await c.verb({ slot: 0, stepIndex: i, verb: 'try' });
    await log.until(() => log.of(0).some((e) => e.stepIndex === 0 && e.stage === 'discover'));
  });
  afterAll(async () => {
    c?.close();
    await emu?.close();
  });

  for (const verb of ['try', 'retry', 'skip'] as Verb[]) {
    it(`${verb} from attempting: rejected verb_illegal, nothing changes`, async () => {
      const before = await c.getSlot(0);
      for (const idx of [0, 1]) {
        expect(before.steps[idx]!.state).toBe('attempting');
        const e = await refusal(() => c.verb({ slot: 0, stepIndex: idx, verb }));
        expect(e.code).toBe('verb_illegal');
      }
      const after = await c.getSlot(0);
      expect(after.steps[1]).toEqual(before.steps[1]);
    });
  }

  it('reset from attempting: accepted; the attempt is cancelled (running or queued) and no outcome edge follows', async () => {
    const seqBefore = log.lastSeq(0);
    for (const idx of [0, 1])
      await expect(c.verb({ slot: 0, stepIndex: idx, verb: 'reset' })).resolves.toEqual({
        accepted: true,
      });
    await log.until(
      () =>
        log.of(0).filter((e) => e.seq > seqBefore && (e.stepIndex === 0 || e.stepIndex === 1))
          .length >= 2,
    );
    const mine = log
      .of(0)
      .filter((e) => e.seq > seqBefore && (e.stepIndex === 0 || e.stepIndex === 1));
    expect(mine.map((e) => [e.stepIndex, e.state, e.attempts, e.outcome])).toEqual([
      [0, 'pending', 0, null],
      [1, 'pending', 0, null],
    ]);
    // Step 2 now gets the bus; 0 and 1 stay pending (their cancelled attempts report nothing).
    await log.until(() => log.of(0).some((e) => e.stepIndex === 2 && e.stage === 'discover'));
    const s = await c.getSlot(0);
    expect(s.steps.slice(0, 2).map((x) => [x.state, x.attempts])).toEqual([
      ['pending', 0],
      ['pending', 0],
    ]);
    expect(log.of(0).filter((e) => e.seq > seqBefore && e.stepIndex < 2)).toHaveLength(2);
  });
});
