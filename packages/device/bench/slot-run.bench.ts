// A 126-step slot on the emulator over the link: `osprio device --sim --speed max` as its own
// process (as a technician runs it), a host on the WebSocket link that plans the slot and tries every
// step; wall time from the first `try` to the slot's completion, and the emulator's peak RSS (VmHWM).
// Run: node --import tsx packages/device/bench/slot-run.bench.ts [steps]
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LinkClient, eventEdges } from '@osprio/link';
import { connectWebSocketNode } from '@osprio/link/node';

const N = Number(process.argv[2] ?? 126);
const bin = fileURLToPath(new URL('../../../apps/cli/bin/osprio.js', import.meta.url));
const SEED = Uint8Array.from({ length: 16 }, (_, i) => 0x40 + i);

function peakRssMb(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** CPU seconds (user + system) the process used so far: less sensitive than wall time to a busy machine. */
function cpuS(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
}

const dir = mkdtempSync(join(process.env.BENCH_DIR ?? tmpdir(), 'osprio-bench-slot-'));
const child = spawn(
  process.execPath,
  [
    bin,
    'device',
    '--sim',
    '--speed',
    'max',
    '--state-dir',
    join(dir, 'flash'),
    '--quiet',
    '--no-technician',
    '--pds',
    String(N),
  ],
  {
    stdio: ['ignore', 'pipe', 'pipe'],
  },
);
try {
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => {
      out += s;
      const m = /connect a host to: (ws:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.on('exit', (code) => reject(new Error(`emulator exited ${code}`)));
  });
  const c = new LinkClient(await connectWebSocketNode(url, {}), { timeoutMs: 30_000 });
  await c.hello('osprio-bench');
  const profile = {
    name: 'bench',
    deviceCount: N,
    addressStrategy: 'sequential' as const,
    startAddress: 1,
    manualAddresses: [],
    baud: 9600,
    expectedCapabilities: [],
    timeoutMs: 0,
    autoVerify: false,
  };
  await c.createSlot({
    slot: 0,
    header: profile,
    sessionId: '00000000-0000-4000-8000-00000000b0b0',
    seed: SEED,
  });
  await c.uploadAllSteps(
    0,
    Array.from({ length: N }, (_, i) => ({ index: i, address: i + 1, baud: 9600 })),
  );
  await c.sealSlot({ slot: 0, stepCount: N });
  const done = new Promise<void>((resolve) => {
    let left = N;
    c.onEvent((ev) => {
      for (const e of eventEdges(ev))
        if ((e.state === 'success' || e.state === 'failure') && --left === 0) resolve();
    });
  });
  await c.subscribe({ slot: 0, sinceSeq: 0 });
  const cpu0 = cpuS(child.pid!);
  const t0 = performance.now();
  for (let i = 0; i < N; i += 48)
    await Promise.all(
      Array.from({ length: Math.min(48, N - i) }, (_, k) =>
        c.verb({ slot: 0, stepIndex: i + k, verb: 'try' }),
      ),
    );
  await done;
  const wall = performance.now() - t0;
  const cpu = cpuS(child.pid!) - cpu0;
  const slot = await c.getSlot(0);
  const ok = slot.steps.filter((s) => s.outcome === 'ok').length;
  const rss = peakRssMb(child.pid!);
  c.close();
  console.log(
    `${N}-step slot on the emulator over the link (--speed max): ${(wall / 1000).toFixed(2)} s wall (emulator CPU ${cpu.toFixed(2)} s), ${ok}/${N} ok, lastSeq ${slot.lastSeq}; emulator peak RSS ${rss.toFixed(0)} MB   (target ≤ 3 s, ≤ 150 MB)`,
  );
} finally {
  child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
}
