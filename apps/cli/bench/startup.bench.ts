// CLI start-up: `osprio --help` and `osprio status` (against a live emulator in this process) as
// wall time to exit, median of RUNS spawns, beside a bare `node -e 0` on the same machine; the bundle
// (apps/cli/dist, built by `npm run build:cli`) and the TypeScript sources through tsx side by side.
// Run: node --import tsx apps/cli/bench/startup.bench.ts [runs]
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import type * as Launch from '../bin/launch.cjs';
import { startEmulator } from '@osprio/device/emulator';

const RUNS = Number(process.argv[2] ?? 21);
const bin = fileURLToPath(new URL('../bin/osprio.js', import.meta.url));
// The launcher falls back to the sources when a bundle is older than a source it holds: measure the
// bundle only when the launcher would really run it for both commands.
const { chooseEntry } = createRequire(import.meta.url)('../bin/launch.cjs') as typeof Launch;
const dist = new URL('../dist/', import.meta.url);
const root = new URL('../../../', import.meta.url);
const env0 = { ...process.env, OSPRIO_CLI_FROM_SOURCE: undefined };
const bundled =
  existsSync(fileURLToPath(new URL('inputs.json', dist))) &&
  chooseEntry(dist, root, ['--help'], env0) === 'main.js' &&
  chooseEntry(dist, root, ['status'], env0) === 'status.cjs';

function once(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0
        ? resolve(performance.now() - t0)
        : reject(new Error(`${args.join(' ')} exited ${code}: ${err.trim()}`)),
    );
  });
}

interface Figure {
  med: number;
  min: number;
}

/** Median and fastest of each case over RUNS rounds. The cases take turns within a round, so a
 *  busy spell on the machine lands on all of them alike and the ratios stay comparable. */
async function rounds(cases: { args: string[]; env: NodeJS.ProcessEnv }[]): Promise<Figure[]> {
  for (const c of cases) await once(c.args, c.env); // warm the file cache
  const xs: number[][] = cases.map(() => []);
  for (let i = 0; i < RUNS; i++)
    for (const [k, c] of cases.entries()) xs[k]!.push(await once(c.args, c.env));
  return xs.map((v) => {
    v.sort((a, b) => a - b);
    return { med: v[Math.floor(v.length / 2)]!, min: v[0]! };
  });
}

const stateDir = mkdtempSync(join(tmpdir(), 'osprio-bench-startup-'));
const emu = await startEmulator({
  model: 'pro',
  stateDir,
  pds: 4,
  speed: 'max',
  technician: false,
  durable: false,
});
try {
  const plain = { ...process.env };
  delete plain.OSPRIO_CLI_FROM_SOURCE;
  const source = { ...plain, OSPRIO_CLI_FROM_SOURCE: '1' };
  const commands = [
    ['osprio --help', ['--help']],
    ['osprio status', ['status', '--device', emu.url]],
  ] as const;
  const cases = [{ args: ['-e', '0'], env: plain }];
  for (const [, args] of commands) {
    if (bundled) cases.push({ args: [bin, ...args], env: plain });
    cases.push({ args: [bin, ...args], env: source });
  }
  const figures = await rounds(cases);
  const base = figures.shift()!;
  console.log(
    `CLI start-up, median (fastest) of ${RUNS} spawns, taking turns; bare \`node -e 0\`: ${base.med.toFixed(0)} (${base.min.toFixed(0)}) ms${bundled ? '' : ' (no current bundle: run `npm run build:cli` for the bundled column)'}`,
  );
  console.log(
    `${'command'.padEnd(16)}${'bundle ms'.padStart(14)}${'ratio'.padStart(13)}${'sources ms'.padStart(14)}${'ratio'.padStart(13)}   target ratio ≤ 1.60`,
  );
  const cell = (m: Figure | null) =>
    m === null
      ? '-'.padStart(14) + '-'.padStart(13)
      : `${m.med.toFixed(0)} (${m.min.toFixed(0)})`.padStart(14) +
        `${(m.med / base.med).toFixed(2)} (${(m.min / base.min).toFixed(2)})`.padStart(13);
  for (const [label] of commands) {
    const b = bundled ? figures.shift()! : null;
    const s = figures.shift()!;
    console.log(`${label.padEnd(16)}${cell(b)}${cell(s)}`);
  }
} finally {
  await emu.close();
  rmSync(stateDir, { recursive: true, force: true });
}
