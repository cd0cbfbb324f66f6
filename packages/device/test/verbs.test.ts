import { afterEach, describe, expect, it } from 'vitest';
import type { Verb } from '@osprio/link';
import type { StepState } from '@osprio/provisioner';
import type { Device } from '../src/index.ts';
import {
  edgesOf,
  flush,
  manualExecutor,
  openDevice,
  readySlot,
  result,
  SEED,
  slotOf,
  tmpDir,
} from './helpers.ts';

const opened: Device[] = [];
afterEach(async () => {
  for (const d of opened.splice(0)) await d.close();
});

function setup(n = 1) {
  const m = manualExecutor();
  const d = openDevice(tmpDir(), m.exec);
  opened.push(d);
  readySlot(d, 0, n);
  return { d, m };
}

/** Brings step 0 of slot 0 into `state` through the facade only. */
async function into(state: StepState) {
  const s = setup();
  const { d, m } = s;
  if (state === 'pending') return s;
  if (state === 'skipped') {
    expect(d.verb({ slot: 0 }, 0, 'skip').ok).toBe(true);
    return s;
  }
  expect(d.verb({ slot: 0 }, 0, 'try').ok).toBe(true);
  await flush();
  if (state === 'attempting') return s;
  m.calls[0]!.finish(result(state === 'success' ? 'ok' : 'no_response'));
  await flush();
  return s;
}

// device-protocol.md: try from pending; retry from failure; skip from pending|failure; reset from any.
const TABLE: Record<StepState, Record<Verb, StepState | null>> = {
  pending: { try: 'attempting', retry: null, skip: 'skipped', reset: 'pending' },
  attempting: { try: null, retry: null, skip: null, reset: 'pending' },
  success: { try: null, retry: null, skip: null, reset: 'pending' },
  failure: { try: null, retry: 'attempting', skip: 'skipped', reset: 'pending' },
  skipped: { try: null, retry: null, skip: null, reset: 'pending' },
};

describe('verb legality (every state × verb at the facade)', () => {
  for (const [from, row] of Object.entries(TABLE) as [
    StepState,
    Record<Verb, StepState | null>,
  ][]) {
    for (const [verb, to] of Object.entries(row) as [Verb, StepState | null][]) {
      it(`${verb} from ${from} → ${to ?? 'rejected'}`, async () => {
        const { d, m } = await into(from);
        const before = slotOf(d, 0);
        expect(before.steps[0]!.state).toBe(from);
        const calls = m.calls.length;
        const r = d.verb({ slot: 0 }, 0, verb);
        await flush();
        const after = slotOf(d, 0);
        const step = after.steps[0]!;
        if (to === null) {
          expect(r).toMatchObject({ ok: false, code: 'illegal_state' });
          expect((r as { reason: string }).reason).toContain(from);
          expect(after).toEqual(before); // nothing changed, no edge
          expect(m.calls.length).toBe(calls);
          return;
        }
        expect(r).toEqual({ ok: true });
        expect(after.lastSeq).toBeGreaterThan(before.lastSeq); // accepted verbs always produce an edge
        expect(step.state).toBe(to);
        if (verb === 'try' || verb === 'retry') {
          expect(step).toMatchObject({ attempts: before.steps[0]!.attempts + 1, outcome: null });
          expect(m.calls.length).toBe(calls + 1);
        }
        if (verb === 'skip')
          expect(step).toMatchObject({
            outcome: 'user_skipped',
            attempts: before.steps[0]!.attempts,
          });
        if (verb === 'reset') {
          expect(step).toMatchObject({ attempts: 0, outcome: null, detail: '', stage: null });
          if (from === 'attempting') expect(m.calls[0]!.aborted).toBe(true);
          if (from === 'success' || from === 'skipped') {
            expect(before.state).toBe('complete');
            expect(after.state).toBe('ready'); // a reset in a complete slot makes it ready again
          }
        }
      });
    }
  }

  it('rejects verbs on a slot that is not ready, an unknown step, an unknown slot', () => {
    const m = manualExecutor();
    const d = openDevice(tmpDir(), m.exec);
    opened.push(d);
    expect(d.verb({ slot: 0 }, 0, 'try')).toMatchObject({ ok: false, code: 'slot_not_ready' });
    readySlot(d, 1, 2);
    expect(d.verb({ slot: 1 }, 2, 'try')).toMatchObject({ ok: false, code: 'unknown_step' });
    expect(d.verb({ slot: 1 }, -1, 'reset')).toMatchObject({ ok: false, code: 'unknown_step' });
    expect(d.verb({ slot: 1 }, 0.5, 'reset')).toMatchObject({ ok: false, code: 'unknown_step' });
    expect(d.verb({ slot: 7 }, 0, 'try')).toMatchObject({ ok: false, code: 'unknown_slot' });
    expect(d.verb({ slot: 1 }, 0, 'frobnicate' as Verb)).toMatchObject({
      ok: false,
      code: 'bad_request',
    });
    expect(d.createSlot(2, { ...slotOf(d, 1).header! }, slotOf(d, 1).sessionId!, SEED)).toEqual({
      ok: true,
    });
    expect(d.verb({ slot: 2 }, 0, 'skip')).toMatchObject({ ok: false, code: 'slot_not_ready' });
  });

  it('a slot is complete when every step is success or skipped', async () => {
    const { d, m } = setup(3);
    d.verb({ slot: 0 }, 0, 'skip');
    d.verb({ slot: 0 }, 1, 'try');
    d.verb({ slot: 0 }, 2, 'try');
    await flush();
    m.calls[0]!.finish(result('ok'));
    await flush();
    m.calls[1]!.finish(result('keyset_failed'));
    await flush();
    expect(slotOf(d, 0)).toMatchObject({
      state: 'ready',
      counters: { total: 3, provisioned: 1, failed: 1, skipped: 1, pending: 0 },
    });
    d.verb({ slot: 0 }, 2, 'skip');
    expect(slotOf(d, 0).state).toBe('complete');
  });
});

