// Bus time of one provisioning step on the simulated bus, as a ratio to its floor (the wire time of
// every frame exchanged plus the PD's turnaround before each of its replies), and wall time per
// step. Run: node --import tsx packages/provisioner/bench/step-bus-time.bench.ts
import { createSimBus, attachSimPd, type SimPdFault } from '@osprio/bus';
import { deriveScbk } from '../src/kdf.ts';
import { runStep } from '../src/commissioning/run-step.ts';
import type { ExpectedCapability } from '../src/profile.ts';

const SEED = Uint8Array.from({ length: 16 }, (_, i) => 0x21 + i);
const SESSION = '9b2f61c4-3f7e-4d1a-8a5b-6c7d8e9f0a1b';
const A = 12;
const STEP = 3;
const RUNS = 40;

interface Scenario {
  name: string;
  /** Target baud B. */
  baud: number;
  pd: { address: number; baud: number; keyed?: boolean };
  faults?: SimPdFault[];
  lastSeenBaud?: number;
  autoVerify?: boolean;
  caps?: ExpectedCapability[];
}

const scenarios: Scenario[] = [];
for (const b of [9600, 38400, 115200, 230400]) {
  scenarios.push({ name: `fresh PD at B (first candidate)`, baud: b, pd: { address: 0, baud: b } });
}
for (const b of [38400, 115200, 230400]) {
  scenarios.push({ name: `fresh PD at 9600 → B`, baud: b, pd: { address: 0, baud: 9600 } });
}
for (const b of [9600, 115200]) {
  scenarios.push({
    name: `fresh at B, no auto-verify`,
    baud: b,
    pd: { address: 0, baud: b },
    autoVerify: false,
  });
  scenarios.push({
    name: `fresh at B, + capabilities`,
    baud: b,
    pd: { address: 0, baud: b },
    caps: [{ functionCode: 16, minCompliance: 2, minCount: 0 }],
  });
  scenarios.push({
    name: `retry: keyed, at A/B, lastSeen B`,
    baud: b,
    pd: { address: A, baud: b, keyed: true },
    lastSeenBaud: b,
  });
}
scenarios.push({
  name: `fresh at 9600 → B, PD replies after 300 ms`,
  baud: 115200,
  pd: { address: 0, baud: 9600 },
  faults: [{ kind: 'slow', replyDelayMs: 300 }],
});
scenarios.push({
  name: `fresh at 9600 → B, 1% byte errors`,
  baud: 115200,
  pd: { address: 0, baud: 9600 },
  faults: [{ kind: 'noisy', byteErrorRate: 0.01 }],
});
scenarios.push({
  name: `fresh at 9600 → B, PD reboots at KEYSET`,
  baud: 115200,
  pd: { address: 0, baud: 9600 },
  faults: [{ kind: 'reboot', atReply: 6, applied: true }],
});
// Issue 13: plaintext COMSET refused (NAK 0x06), address found by osdp_ID, COMSET inside the install session.
scenarios.push({
  name: `enforce-secure PD at B (first candidate)`,
  baud: 115200,
  pd: { address: 0, baud: 115200 },
  faults: [{ kind: 'enforce_secure' }],
});
scenarios.push({
  name: `enforce-secure PD at 9600 → B`,
  baud: 115200,
  pd: { address: 0, baud: 9600 },
  faults: [{ kind: 'enforce_secure' }],
});
scenarios.push({
  name: `absent (no_response)`,
  baud: 115200,
  pd: { address: 0, baud: 9600 },
  faults: [{ kind: 'absent' }],
});

interface Measure {
  outcome: string;
  busMs: number;
  floorMs: number;
  frames: number;
  timedOut: number;
  wallMs: number;
}

