import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { toHex } from '@osprio/osdp';
import { StateDirInUseError } from '../src/index.ts';
import type { Device } from '../src/index.ts';
import {
  edgesOf,
  flush,
  header,
  manualExecutor,
  openDevice,
  readySlot,
  result,
  SEED,
  SESSION,
  slotOf,
  tmpDir,
} from './helpers.ts';

const opened: Device[] = [];
afterEach(async () => {
  for (const d of opened.splice(0)) await d.close();
});
function open(dir: string, extra: Parameters<typeof openDevice>[2] = {}) {
  const m = manualExecutor();
  const d = openDevice(dir, m.exec, extra);
  opened.push(d);
  return { d, m };
}

function everything(d: Device) {
  const slots = (d.listSlots() as { slots: unknown[] }).slots;
  const details = [0, 1, 2, 3].map((i) => slotOf(d, i));
  const edges = [0, 1, 2, 3].map((slot) => d.since({ slot }, 0));
  return { slots, details, edges };
}

async function busyHistory(d: Device, m: ReturnType<typeof manualExecutor>) {
  readySlot(d, 0, 5);
  readySlot(d, 2, 3, header(3, 'Car park'));
  d.createSlot(3, header(4), SESSION, SEED);
  d.uploadSteps(3, [{ index: 0, address: 9, baud: 9600 }]);
  for (const i of [0, 1, 2]) d.verb({ slot: 0 }, i, 'try');
  d.verb({ slot: 2 }, 0, 'try');
  await flush();
  m.calls[0]!.ctx.onStage({ stage: 'discover', status: 'done' });
  m.calls[0]!.finish(result('ok'));
  await flush();
  m.calls[1]!.finish(result('no_response'));
  await flush();
  m.calls[2]!.finish(result('scbk_rejected'));
  await flush();
  m.calls[3]!.finish(result('ok'));
  await flush();
  d.verb({ slot: 0 }, 1, 'retry');
  d.verb({ slot: 0 }, 2, 'skip');
  d.verb({ slot: 0 }, 3, 'skip');
  d.verb({ slot: 0 }, 3, 'reset');
  await flush();
  m.calls[4]!.finish(result('ok'));
  await flush();
}

