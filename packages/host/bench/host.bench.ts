// Host-side costs a UI feels: applying edges to a full slot's rows, building a 126-PD key export,
// and age-encrypting it. Prints figures; never passes or fails on time.
// Run: node --import tsx packages/host/bench/host.bench.ts

import type { ProgressEdge, StepRecord } from '@osprio/link';
import { generateIdentity, identityToRecipient } from 'age-encryption';
import { buildKeyFile, emptySnapshot, encryptKeyFile, rowsReducer } from '../src/index.ts';

const N = 126;
const steps: StepRecord[] = Array.from({ length: N }, (_, i) => ({
  index: i,
  address: i,
  baud: 115200,
  state: 'pending',
  attempts: 0,
  outcome: null,
  detail: '',
  stage: null,
  stageStatus: null,
}));

function time(label: string, n: number, f: () => void): void {
  const t0 = performance.now();
  f();
  const ms = performance.now() - t0;
  console.log(
    `${label.padEnd(44)} ${((ms / n) * 1000).toFixed(2).padStart(9)} µs each  (${n} in ${ms.toFixed(0)} ms)`,
  );
}

const EDGES = 20_000;
const edges: ProgressEdge[] = Array.from({ length: EDGES }, (_, i) => ({
  queue: { slot: 0 },
  seq: i + 1,
  stepIndex: i % N,
  state: i % 7 === 6 ? 'success' : 'attempting',
  attempts: 1,
  outcome: null,
  detail: '',
  stage: 'keyset',
  stageStatus: 'in_flight',
  at: i,
}));
time(`rowsReducer: edge on a ${N}-row slot`, EDGES, () => {
  let s = rowsReducer(emptySnapshot({ slot: 0 }), { type: 'read', slot: { steps, lastSeq: 0 } });
  for (const edge of edges) s = rowsReducer(s, { type: 'edge', edge });
});
time(`rowsReducer: replayed (ignored) edge`, EDGES, () => {
  let s = rowsReducer(emptySnapshot({ slot: 0 }), {
    type: 'read',
    slot: { steps, lastSeq: EDGES },
  });
  for (const edge of edges) s = rowsReducer(s, { type: 'edge', edge });
});

const seed = crypto.getRandomValues(new Uint8Array(16));
const done = steps.map((s) => ({ ...s, state: 'success' as const }));
const runs = 50;
buildKeyFile(
  { sessionId: crypto.randomUUID(), seed, slotState: 'complete', steps: done },
  'csv',
).wipe(); // warm-up
for (const format of ['csv', 'json'] as const) {
  time(`buildKeyFile ${format}, ${N} PDs`, runs, () => {
    for (let i = 0; i < runs; i++)
      buildKeyFile(
        { sessionId: crypto.randomUUID(), seed, slotState: 'complete', steps: done },
        format,
      ).wipe();
  });
}
const recipient = await identityToRecipient(await generateIdentity());
const t0 = performance.now();
for (let i = 0; i < runs; i++) {
  const f = await encryptKeyFile(
    buildKeyFile(
      { sessionId: crypto.randomUUID(), seed, slotState: 'complete', steps: done },
      'csv',
    ),
    [recipient],
  );
  f.wipe();
}
const ms = performance.now() - t0;
console.log(
  `${'build + age-encrypt csv, 126 PDs'.padEnd(44)} ${((ms / runs) * 1000).toFixed(2).padStart(9)} µs each  (${runs} in ${ms.toFixed(0)} ms)`,
);
