// A device process for the SIGKILL test: random slot operations and verbs on a state dir, with a
// fake executor that takes a few ms and emits stage events. Prints one JSON line per fact AFTER the
// device acknowledged it (the op returned, or the edge was emitted — both happen after fsync):
//   {"begin":{op}}  {"ack":{op}}  {"edge":{...}}
// Usage: node --import tsx child.ts <stateDir> <seed>

import * as fs from 'node:fs';
import type { AttemptResult, Stage } from '@osprio/provisioner';
import { STAGES } from '@osprio/provisioner';
import { Device, modelConfig } from '../../src/index.ts';
import type { StepExecutor } from '../../src/index.ts';
import { crashSeed, crashSession, rng } from './model.ts';
import type { CrashOp } from './model.ts';

const [dir, seedArg] = process.argv.slice(2);
const rand = rng(Number(seedArg));
const out = (v: unknown) => fs.writeSync(1, `${JSON.stringify(v)}\n`);
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

const executor: StepExecutor = async (_job, ctx) => {
  const n = Math.floor(rand() * 7);
  const completed: Stage[] = [];
  for (const stage of STAGES.slice(0, n)) {
    ctx.onStage({ stage, status: 'in_flight' });
    await wait(rand() * 3);
    if (ctx.signal.aborted) throw new Error('aborted');
    ctx.onStage({ stage, status: 'done' });
    completed.push(stage);
  }
  const ok = rand() < 0.5;
  const r: AttemptResult = {
    outcome: ok ? 'ok' : 'no_response',
    detail: ok ? '' : 'nobody answered',
    stage: 'discover',
    stageStatus: ok ? 'done' : 'stalled',
    completed,
  };
  return r;
};

const device = Device.open({
  config: modelConfig('osprio-pro'),
  stateDir: dir!,
  executor,
  hostAttached: true,
  compactEvery: 7,
  edgeLimit: 20,
});
device.onEvent((ev) => {
  if (ev.type === 'edge') out({ edge: ev.edge });
});
out({ ready: true });

function pickOp(): CrashOp | null {
  const slot = Math.floor(rand() * 4);
  const s = device.getSlot(slot);
  if (!s.ok) return null;
  const d = s.slot;
  const r = rand();
  if (r < 0.03) return { t: 'delete', slot };
  if (d.state === 'empty')
    return { t: 'create', slot, count: 1 + Math.floor(rand() * 6), gen: Math.floor(rand() * 1000) };
  if (d.state === 'staging') {
    const left = d.header!.deviceCount - d.steps.length;
    if (left === 0) return { t: 'seal', slot, count: d.steps.length };
    return { t: 'upload', slot, from: d.steps.length, count: 1 + Math.floor(rand() * left) };
  }
  const step = Math.floor(rand() * d.steps.length);
  const verbs = ['try', 'retry', 'skip', 'reset'] as const;
  return { t: 'verb', slot, step, verb: verbs[Math.floor(rand() * 4)]! };
}

function apply(op: CrashOp): void {
  switch (op.t) {
    case 'create':
      device.createSlot(
        op.slot,
        {
          name: `crash ${op.gen}`,
          deviceCount: op.count,
          addressStrategy: 'sequential',
          startAddress: 1,
          manualAddresses: [],
          baud: 9600,
          expectedCapabilities: [],
          timeoutMs: 0,
          autoVerify: false,
        },
        crashSession(op.slot, op.gen),
        crashSeed(op.slot, op.gen),
      );
      return;
    case 'upload':
      device.uploadSteps(
        op.slot,
        Array.from({ length: op.count }, (_, k) => ({
          index: op.from + k,
          address: op.from + k + 1,
          baud: 9600,
        })),
      );
      return;
    case 'seal':
      device.sealSlot(op.slot, op.count);
      return;
    case 'delete':
      device.deleteSlot(op.slot);
      return;
    case 'verb':
      device.verb({ slot: op.slot }, op.step, op.verb);
      return;
  }
}

for (;;) {
  const op = pickOp();
  if (op) {
    out({ begin: op });
    apply(op);
    out({ ack: op });
  }
  await wait(rand() * 2);
}