describe('the one bus', () => {
  it('runs accepted attempts FIFO across slots, one at a time; queued steps show stage "queued"', async () => {
    const m = manualExecutor();
    const d = openDevice(tmpDir(), m.exec);
    opened.push(d);
    readySlot(d, 0, 3);
    readySlot(d, 1, 3);
    const order: [number, number][] = [
      [1, 2],
      [0, 0],
      [1, 0],
      [0, 2],
      [0, 1],
    ];
    for (const [slot, i] of order) expect(d.verb({ slot }, i, 'try').ok).toBe(true);
    await flush();
    for (let k = 0; k < order.length; k++) {
      expect(m.running()).toHaveLength(1); // never two attempts on the bus
      const [slot, i] = order[k]!;
      expect(m.calls[k]!.job).toMatchObject({ queue: { slot }, stepIndex: i, address: i + 1 });
      for (const [s2, i2] of order.slice(k + 1))
        expect(slotOf(d, s2).steps[i2]).toMatchObject({ state: 'attempting', stage: 'queued' });
      m.calls[k]!.finish(result('ok'));
      await flush();
    }
    expect(m.calls).toHaveLength(order.length);
  });

  it('hands the executor the step target, the slot options, sessionId and seed', async () => {
    const { d, m } = setup(1);
    d.verb({ slot: 0 }, 0, 'try');
    await flush();
    const job = m.calls[0]!.job;
    expect(job).toMatchObject({
      address: 1,
      baud: 115200,
      options: { timeoutMs: 0, autoVerify: true, expectedCapabilities: [] },
      sessionId: slotOf(d, 0).sessionId,
    });
    expect(job.seed).toEqual(slotOf(d, 0).seed);
  });

  it('never retries on its own: a failure stays failure over a long time', async () => {
    const { vi } = await import('vitest');
    vi.useFakeTimers();
    try {
      const { d, m } = setup(2);
      d.verb({ slot: 0 }, 0, 'try');
      await vi.advanceTimersByTimeAsync(0);
      m.calls[0]!.finish(result('no_response'));
      await vi.advanceTimersByTimeAsync(24 * 3600_000);
      expect(m.calls).toHaveLength(1);
      expect(slotOf(d, 0).steps[0]).toMatchObject({
        state: 'failure',
        attempts: 1,
        outcome: 'no_response',
      });
    } finally {
      vi.useRealTimers();
    }
  });

  it('reset cancels a queued attempt (it never runs) and a running one (aborted; the next starts after it let go)', async () => {
    const { d, m } = setup(3);
    d.verb({ slot: 0 }, 0, 'try');
    d.verb({ slot: 0 }, 1, 'try');
    d.verb({ slot: 0 }, 2, 'try');
    await flush();
    expect(d.verb({ slot: 0 }, 1, 'reset').ok).toBe(true); // queued
    expect(d.verb({ slot: 0 }, 0, 'reset').ok).toBe(true); // running
    await flush();
    expect(m.calls[0]!.aborted).toBe(true);
    expect(m.calls.map((c) => c.job.stepIndex)).toEqual([0, 2]);
    expect(slotOf(d, 0).steps.map((s) => [s.state, s.attempts])).toEqual([
      ['pending', 0],
      ['pending', 0],
      ['attempting', 1],
    ]);
    // the aborted attempt's late stage events and result are ignored
    m.calls[0]!.ctx.onStage({ stage: 'comset', status: 'in_flight' });
    expect(slotOf(d, 0).steps[0]!.state).toBe('pending');
  });

  it('deleteSlot cancels the slot’s attempts; other slots keep going', async () => {
    const m = manualExecutor();
    const d = openDevice(tmpDir(), m.exec);
    opened.push(d);
    readySlot(d, 0, 2);
    readySlot(d, 1, 1);
    d.verb({ slot: 0 }, 0, 'try');
    d.verb({ slot: 0 }, 1, 'try');
    d.verb({ slot: 1 }, 0, 'try');
    await flush();
    expect(d.deleteSlot(0).ok).toBe(true);
    await flush();
    expect(m.calls[0]!.aborted).toBe(true);
    expect(m.calls.map((c) => c.job.queue)).toEqual([{ slot: 0 }, { slot: 1 }]);
    expect(slotOf(d, 0).state).toBe('empty');
    m.calls[1]!.finish(result('ok'));
    await flush();
    expect(slotOf(d, 1).state).toBe('complete');
  });

  it('records stage milestones as edges, and the outcome as the last edge', async () => {
    const { d, m } = setup(1);
    d.verb({ slot: 0 }, 0, 'try');
    await flush();
    const c = m.calls[0]!;
    c.ctx.onStage({ stage: 'discover', status: 'in_flight' });
    c.ctx.onStage({ stage: 'discover', status: 'done' });
    c.ctx.onStage({ stage: 'comset', status: 'in_flight' });
    c.finish({
      outcome: 'baud_mismatch',
      detail: 'PD replied at 9600, expected 115200',
      stage: 'comset',
      stageStatus: 'stalled',
      completed: ['discover'],
      seenAtBaud: 9600,
    });
    await flush();
    const e = edgesOf(d, 0);
    expect(e.map((x) => [x.seq, x.state, x.stage, x.stageStatus, x.outcome])).toEqual([
      [1, 'attempting', 'queued', null, null],
      [2, 'attempting', 'discover', 'in_flight', null],
      [3, 'attempting', 'discover', 'done', null],
      [4, 'attempting', 'comset', 'in_flight', null],
      [5, 'failure', 'comset', 'stalled', 'baud_mismatch'],
    ]);
    expect(e[4]).toMatchObject({
      queue: { slot: 0 },
      stepIndex: 0,
      attempts: 1,
      detail: 'PD replied at 9600, expected 115200',
    });
    // the next attempt starts with the baud discovery saw the PD at
    d.verb({ slot: 0 }, 0, 'retry');
    await flush();
    expect(m.calls[1]!.job.lastSeenBaud).toBe(9600);
  });

  it('an executor that throws ends as internal_error; one that hangs is stopped by the watchdog as timeout', async () => {
    const { vi } = await import('vitest');
    vi.useFakeTimers();
    try {
      const m = manualExecutor();
      const d = openDevice(tmpDir(), m.exec, { defaultTimeoutMs: 30_000, watchdogGraceMs: 5_000 });
      opened.push(d);
      readySlot(d, 0, 2);
      d.verb({ slot: 0 }, 0, 'try');
      d.verb({ slot: 0 }, 1, 'try');
      await vi.advanceTimersByTimeAsync(0);
      m.calls[0]!.ctx.onStage({ stage: 'discover', status: 'done' });
      m.calls[0]!.fail(new Error('bus write failed 00112233445566778899aabbccddeeff'));
      await vi.advanceTimersByTimeAsync(0);
      const s0 = slotOf(d, 0).steps[0]!;
      expect(s0).toMatchObject({ state: 'failure', outcome: 'internal_error' });
      expect(s0.detail).toContain('bus write failed');
      expect(s0.detail).not.toMatch(/[0-9a-f]{16}/); // long hex runs never reach an edge
      await vi.advanceTimersByTimeAsync(34_999);
      expect(slotOf(d, 0).steps[1]!.state).toBe('attempting');
      await vi.advanceTimersByTimeAsync(1);
      expect(m.calls[1]!.aborted).toBe(true);
      expect(slotOf(d, 0).steps[1]).toMatchObject({ state: 'failure', outcome: 'timeout' });
    } finally {
      vi.useRealTimers();
    }
  });
});