describe('persistence', () => {
  for (const compactEvery of [1000, 3]) {
    it(`reopening the state dir gives identical slots and edges (compactEvery=${compactEvery})`, async () => {
      const dir = tmpDir();
      const { d, m } = open(dir, { compactEvery });
      await busyHistory(d, m);
      const before = everything(d);
      await d.close();
      const { d: d2 } = open(dir, { compactEvery });
      expect(everything(d2)).toEqual(before);
      await d2.close();
      const { d: d3 } = open(dir, { compactEvery });
      expect(everything(d3)).toEqual(before);
    });
  }

  it('an attempt cut off by a restart ends as failure/interrupted, saying which stages had completed', async () => {
    const dir = tmpDir();
    const { d, m } = open(dir);
    readySlot(d, 1, 3);
    d.verb({ slot: 1 }, 0, 'try');
    d.verb({ slot: 1 }, 1, 'try');
    await flush();
    const c = m.calls[0]!;
    c.ctx.onStage({ stage: 'discover', status: 'done' });
    c.ctx.onStage({ stage: 'comset', status: 'done' });
    c.ctx.onStage({ stage: 'confirm', status: 'in_flight' });
    const lastSeq = slotOf(d, 1).lastSeq;
    expect(() => open(dir)).toThrow(StateDirInUseError); // one device per state dir
    await d.close(); // power off mid-attempt: nothing is recorded for the abandoned attempt
    const { d: d2 } = open(dir);
    const s = slotOf(d2, 1);
    expect(s.steps[0]).toMatchObject({
      state: 'failure',
      attempts: 1,
      outcome: 'interrupted',
      stage: 'confirm',
      stageStatus: 'stalled',
    });
    expect(s.steps[0]!.detail).toContain('completed stages: discover, comset');
    expect(s.steps[1]).toMatchObject({ state: 'failure', attempts: 1, outcome: 'interrupted' });
    expect(s.steps[1]!.detail).toContain('while queued');
    expect(s.steps[2]!.state).toBe('pending');
    // the recovery is an edge too, after everything the host may have seen
    const recovery = edgesOf(d2, 1).filter((e) => e.seq > lastSeq);
    expect(recovery.map((e) => [e.stepIndex, e.outcome])).toEqual([
      [0, 'interrupted'],
      [1, 'interrupted'],
    ]);
    expect(s.lastSeq).toBe(lastSeq + 2);
    // and it is not repeated on the next boot; the step is retryable
    await d2.close();
    const { d: d3, m: m3 } = open(dir);
    expect(slotOf(d3, 1).lastSeq).toBe(lastSeq + 2);
    expect(d3.verb({ slot: 1 }, 0, 'retry').ok).toBe(true);
    await flush();
    expect(m3.calls).toHaveLength(1);
    expect(slotOf(d3, 1).steps[0]!.attempts).toBe(2);
  });

  it('keeps a bounded number of edges per slot; older requests get resync, also after reopen', async () => {
    const dir = tmpDir();
    const { d } = open(dir, { edgeLimit: 4, compactEvery: 5 });
    readySlot(d, 0, 3);
    for (let k = 0; k < 5; k++) {
      for (const i of [0, 1, 2]) {
        d.verb({ slot: 0 }, i, 'skip');
        d.verb({ slot: 0 }, i, 'reset');
      }
    }
    const last = slotOf(d, 0).lastSeq;
    expect(last).toBe(30);
    expect(d.since({ slot: 0 }, 0)).toEqual({ ok: true, resync: true, oldestSeq: 27, lastSeq: 30 });
    expect(d.since({ slot: 0 }, 25)).toEqual({
      ok: true,
      resync: true,
      oldestSeq: 27,
      lastSeq: 30,
    });
    const kept = d.since({ slot: 0 }, 26);
    expect(kept).toMatchObject({ ok: true, resync: false });
    expect((kept as { edges: { seq: number }[] }).edges.map((e) => e.seq)).toEqual([
      27, 28, 29, 30,
    ]);
    expect(d.since({ slot: 0 }, 30)).toEqual({ ok: true, resync: false, edges: [] });
    expect(d.since({ slot: 0 }, 31)).toMatchObject({ resync: true }); // a host ahead of the device re-reads
    expect(d.subscribe({ slot: 0 }, 3, () => {})).toMatchObject({ ok: true, resync: true });
    await d.close();
    const { d: d2 } = open(dir, { edgeLimit: 4 });
    expect(d2.since({ slot: 0 }, 26)).toEqual(kept);
    expect(d2.since({ slot: 0 }, 25)).toMatchObject({ resync: true });
  });

  it('sequence numbers only grow, across delete and re-create; deleted edges need a resync', () => {
    const { d } = open(tmpDir());
    readySlot(d, 0, 2);
    d.verb({ slot: 0 }, 0, 'skip');
    d.verb({ slot: 0 }, 1, 'skip');
    expect(slotOf(d, 0).lastSeq).toBe(2);
    d.deleteSlot(0);
    expect(slotOf(d, 0).lastSeq).toBe(2);
    expect(d.since({ slot: 0 }, 1)).toMatchObject({ resync: true });
    readySlot(d, 0, 1);
    d.verb({ slot: 0 }, 0, 'skip');
    expect(d.since({ slot: 0 }, 2)).toMatchObject({
      resync: false,
      edges: [{ seq: 3, stepIndex: 0, state: 'skipped' }],
    });
  });

  it('sinceSeq 0 on a re-created slot streams it from its first edge; a host that saw the deleted slot resyncs', async () => {
    const dir = tmpDir();
    const { d } = open(dir, { compactEvery: 3 });
    readySlot(d, 0, 2);
    d.verb({ slot: 0 }, 0, 'skip');
    d.verb({ slot: 0 }, 1, 'skip');
    d.deleteSlot(0);
    readySlot(d, 0, 1);
    // Nothing of the new slot yet: a host that has seen nothing simply streams (no seq leaks in).
    expect(d.since({ slot: 0 }, 0)).toEqual({ ok: true, resync: false, edges: [] });
    expect(d.subscribe({ slot: 0 }, 0, () => {})).toMatchObject({
      ok: true,
      resync: false,
      edges: [],
    });
    d.verb({ slot: 0 }, 0, 'skip');
    expect(d.since({ slot: 0 }, 0)).toMatchObject({
      ok: true,
      resync: false,
      edges: [{ seq: 3, stepIndex: 0, state: 'skipped' }],
    });
    // seq 1 was the deleted slot's: that host's view is of another plan.
    expect(d.since({ slot: 0 }, 1)).toMatchObject({ ok: true, resync: true });
    await d.close();
    const { d: d2 } = open(dir);
    expect(d2.since({ slot: 0 }, 0)).toMatchObject({
      ok: true,
      resync: false,
      edges: [{ seq: 3 }],
    });
  });

  it('subscribe replays stored edges after sinceSeq, then streams that queue live, in order', async () => {
    const { d, m } = open(tmpDir());
    readySlot(d, 0, 2);
    readySlot(d, 1, 1);
    d.verb({ slot: 0 }, 0, 'skip');
    d.verb({ slot: 0 }, 1, 'skip');
    const live: number[] = [];
    const sub = d.subscribe({ slot: 0 }, 1, (e) => live.push(e.seq));
    expect(sub).toMatchObject({ ok: true, resync: false, edges: [{ seq: 2 }] });
    d.verb({ slot: 0 }, 0, 'reset');
    d.verb({ slot: 1 }, 0, 'try'); // another queue: not delivered to this subscriber
    d.verb({ slot: 0 }, 0, 'try');
    await flush();
    m.calls[0]!.finish(result('ok'));
    await flush();
    m.calls[1]!.finish(result('ok'));
    await flush();
    expect(live).toEqual([3, 4, 5]);
    if (sub.ok) sub.unsubscribe();
  });

  it('the seed is in flash (the device holds it) but never in an edge; a deleted slot leaves no seed in its journal', () => {
    const dir = tmpDir();
    const { d } = open(dir);
    readySlot(d, 0, 2);
    d.verb({ slot: 0 }, 0, 'skip');
    const seedHex = toHex(SEED);
    expect(JSON.stringify(edgesOf(d, 0))).not.toContain(seedHex);
    const file = path.join(dir, 'slot-0.journal');
    expect(fs.readFileSync(file, 'latin1')).toContain(seedHex);
    d.deleteSlot(0);
    expect(fs.readFileSync(file, 'latin1')).not.toContain(seedHex);
  });

  it('refuses a state dir held by another live process; takes over a stale lock', () => {
    const dir = tmpDir();
    fs.writeFileSync(path.join(dir, 'device.lock'), String(process.ppid));
    expect(() => open(dir)).toThrow(/in use by process/);
    fs.writeFileSync(path.join(dir, 'device.lock'), '999999999'); // no such process
    expect(open(dir).d.listSlots().ok).toBe(true);
  });

  it('a compaction cut off before its rename leaves the journal intact (the temp file is discarded)', async () => {
    const dir = tmpDir();
    const { d } = open(dir);
    readySlot(d, 0, 2);
    const before = everything(d);
    await d.close();
    fs.writeFileSync(path.join(dir, 'slot-0.journal.tmp'), Buffer.from('half a snapshot'));
    const { d: d2 } = open(dir);
    expect(everything(d2)).toEqual(before);
    expect(fs.existsSync(path.join(dir, 'slot-0.journal.tmp'))).toBe(false);
  });
});
