// Edges across host sessions: a host that drops in the middle of a run and comes back resumes from
// the last sequence number it applied — nothing lost, nothing twice — and edges the device made
// with no host attached (the autonomous technician walking the site) arrive as backfill.

import { afterEach, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/emulator/index.ts';
import {
  EdgeLog,
  connectHost,
  plan,
  replay,
  startTestEmulator,
  statesOf,
  until,
} from './support.ts';

let emu: Emulator | null = null;
afterEach(async () => {
  await emu?.close();
  emu = null;
});

describe('re-attach right after a clean close', () => {
  it('never meets device_in_use, round after round', async () => {
    emu = await startTestEmulator();
    for (let round = 1; round <= 8; round++) {
      const c = await connectHost(emu.url); // hello inside: rejects with device_in_use if still held
      expect((await c.status()).slots, `round ${round}`).toBe(true);
      c.close();
    }
    const last = await connectHost(emu.url);
    expect(emu.hostAttached).toBe(true);
    last.close();
  });
});

describe('reconnect in the middle of a run', () => {
  it('replays from the last applied seq: the union of both sessions equals getSlot, no edge lost or doubled', async () => {
    emu = await startTestEmulator({ faults: '5:absent,9:keyed' });
    const N = 40;
    const a = await connectHost(emu.url);
    const log = new EdgeLog(a);
    await plan(a, 1, N);
    await a.subscribe({ slot: 1, sinceSeq: 0 });
    // All verbs at once (the run then takes a while), and drop the link while steps are still running.
    await Promise.all(
      Array.from({ length: N }, (_, i) => a.verb({ slot: 1, stepIndex: i, verb: 'try' })),
    );
    await log.until(() => log.of(1).filter((e) => e.state === 'success').length >= 2);
    a.close();
    const seen = log.lastSeq(1);
    // really the middle: some steps had not ended when the link went
    expect(
      replay(log.of(1), N).some((s) => s.state === 'pending' || s.state === 'attempting'),
    ).toBe(true);
    expect(seen).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 100)); // the device keeps working meanwhile

    const b = await connectHost(emu.url);
    log.attach(b); // continues the same log: seq must go on from `seen` exactly
    const sub = await b.subscribe({ slot: 1, sinceSeq: seen });
    expect(sub.status).toBe('streaming');
    await until(
      async () => (await b.getSlot(1)).steps.every((s) => s.state !== 'attempting'),
      20_000,
      'the run to end',
    );
    const final = await b.getSlot(1);
    await log.until(() => log.lastSeq(1) === final.lastSeq);
    const edges = log.of(1);
    expect(edges.map((e) => e.seq)).toEqual(Array.from({ length: final.lastSeq }, (_, i) => i + 1));
    expect(replay(edges, N)).toEqual(statesOf(final));
    expect(final.steps[5]!.outcome).toBe('no_response');
    expect(final.steps[9]!.outcome).toBe('scbk_rejected');
    expect(final.counters).toMatchObject({ total: N, provisioned: N - 2, failed: 2 });
    b.close();
  });
});

