// 10 000 command/reply exchanges on the simulated bus: how fast virtual bus time runs.
// Run: node --import tsx packages/bus/bench/sim-bus.bench.ts [exchanges] [baud]

import { AcuDriver, fromHex } from '@osprio/osdp';
import { createSimBus } from '../src/sim-bus.ts';
import { attachSimPd } from '../src/sim-pd.ts';
import type { LineNode } from '../src/sim-line.ts';

const exchanges = Number(process.argv[2] ?? 10_000);
const baud = Number(process.argv[3] ?? 9600);
const POLL = fromHex('ff 53 65 08 00 04 60 60 90'); // POLL to 0x65 (reference §2.3)
const NAK = fromHex('ff 53 E5 09 00 05 41 01 0E 8F'); // a 10-byte reply

// The trace keeps every frame by default; a benchmark of many exchanges caps it (TRACE_CAP) so it
// measures the line, not an ever-growing log.
const TRACE_CAP = 1000;

async function run(n: number) {
  const bus = createSimBus({ baud, seed: 1, traceLimit: TRACE_CAP });
  const pd: LineNode = {
    name: 'pd',
    baud,
    receive: (bytes) => (bytes[2] === 0x65 ? { bytes: NAK } : null),
  };
  bus.line.attach(pd, { turnaroundMs: 2 });
  let replies = 0;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    await bus.write(POLL);
    const c = await bus.read(bus.now() + 200);
    if (c?.bytes.length === NAK.length) replies++;
  }
  const wallMs = performance.now() - t0;
  if (replies !== n) throw new Error(`only ${replies}/${n} replies`);
  return { wallMs, busS: bus.now() / 1000 };
}

function report(label: string, n: number, r: { wallMs: number; busS: number }) {
  console.log(
    `sim-bus ${label}: ${n} exchanges at ${baud} baud — ${Math.round(n / (r.wallMs / 1000))} exchanges/s, ` +
      `${r.busS.toFixed(3)} bus s in ${r.wallMs.toFixed(1)} wall ms (bus/wall ratio ${Math.round((r.busS * 1000) / r.wallMs)}×)`,
  );
}

/** The whole stack: the osdp ACU driver polling the PD model through the simulated line. */
async function runStack(n: number) {
  const bus = createSimBus({ baud, seed: 1, traceLimit: TRACE_CAP });
  attachSimPd(bus.line, { config: { address: 0x65, baud } });
  const acu = new AcuDriver(bus, { address: 0x65, baud });
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const r = await acu.send({ kind: 'POLL' });
    if (!r.ok) throw new Error(`POLL ${i} failed: ${r.error.kind}`);
  }
  return { wallMs: performance.now() - t0, busS: bus.now() / 1000 };
}

// First run includes JIT warm-up (what a single test pays); the second is steady state.
report('line, cold', exchanges, await run(exchanges));
report('line, warm', exchanges, await run(exchanges));
report('ACU driver ↔ PD model', exchanges, await runStack(exchanges));
