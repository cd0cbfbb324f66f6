// CLI start-up: `osprio --help` and `osprio status` (against a live emulator in this process) as
// wall time to exit, median of RUNS spawns, beside a bare `node -e 0` on the same machine; the bundle
// (apps/cli/dist, built by `npm run build:cli`) and the TypeScript sources through tsx side by side.
// Run: node --import tsx apps/cli/bench/startup.bench.ts [runs]
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEmulator } from '@osprio/device/emulator';

const RUNS = Number(process.argv[2] ?? 15);
const bin = fileURLToPath(new URL('../bin/osprio.js', import.meta.url));
const bundled = existsSync(fileURLToPath(new URL('../dist/inputs.json', import.meta.url)));

function once(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(performance.now() - t0) : reject(new Error(`${args.join(' ')} exited ${code}: ${err.trim()}`))));
  });
}

async function median(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  await once(args, env); // warm the file cache
  const xs: number[] = [];
  for (let i = 0; i < RUNS; i++) xs.push(await once(args, env));
  xs.sort((a, b) => a - b);
  return xs[Math.floor(xs.length / 2)]!;
}

const stateDir = mkdtempSync(join(tmpdir(), 'osprio-bench-startup-'));
const emu = await startEmulator({ model: 'pro', stateDir, pds: 4, speed: 'max', technician: false, durable: false });
try {
  const plain = { ...process.env };
  delete plain.OSPRIO_CLI_FROM_SOURCE;
  const source = { ...plain, OSPRIO_CLI_FROM_SOURCE: '1' };
  const base = await median(['-e', '0'], plain);
  console.log(`CLI start-up, median of ${RUNS} spawns; bare \`node -e 0\`: ${base.toFixed(0)} ms${bundled ? '' : ' (no bundle: run `npm run build:cli` for the bundled column)'}`);
  console.log(`${'command'.padEnd(18)}${'bundle ms'.padStart(10)}${'ratio'.padStart(7)}${'sources ms'.padStart(12)}${'ratio'.padStart(7)}   target ratio ≤ 1.60`);
  for (const [label, args] of [
    ['osprio --help', ['--help']],
    ['osprio status', ['status', '--device', emu.url]],
  ] as const) {
    const b = bundled ? await median([bin, ...args], plain) : NaN;
    const s = await median([bin, ...args], source);
    const cell = (ms: number) => (Number.isNaN(ms) ? '-'.padStart(10) + '-'.padStart(7) : ms.toFixed(0).padStart(10) + (ms / base).toFixed(2).padStart(7));
    console.log(`${label.padEnd(18)}${cell(b)}  ${cell(s)}`);
  }
} finally {
  await emu.close();
  rmSync(stateDir, { recursive: true, force: true });
}