describe('offline autonomous run', () => {
  it('with no host attached the technician walks the site and the device provisions each reader; edges backfill on reattach', async () => {
    emu = await startTestEmulator({
      technician: true,
      technicianTiming: { walkMs: 0, lingerMs: 0, patienceMs: 5_000 },
    });
    const N = 6;
    const a = await connectHost(emu.url);
    const log = new EdgeLog(a);
    await plan(a, 0, N);
    await a.subscribe({ slot: 0, sinceSeq: 0 });
    const seen = log.lastSeq(0);
    a.close();

    // Nobody drives the device now: only discovery on the bus tells it a reader arrived.
    const dev = emu.device;
    await until(
      () => {
        const s = dev.getSlot(0);
        return s.ok && s.slot.state === 'complete';
      },
      30_000,
      'the autonomous run to complete the slot',
    );
    expect(emu.hostAttached).toBe(false);

    const b = await connectHost(emu.url);
    log.attach(b);
    const sub = await b.subscribe({ slot: 0, sinceSeq: seen });
    expect(sub.status).toBe('streaming');
    const final = await b.getSlot(0);
    await log.until(() => log.lastSeq(0) === final.lastSeq);
    expect(log.of(0).filter((e) => e.seq > seen).length).toBe(final.lastSeq - seen);
    expect(replay(log.of(0), N)).toEqual(statesOf(final));
    expect(final.steps.map((s) => [s.state, s.outcome, s.attempts])).toEqual(
      Array.from({ length: N }, () => ['success', 'ok', 1]),
    );
    // One reader at a time, in slot order: step k's attempt ended before step k+1's began.
    const ends = final.steps.map(
      (s) => log.of(0).find((e) => e.stepIndex === s.index && e.state === 'success')!.seq,
    );
    const starts = final.steps.map(
      (s) => log.of(0).find((e) => e.stepIndex === s.index && e.state === 'attempting')!.seq,
    );
    for (let k = 1; k < N; k++) expect(starts[k]!).toBeGreaterThan(ends[k - 1]!);
    b.close();
  });

  it('never retries a failure on its own, and stops for an attached host', async () => {
    emu = await startTestEmulator({
      technician: true,
      technicianTiming: { walkMs: 0, lingerMs: 0, patienceMs: 200 },
      faults: '1:keyed',
    });
    const a = await connectHost(emu.url);
    await plan(a, 0, 3);
    a.close();
    const dev = emu.device;
    await until(
      () => {
        const s = dev.getSlot(0);
        return s.ok && s.slot.steps.every((x) => x.state !== 'pending' && x.state !== 'attempting');
      },
      30_000,
      'every step to be tried once',
    );
    await new Promise((r) => setTimeout(r, 300));
    const s = dev.getSlot(0);
    if (!s.ok) throw new Error('no slot');
    expect(s.slot.steps.map((x) => [x.state, x.attempts])).toEqual([
      ['success', 1],
      ['failure', 1],
      ['success', 1],
    ]);
    expect(s.slot.state).toBe('ready'); // a failure is not terminal, and nobody retried it

    const b = await connectHost(emu.url);
    await until(() => dev.autonomousPhase === 'stopped', 5_000, 'the runner to stop');
    expect((await b.getSlot(0)).steps[1]!.attempts).toBe(1);
    b.close();
  });

  it('paced (speed 10): the technician plugs in, the device provisions, the technician unplugs and walks on', async () => {
    const lines: string[] = [];
    emu = await startTestEmulator({ speed: 10, technician: true, log: (l) => lines.push(l) });
    const a = await connectHost(emu.url);
    await plan(a, 0, 2);
    a.close();
    const dev = emu.device;
    await until(
      () => {
        const s = dev.getSlot(0);
        return s.ok && s.slot.state === 'complete';
      },
      30_000,
      'the paced autonomous run',
    );
    const story = lines
      .filter((l) => /technician|step \d+: (success|failure)/.test(l))
      .map((l) => l.replace(/ — .*/, ''));
    expect(story.slice(0, 5)).toEqual([
      'technician: plugged in the reader of slot 0 step 0',
      'slot 0 step 0: success (ok) attempt 1',
      'technician: unplugged it',
      'technician: plugged in the reader of slot 0 step 1',
      'slot 0 step 1: success (ok) attempt 1',
    ]);
  });

  it('after attended work the technician takes the last reader away and the device carries on alone', async () => {
    emu = await startTestEmulator({
      technician: true,
      technicianTiming: { walkMs: 0, lingerMs: 0, patienceMs: 5_000 },
    });
    const a = await connectHost(emu.url);
    await plan(a, 0, 3);
    await a.verb({ slot: 0, stepIndex: 0, verb: 'try' });
    await until(
      async () => (await a.getSlot(0)).steps[0]!.state === 'success',
      20_000,
      'the attended step',
    );
    expect(emu.bench.current).not.toBeNull(); // its reader is still on the line
    a.close();
    const dev = emu.device;
    await until(
      () => {
        const s = dev.getSlot(0);
        return s.ok && s.slot.state === 'complete';
      },
      30_000,
      'the autonomous run after attended work',
    );
    const s = dev.getSlot(0);
    expect(s.ok && s.slot.steps.map((x) => x.attempts)).toEqual([1, 1, 1]);
  });
});
