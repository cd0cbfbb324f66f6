// The device watchdog: it measures the engine's step timeout (bus time) in wall time, allowing for a
// bus paced slower than real time, and an executor that ignores the abort cannot hold the bus forever.

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Device, StepExecutor } from '../src/index.ts';
import type { AttemptResult } from '@osprio/provisioner';
import {
  edgesOf,
  manualExecutor,
  openDevice,
  readySlot,
  result,
  slotOf,
  tmpDir,
} from './helpers.ts';

const opened: Device[] = [];
beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(async () => {
  vi.useRealTimers();
  for (const d of opened.splice(0)) await d.close();
});

/** Step 0 hangs for good (a bus read that never returns, deaf to abort) until `release`; others finish ok. */
function hungFirst() {
  let release!: (r: AttemptResult) => void;
  const started: number[] = [];
  const exec: StepExecutor = (job) => {
    started.push(job.stepIndex);
    if (job.stepIndex === 0) return new Promise<AttemptResult>((r) => (release = r));
    return Promise.resolve(result('ok'));
  };
  return { exec, started, release: (r: AttemptResult) => release(r) };
}

describe('watchdog', () => {
  it('ends an attempt whose executor never returns as timeout after abort + grace, frees the bus, ignores a late return', async () => {
    const h = hungFirst();
    const d = openDevice(tmpDir(), h.exec, { defaultTimeoutMs: 10_000, watchdogGraceMs: 1_000 });
    opened.push(d);
    readySlot(d, 0, 2);
    d.verb({ slot: 0 }, 0, 'try');
    d.verb({ slot: 0 }, 1, 'try');
    await vi.advanceTimersByTimeAsync(11_000); // watchdog fires: abort, which the executor ignores
    expect(slotOf(d, 0).steps[0]!.state).toBe('attempting');
    await vi.advanceTimersByTimeAsync(999);
    expect(h.started).toEqual([0]);
    await vi.advanceTimersByTimeAsync(1); // abort + grace: given up on
    expect(slotOf(d, 0).steps[0]).toMatchObject({ state: 'failure', outcome: 'timeout' });
    expect(h.started).toEqual([0, 1]); // the queue moved on
    expect(slotOf(d, 0).steps[1]).toMatchObject({ state: 'success' });
    const before = edgesOf(d, 0).length;
    h.release(result('ok')); // far too late: ignored
    await vi.advanceTimersByTimeAsync(0);
    expect(edgesOf(d, 0).length).toBe(before);
    expect(slotOf(d, 0).steps[0]).toMatchObject({ state: 'failure', outcome: 'timeout' });
  });

  it('by default allows the engine its 30 s of bus time (profile timeout 0), plus grace', async () => {
    const m = manualExecutor();
    const d = openDevice(tmpDir(), m.exec, { watchdogGraceMs: 1_000 });
    opened.push(d);
    readySlot(d, 0, 1);
    d.verb({ slot: 0 }, 0, 'try');
    await vi.advanceTimersByTimeAsync(30_999);
    expect(m.calls[0]!.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(m.calls[0]!.aborted).toBe(true);
    expect(slotOf(d, 0).steps[0]).toMatchObject({ state: 'failure', outcome: 'timeout' });
  });

  it('on a bus paced slower than real time, waits for the step timeout in bus time', async () => {
    const m = manualExecutor();
    // speed 0.25: 30 s of bus time take 120 s of wall time
    const d = openDevice(tmpDir(), m.exec, { watchdogGraceMs: 1_000, busSpeed: 0.25 });
    opened.push(d);
    readySlot(d, 0, 1);
    d.verb({ slot: 0 }, 0, 'try');
    await vi.advanceTimersByTimeAsync(120_999);
    expect(m.calls[0]!.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(m.calls[0]!.aborted).toBe(true);
  });
});
