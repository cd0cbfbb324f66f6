import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { modelConfig } from '../src/index.ts';
import type { Device } from '../src/index.ts';
import {
  header,
  manualExecutor,
  openDevice,
  readySlot,
  result,
  SEED,
  slotOf,
  tmpDir,
} from './helpers.ts';

/** A bus with at most one PD on it: the probe answers whether one is plugged in. */
function fakeBus() {
  const bus = { present: false, probes: 0 };
  const probe = async (signal: AbortSignal) => {
    bus.probes++;
    if (signal.aborted) return false;
    return bus.present;
  };
  return { bus, probe };
}

const POLL = 500;
const advance = (ms: number) => vi.advanceTimersByTimeAsync(ms);

let d: Device | null = null;
beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(async () => {
  await d?.close();
  d = null;
  vi.useRealTimers();
});

function setup() {
  const m = manualExecutor();
  const { bus, probe } = fakeBus();
  d = openDevice(tmpDir(), m.exec, { probe, pollMs: POLL });
  readySlot(d, 0, 2);
  d.createSlot(1, header(1), '2f8f1d2c-5b7a-4c1e-9d3e-2a6b8c4d1e0f', SEED); // staging: not executable
  readySlot(d, 2, 1);
  return { m, bus, dev: d };
}

/** Plugs a PD in, lets the runner start on it, and returns the attempt it started. */
async function arrive(bus: { present: boolean }, m: ReturnType<typeof manualExecutor>) {
  const n = m.calls.length;
  bus.present = true;
  await advance(POLL);
  expect(m.calls.length).toBe(n + 1);
  return m.calls[n]!;
}

describe('offline-autonomous runner', () => {
  it('works through ready slots in slot order, one PD at a time, waiting for each PD to leave; never retries', async () => {
    const { m, bus, dev } = setup();
    dev.detachHost();
    await advance(10 * POLL);
    expect(m.calls).toHaveLength(0); // no PD answers: nothing runs
    expect(dev.autonomousPhase).toBe('awaiting_pd');

    const a = await arrive(bus, m);
    expect(a.job).toMatchObject({ queue: { slot: 0 }, stepIndex: 0, address: 1 });
    a.finish(result('ok'));
    await advance(20 * POLL);
    expect(m.calls).toHaveLength(1); // the same PD is still there: wait for it to leave
    expect(dev.autonomousPhase).toBe('awaiting_departure');
    bus.present = false;
    await advance(POLL);
    expect(dev.autonomousPhase).toBe('awaiting_pd');

    const b = await arrive(bus, m);
    expect(b.job).toMatchObject({ queue: { slot: 0 }, stepIndex: 1 });
    b.finish(result('no_response'));
    await advance(POLL);
    bus.present = false;
    await advance(POLL);

    const c = await arrive(bus, m); // slot 1 is staging: skipped; slot 2 next
    expect(c.job).toMatchObject({ queue: { slot: 2 }, stepIndex: 0 });
    c.finish(result('ok'));
    await advance(POLL);
    bus.present = false;
    await advance(POLL);
    bus.present = true;
    await advance(3600_000);
    expect(m.calls).toHaveLength(3); // the failed step is never retried
    expect(dev.autonomousPhase).toBe('idle');
    expect(slotOf(dev, 0).steps.map((s) => [s.state, s.attempts])).toEqual([
      ['success', 1],
      ['failure', 1],
    ]);
    expect(slotOf(dev, 2).state).toBe('complete');
    // edges made with no host attached are kept and arrive as backfill
    expect(dev.since({ slot: 0 }, 0)).toMatchObject({
      resync: false,
      edges: [{ seq: 1 }, { seq: 2 }, { seq: 3 }, { seq: 4 }],
    });
  });

  it('a host attaching lets the attempt in flight finish, then hands control back to the verbs', async () => {
    const { m, bus, dev } = setup();
    dev.detachHost();
    await advance(POLL);
    const a = await arrive(bus, m);
    let handedBack = false;
    void dev.attachHost().then(() => (handedBack = true));
    await advance(10 * POLL);
    expect(a.aborted).toBe(false);
    expect(handedBack).toBe(false);
    // a host verb accepted meanwhile queues behind the autonomous attempt
    expect(dev.verb({ slot: 2 }, 0, 'try').ok).toBe(true);
    a.finish(result('ok'));
    await advance(0);
    expect(handedBack).toBe(true);
    expect(m.calls.map((c) => c.job.queue)).toEqual([{ slot: 0 }, { slot: 2 }]);
    m.calls[1]!.finish(result('ok'));
    bus.present = false;
    await advance(POLL);
    bus.present = true;
    await advance(100 * POLL);
    expect(m.calls).toHaveLength(2); // no autonomous work while the host is attached
    expect(slotOf(dev, 0).steps[1]!.state).toBe('pending');

    // the host lets go with the PD it just commissioned still on the bus: that one must leave first
    dev.detachHost();
    await advance(100 * POLL);
    expect(m.calls).toHaveLength(2);
    bus.present = false;
    await advance(POLL);
    const next = await arrive(bus, m);
    expect(next.job).toMatchObject({ queue: { slot: 0 }, stepIndex: 1 });
  });

  it('does not run while a host is attached at boot, nor on a device without offlineAutonomous', async () => {
    const m = manualExecutor();
    const { bus, probe } = fakeBus();
    d = openDevice(tmpDir(), m.exec, { probe, pollMs: POLL, hostAttached: true });
    readySlot(d, 0, 1);
    bus.present = true;
    await advance(100 * POLL);
    expect(m.calls).toHaveLength(0);
    expect(bus.probes).toBe(0);
    await d.close();
    d = openDevice(tmpDir(), m.exec, {
      probe,
      pollMs: POLL,
      hostAttached: false,
      config: modelConfig('osprio-pro', { status: { offlineAutonomous: false } }),
    });
    readySlot(d, 0, 1);
    bus.present = false;
    await advance(POLL);
    bus.present = true;
    await advance(100 * POLL);
    expect(m.calls).toHaveLength(0);
    expect(bus.probes).toBe(0);
  });

  it('waits for the bus: attempts a host queued before detaching finish before the runner probes', async () => {
    const { m, bus, dev } = setup();
    dev.verb({ slot: 2 }, 0, 'try');
    dev.detachHost();
    await advance(10 * POLL);
    expect(bus.probes).toBe(0);
    m.calls[0]!.finish(result('ok'));
    await advance(POLL);
    expect(bus.probes).toBeGreaterThan(0);
    const a = await arrive(bus, m);
    expect(a.job).toMatchObject({ queue: { slot: 0 }, stepIndex: 0 });
  });

  it('a try sent right after a host attaches waits until an in-flight presence probe has let go of the bus', async () => {
    const m = manualExecutor();
    let release: ((present: boolean) => void) | null = null;
    // A probe mid-read: it notices neither the abort nor the host until its read window ends.
    const probe = () => new Promise<boolean>((r) => (release = r));
    d = openDevice(tmpDir(), m.exec, { probe, pollMs: POLL });
    readySlot(d, 0, 1);
    d.detachHost();
    await advance(0);
    expect(release).not.toBeNull(); // the probe is on the bus
    const attached = d.attachHost();
    expect(d.verb({ slot: 0 }, 0, 'try')).toEqual({ ok: true });
    await advance(POLL);
    expect(m.calls).toHaveLength(0); // two users of one bus otherwise
    release!(false);
    await advance(0);
    await attached;
    expect(m.calls).toHaveLength(1);
    expect(m.calls[0]!.job).toMatchObject({ queue: { slot: 0 }, stepIndex: 0 });
  });
});
