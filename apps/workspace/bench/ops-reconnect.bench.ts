// Issue 11 speed figures (printed, never asserted):
//  1. the rows reducer alone over 10,000 backfilled edges (target ≤ 300 ms);
//  2. reconnect to current rows: a slot view open, the link drops, the device makes 10,000 edges
//     with no host attached, then reattach → the view's rows are current (target ≤ 1.5 s). The
//     workspace renders the latest snapshot once per frame, so the screen is current one frame later.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { countSteps, type LinkConnection, type ProgressEdge, type StepRecord } from '@osprio/link';
import { DeviceSession, emptySnapshot, rowsReducer } from '@osprio/host';
import { connectNode } from '@osprio/host/node';
import { startEmulator } from '@osprio/device/emulator';
import { EDGES, STEPS, benchPlan, makeEdgesAlone } from './ops-bench-setup.ts';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function reducerBench(): void {
  const steps: StepRecord[] = Array.from({ length: STEPS }, (_, i) => ({
    index: i,
    address: i + 1,
    baud: 115200,
    state: 'pending',
    attempts: 0,
    outcome: null,
    detail: '',
    stage: null,
    stageStatus: null,
  }));
  const base = rowsReducer(emptySnapshot({ slot: 0 }), {
    type: 'read',
    slot: { steps, lastSeq: 0, state: 'ready', profileName: 'bench' },
  });
  const stages = [
    'discover',
    'comset',
    'confirm',
    'install_session',
    'keyset',
    'key_verify',
  ] as const;
  const edges: ProgressEdge[] = Array.from({ length: EDGES }, (_, k) => {
    const stepIndex = k % STEPS;
    const phase = Math.floor(k / STEPS) % 8;
    const done = phase === 7;
    return {
      queue: { slot: 0 },
      seq: k + 1,
      stepIndex,
      at: 1_700_000_000_000 + k,
      state: done ? (stepIndex % 9 === 0 ? 'failure' : 'success') : 'attempting',
      attempts: 1 + Math.floor(k / (STEPS * 8)),
      outcome: done ? (stepIndex % 9 === 0 ? 'no_response' : 'ok') : null,
      detail: done && stepIndex % 9 === 0 ? 'nobody answered at any baud' : '',
      stage: phase === 0 ? 'queued' : stages[Math.min(phase - 1, 5)]!,
      stageStatus:
        phase === 0 ? null : done ? (stepIndex % 9 === 0 ? 'stalled' : 'done') : 'in_flight',
    };
  });
  const runs: number[] = [];
  let last = base;
  for (let r = 0; r < 7; r++) {
    const t0 = performance.now();
    let s = base;
    for (const edge of edges) s = rowsReducer(s, { type: 'edge', edge });
    runs.push(performance.now() - t0);
    last = s;
  }
  if (last.lastSeq !== EDGES) throw new Error('reducer bench: not every edge applied');
  console.log(
    `rows reducer, ${EDGES} backfilled edges on ${STEPS} rows, edge by edge: median ${median(runs).toFixed(1)} ms (target ≤ 300 ms; runs ${runs.map((x) => x.toFixed(0)).join('/')})`,
  );
  // As a replay arrives: batches of ~650 edges (one frame each), one 'edges' action per batch.
  const bruns: number[] = [];
  for (let r = 0; r < 7; r++) {
    const t0 = performance.now();
    let s = base;
    for (let i = 0; i < edges.length; i += 650)
      s = rowsReducer(s, { type: 'edges', edges: edges.slice(i, i + 650) });
    bruns.push(performance.now() - t0);
    last = s;
  }
  if (last.lastSeq !== EDGES) throw new Error('reducer bench: not every batched edge applied');
  console.log(
    `rows reducer, ${EDGES} backfilled edges on ${STEPS} rows, in replay batches: median ${median(bruns).toFixed(1)} ms (runs ${bruns.map((x) => x.toFixed(1)).join('/')})`,
  );
}

async function reconnectBench(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'osprio-bench-ops-'));
  const emu = await startEmulator({
    model: 'pro',
    speed: 'max',
    stateDir: dir,
    durable: false,
    technician: false,
    pds: 0,
    edgeLimit: EDGES + 1000,
  });
  let current: LinkConnection | null = null;
  const session = await DeviceSession.attach({
    connect: async () => (current = await connectNode(emu.url)),
    hostName: 'osprio-bench',
  });
  try {
    await session.createSlot(0, benchPlan());
    const view = await session.openSlot(0);
    const runs: number[] = [];
    let made = 0;
    for (let run = 0; run < 3; run++) {
      // The link drops; the device works on alone.
      current!.close(1000, 'bench: unplugged');
      while (session.state.kind === 'attached' || emu.hostAttached)
        await new Promise((r) => setTimeout(r, 5));
      made = makeEdgesAlone(emu.device);
      const detail = emu.device.getSlot(0);
      if (!detail.ok) throw new Error('bench: getSlot failed');
      const target = detail.slot.lastSeq;
      const expected = countSteps(detail.slot.steps);
      const t0 = performance.now();
      const state = await session.reattach();
      if (state.kind !== 'attached') throw new Error(`bench: reattach ended ${state.kind}`);
      while (view.snapshot.lastSeq < target) await new Promise((r) => setImmediate(r));
      runs.push(performance.now() - t0);
      if (JSON.stringify(view.snapshot.counters) !== JSON.stringify(expected))
        throw new Error('bench: rows not current after reattach');
    }
    console.log(
      `reconnect to current rows, ${made} edges made while detached (backfilled): median ${median(runs).toFixed(0)} ms (target ≤ 1500 ms; runs ${runs.map((x) => x.toFixed(0)).join('/')})`,
    );
    view.close();
  } finally {
    session.close();
    await emu.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

reducerBench();
await reconnectBench();
