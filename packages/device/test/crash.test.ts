// SIGKILL at random instants: a device process (crash/child.ts) runs random slot operations and
// verbs on a state dir; we kill it, reopen the dir here and check that nothing it acknowledged was
// lost or changed, that no half-written slot reads as valid, and that no step is left attempting.
// Several kill/reopen cycles per seed, several seeds.

import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { ProgressEdge, SlotDetail } from '@osprio/link';
import type { Device } from '../src/index.ts';
import { crashSeed, crashSession, rng } from './crash/model.ts';
import type { CrashOp } from './crash/model.ts';
import { manualExecutor, openDevice, tmpDir } from './helpers.ts';

const CHILD = fileURLToPath(new URL('./crash/child.ts', import.meta.url));

interface Run {
  acked: CrashOp[];
  pending: CrashOp | null;
  edges: ProgressEdge[];
}

/** Runs the child until `killAfterMs` past its "ready" line, SIGKILLs it, returns what it acknowledged. */
function runAndKill(dir: string, seed: number, killAfterMs: number): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dir, String(seed)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let buf = '';
    let err = '';
    let timer: NodeJS.Timeout | null = null;
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (s: string) => {
      buf += s;
      if (!timer && buf.includes('"ready":true'))
        timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    });
    child.stderr.on('data', (s: Buffer) => (err += s.toString()));
    child.on('error', reject);
    child.on('close', (_code, signal) => {
      if (signal !== 'SIGKILL')
        return reject(new Error(`child ended without being killed: ${err.slice(0, 500)}`));
      const run: Run = { acked: [], pending: null, edges: [] };
      for (const line of buf.split('\n').slice(0, -1)) {
        // the last piece may be a torn line
        const v = JSON.parse(line) as { begin?: CrashOp; ack?: CrashOp; edge?: ProgressEdge };
        if (v.begin) run.pending = v.begin;
        if (v.ack) {
          run.acked.push(v.ack);
          run.pending = null;
        }
        if (v.edge) run.edges.push(v.edge);
      }
      resolve(run);
    });
  });
}

interface SlotModel {
  phase: 'empty' | 'staging' | 'sealed';
  n: number;
  count: number;
  gen: number;
}

function step(m: SlotModel, op: CrashOp): SlotModel {
  switch (op.t) {
    case 'create':
      return { phase: 'staging', n: 0, count: op.count, gen: op.gen };
    case 'upload':
      return { ...m, n: m.n + op.count };
    case 'seal':
      return { ...m, phase: 'sealed' };
    case 'delete':
      return { phase: 'empty', n: 0, count: 0, gen: -1 };
    case 'verb':
      return m;
  }
}

function modelOf(s: SlotDetail): SlotModel {
  if (s.state === 'empty') return { phase: 'empty', n: 0, count: 0, gen: -1 };
  return {
    phase: s.state === 'staging' ? 'staging' : 'sealed',
    n: s.steps.length,
    count: s.header!.deviceCount,
    gen: Number(s.header!.name.split(' ')[1]),
  };
}

function everything(d: Device) {
  return [0, 1, 2, 3].map((slot) => ({ slot: d.getSlot(slot), edges: d.since({ slot }, 0) }));
}

function check(d: Device, before: SlotModel[], run: Run): SlotModel[] {
  const after: SlotModel[] = [];
  for (let slot = 0; slot < 4; slot++) {
    const r = d.getSlot(slot);
    if (!r.ok) throw new Error(r.reason);
    const s = r.slot;
    // the slot is what the acknowledged ops made it, or that plus the one op in progress at the kill
    let m = before[slot]!;
    for (const op of run.acked) if (op.slot === slot) m = step(m, op);
    const allowed = [m];
    if (run.pending && run.pending.slot === slot) allowed.push(step(m, run.pending));
    const got = modelOf(s);
    expect(allowed, `slot ${slot}`).toContainEqual(got);
    // structure: never a half-written slot
    expect(s.steps.map((x) => x.index)).toEqual(s.steps.map((_, i) => i));
    if (s.state === 'ready' || s.state === 'complete')
      expect(s.steps.length).toBe(s.header!.deviceCount);
    if (s.state !== 'empty') {
      expect(s.seed).toEqual(crashSeed(slot, got.gen));
      expect(s.sessionId).toBe(crashSession(slot, got.gen));
    }
    expect(s.steps.filter((x) => x.state === 'attempting')).toEqual([]); // recovered as interrupted
    // every acknowledged edge is still there, unchanged (unless trimmed or deleted since: resync)
    const acked = run.edges.filter((e) => 'slot' in e.queue && e.queue.slot === slot);
    if (acked.length) expect(s.lastSeq).toBeGreaterThanOrEqual(acked.at(-1)!.seq);
    for (const e of acked) {
      const since = d.since({ slot }, e.seq - 1);
      // since(0) streams the slot's current plan, which may be a later one than e's (seqs only grow)
      const first = since.ok && !since.resync ? since.edges[0] : undefined;
      if (first && first.seq <= e.seq) expect(first).toEqual(e);
    }
    after.push(got);
  }
  return after;
}

describe.concurrent('SIGKILL at random instants', () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    it(`seed ${seed}: 3 kill/reopen cycles lose nothing acknowledged`, async () => {
      const dir = tmpDir();
      const rand = rng(seed * 7919);
      let model: SlotModel[] = Array.from(
        { length: 4 },
        () => ({ phase: 'empty', n: 0, count: 0, gen: -1 }) as SlotModel,
      );
      let total = 0;
      for (let cycle = 0; cycle < 3; cycle++) {
        const run = await runAndKill(dir, seed * 100 + cycle, 40 + Math.floor(rand() * 300));
        total += run.acked.length + run.edges.length;
        const d = openDevice(dir, manualExecutor().exec);
        model = check(d, model, run);
        const first = everything(d);
        await d.close();
        const again = openDevice(dir, manualExecutor().exec); // recovery is done once, not on every boot
        expect(everything(again)).toEqual(first);
        await again.close();
      }
      expect(total).toBeGreaterThan(0);
    }, 60_000);
  }
});
