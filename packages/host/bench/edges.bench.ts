// 10 000 progress edges as the host receives them: the device's wire text through the link's decoder
// (JSON guard + schema) into the host's rows reducer, over a 126-step slot.
// Run: node --import tsx packages/host/bench/edges.bench.ts [edges]
import { decodeDeviceMessage, encodeEdgeBatches, encodeEvent, eventEdges } from '@osprio/link';
import type { ProgressEdge, StepRecord } from '@osprio/link';
import { STAGES } from '@osprio/provisioner';
import { emptySnapshot, rowsReducer, slotRead } from '../src/rows.ts';
import type { QueueSnapshot } from '../src/rows.ts';

const N = Number(process.argv[2] ?? 10_000);
const STEPS = 126;

const steps: StepRecord[] = Array.from({ length: STEPS }, (_, i) => ({
  index: i,
  address: i + 1,
  baud: 9600,
  state: 'pending',
  attempts: 0,
  outcome: null,
  detail: '',
  stage: null,
  stageStatus: null,
}));
// A plausible mix: every stage in flight and done, then the step's success.
const wire: string[] = [];
const all: ProgressEdge[] = [];
for (let seq = 1; seq <= N; seq++) {
  const stepIndex = Math.floor((seq - 1) / (STAGES.length * 2 + 1)) % STEPS;
  const k = (seq - 1) % (STAGES.length * 2 + 1);
  const last = k === STAGES.length * 2;
  const edge: ProgressEdge = {
    queue: { slot: 0 },
    seq,
    stepIndex,
    at: 1_800_000_000_000 + seq,
    state: last ? 'success' : 'attempting',
    attempts: 1,
    outcome: last ? 'ok' : null,
    detail: last ? 'PD keyed with this step’s SCBK and verified' : '',
    stage: last ? STAGES.at(-1)! : STAGES[Math.floor(k / 2)]!,
    stageStatus: last || k % 2 === 1 ? 'done' : 'in_flight',
  };
  wire.push(encodeEvent({ event: 'edge', edge }));
  all.push(edge);
}
// The same edges as the link sends a replay: `edges` batches under MAX_FRAME_BYTES.
const batches = encodeEdgeBatches({ slot: 0 }, all, (m) => {
  throw new Error(m);
}).map((b) => b.text);
const batchBytes = batches.reduce((a, s) => a + s.length, 0);
const bytes = wire.reduce((a, s) => a + s.length, 0);

function run(): { ms: number; view: QueueSnapshot; decodeMs: number } {
  let view = rowsReducer(emptySnapshot({ slot: 0 }), {
    type: 'read',
    slot: slotRead({ steps, lastSeq: 0, state: 'ready', profileName: 'bench' }),
  });
  const t0 = performance.now();
  for (const text of wire) {
    const m = decodeDeviceMessage(text, () => undefined);
    if (m.kind !== 'event' || m.event.event !== 'edge') throw new Error(`not an edge: ${m.kind}`);
    view = rowsReducer(view, { type: 'edge', edge: m.event.edge });
  }
  const ms = performance.now() - t0;
  const t1 = performance.now();
  for (const text of wire) decodeDeviceMessage(text, () => undefined);
  return { ms, view, decodeMs: performance.now() - t1 };
}

function runBatched(): { ms: number; view: QueueSnapshot; decodeMs: number } {
  let view = rowsReducer(emptySnapshot({ slot: 0 }), {
    type: 'read',
    slot: slotRead({ steps, lastSeq: 0, state: 'ready', profileName: 'bench' }),
  });
  const t0 = performance.now();
  for (const text of batches) {
    const m = decodeDeviceMessage(text, () => undefined);
    if (m.kind !== 'event' || m.event.event !== 'edges')
      throw new Error(`not an edges batch: ${m.kind}`);
    view = rowsReducer(view, { type: 'edges', edges: m.event.edges });
  }
  const ms = performance.now() - t0;
  const t1 = performance.now();
  for (const text of batches) {
    const m = decodeDeviceMessage(text, () => undefined);
    if (m.kind === 'event') eventEdges(m.event);
  }
  return { ms, view, decodeMs: performance.now() - t1 };
}

run(); // warm-up
runBatched();
const runs = Array.from({ length: 5 }, run).sort((a, b) => a.ms - b.ms);
const bruns = Array.from({ length: 5 }, runBatched).sort((a, b) => a.ms - b.ms);
const br = bruns[2]!;
if (br.view.lastSeq !== N)
  throw new Error(`batched: applied up to ${br.view.lastSeq}, expected ${N}`);
const r = runs[2]!;
if (r.view.lastSeq !== N) throw new Error(`applied up to ${r.view.lastSeq}, expected ${N}`);
console.log(
  `${N} edges (${(bytes / 1024).toFixed(0)} KiB of wire JSON) link decode → host rowsReducer over ${STEPS} steps: ${r.ms.toFixed(1)} ms ` +
    `(${Math.round(N / (r.ms / 1000)).toLocaleString('en')} edges/s; decode alone ${r.decodeMs.toFixed(1)} ms), median of 5`,
);
console.log(
  `${N} edges as ${batches.length} replay batches (${(batchBytes / 1024).toFixed(0)} KiB) link decode → host 'edges' action: ${br.ms.toFixed(1)} ms ` +
    `(${Math.round(N / (br.ms / 1000)).toLocaleString('en')} edges/s; decode alone ${br.decodeMs.toFixed(1)} ms), median of 5`,
);