async function once(s: Scenario, seed: number): Promise<Measure> {
  const bus = createSimBus({ baud: 9600, seed, traceLimit: Infinity });
  const scbk = deriveScbk(SEED, SESSION, STEP, A);
  const pd = attachSimPd(bus.line, {
    config: {
      address: s.pd.address,
      baud: s.pd.baud,
      ...(s.pd.keyed ? { scbk, installMode: false } : {}),
    },
    faults: s.faults ?? [],
  });
  let c = seed;
  const t0 = performance.now();
  const start = bus.now();
  const r = await runStep({
    bus,
    target: { address: A, baud: s.baud, stepIndex: STEP },
    options: { timeoutMs: 0, autoVerify: s.autoVerify ?? true, expectedCapabilities: s.caps ?? [] },
    key: { seed: SEED, sessionId: SESSION },
    lastSeenBaud: s.lastSeenBaud,
    random: (n) =>
      Uint8Array.from({ length: n }, () => (c = (c * 1103515245 + 12345) >>> 0) >>> 24),
  });
  const wallMs = performance.now() - t0;
  const busMs = bus.now() - start;
  const trace = bus.line.trace;
  const wire = trace.reduce((sum, e) => sum + (e.end - e.start), 0);
  const pdReplies = trace.filter((e) => e.sender !== 'acu').length;
  const floorMs = wire + pdReplies * pd.turnaroundMs;
  let timedOut = 0;
  trace.forEach((e, i) => {
    if (e.sender === 'acu' && (i + 1 >= trace.length || trace[i + 1]!.sender === 'acu')) timedOut++;
  });
  return { outcome: r.outcome, busMs, floorMs, frames: trace.length, timedOut, wallMs };
}

const pad = (s: string | number, n: number) => String(s).padEnd(n);
const lpad = (s: string | number, n: number) => String(s).padStart(n);

console.log(
  `bus time per step on the simulated bus (target address ${A}); floor = wire time of every frame + PD turnaround per reply`,
);
console.log(
  `${pad('scenario', 44)}${lpad('B', 7)}  ${pad('outcome', 12)}${lpad('frames', 7)}${lpad('silent', 7)}${lpad('bus ms', 10)}${lpad('floor ms', 10)}${lpad('ratio', 8)}${lpad('wall ms', 9)}`,
);
for (const s of scenarios) {
  // warm-up, then the median wall time over RUNS seeds (bus figures are from seed 1: deterministic)
  await once(s, 1);
  const ms: Measure[] = [];
  for (let i = 0; i < RUNS; i++)
    ms.push(await once(s, 1 + (s.faults?.some((f) => f.kind === 'noisy') ? i : 0)));
  const m = ms[0]!;
  const walls = ms.map((x) => x.wallMs).sort((a, b) => a - b);
  const wall = walls[Math.floor(walls.length / 2)]!;
  const noisy = s.faults?.some((f) => f.kind === 'noisy');
  const bus = noisy ? ms.reduce((a, x) => a + x.busMs, 0) / ms.length : m.busMs;
  const floor = noisy ? ms.reduce((a, x) => a + x.floorMs, 0) / ms.length : m.floorMs;
  const label = noisy ? `${s.name} (mean of ${RUNS} seeds)` : s.name;
  console.log(
    `${pad(label, 44)}${lpad(s.baud, 7)}  ${pad(m.outcome, 12)}${lpad(m.frames, 7)}${lpad(m.timedOut, 7)}${lpad(bus.toFixed(1), 10)}${lpad(floor.toFixed(1), 10)}${lpad((bus / floor).toFixed(2), 8)}${lpad(wall.toFixed(2), 9)}`,
  );
}

// What one wrong candidate baud costs: the profile says B, the PD sits elsewhere, so the first probe
// (at B) goes unanswered; its cost is the bus time until the next probe starts.
console.log(
  `\ncost of a wrong candidate baud (the first, silent probe at B; PD at another rate) — target ≤ 50 ms`,
);
const rates = [9600, 19200, 38400, 57600, 115200, 230400];
const costs: string[] = [];
for (const b of rates) {
  const bus = createSimBus({ baud: 9600, seed: 1, traceLimit: Infinity });
  attachSimPd(bus.line, { config: { address: 0, baud: b === 9600 ? 115200 : 9600 } });
  let c = 1;
  await runStep({
    bus,
    target: { address: A, baud: b, stepIndex: STEP },
    options: { timeoutMs: 0, autoVerify: false, expectedCapabilities: [] },
    key: { seed: SEED, sessionId: SESSION },
    random: (n) =>
      Uint8Array.from({ length: n }, () => (c = (c * 1103515245 + 12345) >>> 0) >>> 24),
  });
  const t = bus.line.trace;
  costs.push(`${b}: ${(t[1]!.start - t[0]!.start).toFixed(1)} ms`);
}
console.log(costs.join('   '));
