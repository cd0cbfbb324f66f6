// `npm run soak [-- --full] [-- --seed N]`: faults, fuzzing, the noisy line over many seeds, and key
// custody, with a summary table (cases, faults injected, findings). The default budget is small
// enough for CI; --full runs the budget (a million frames, 100 000 link messages, 1 000
// noisy seeds, 20 host detaches and 5 device kills). Exits 1 if anything was found.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runFaults } from './soak/faults.ts';
import { fuzzFrames, fuzzLink, fuzzProfiles } from './soak/fuzz.ts';
import { noisySeeds } from './soak/noisy.ts';
import { scanCustody } from './soak/custody.ts';

const args = process.argv.slice(2);
const full = args.includes('--full');
const seedArg = args.indexOf('--seed');
const seed = seedArg >= 0 ? Number(args[seedArg + 1]) : 1;
if (!Number.isInteger(seed) || seed < 1) {
  console.error('soak: --seed takes a positive integer');
  process.exit(2);
}
const budget = full
  ? {
      frames: 1_000_000,
      link: 100_000,
      profiles: 5_000,
      noisy: 1_000,
      detaches: 20,
      kills: 5,
      retryRounds: 4,
    }
  : {
      frames: 20_000,
      link: 2_000,
      profiles: 1_000,
      noisy: 60,
      detaches: 4,
      kills: 2,
      retryRounds: 3,
    };

interface Row {
  part: string;
  cases: number;
  faults: string;
  findings: string[];
  seconds: number;
}
const rows: Row[] = [];
const t = () => performance.now();
const dir = mkdtempSync(join(tmpdir(), 'osprio-soak-'));
let failed = false;
try {
  console.log(`soak (${full ? 'full' : 'small'} budget, seed ${seed}) in ${dir}`);
  let t0 = t();
  const faults = await runFaults(join(dir, 'faults'), {
    seed,
    detaches: budget.detaches,
    kills: budget.kills,
    retryRounds: budget.retryRounds,
  });
  rows.push({
    part: 'faults: 126-PD slot',
    cases: faults.cases,
    faults: `${faults.faultsInjected} (readers, ${budget.detaches} detaches, ${budget.kills} kills) + line 1/1000`,
    findings: faults.findings,
    seconds: (t() - t0) / 1000,
  });
  for (const n of faults.notes) console.log(`  faults: ${n}`);

  t0 = t();
  const noisy = await noisySeeds(budget.noisy);
  rows.push({
    part: 'noisy line (1 % bytes)',
    cases: noisy.cases,
    faults: `${noisy.corrupted} frames corrupted`,
    findings: noisy.findings,
    seconds: (t() - t0) / 1000,
  });
  console.log(`  noisy: ${noisy.summary}`);

  for (const run of [
    () => fuzzFrames(seed, budget.frames),
    () => fuzzLink(seed, budget.link),
    () => fuzzProfiles(seed, budget.profiles),
  ]) {
    t0 = t();
    const r = await run();
    rows.push({
      part: r.name,
      cases: r.cases,
      faults: `${r.rejected} rejected`,
      findings: r.findings,
      seconds: (t() - t0) / 1000,
    });
  }

  // Custody: every log, everything the host wrote (the export included) and this run's report.
  t0 = t();
  const reportFile = join(dir, 'faults', 'host', 'soak-report.txt');
  mkdirSync(join(dir, 'faults', 'host'), { recursive: true });
  writeFileSync(
    reportFile,
    rows.map((r) => `${r.part}\t${r.cases}\t${r.faults}\t${r.findings.join('; ')}`).join('\n'),
  );
  const custody = scanCustody({
    files: [...faults.logFiles, ...faults.hostFiles, reportFile],
    exportFile: faults.exportFile,
    seedHex: faults.seedHex,
    scbkHex: faults.scbkHex,
  });
  rows.push({
    part: 'custody scan',
    cases: custody.files,
    faults: 'seed + 126 SCBKs searched',
    findings: custody.findings,
    seconds: (t() - t0) / 1000,
  });
} catch (e) {
  failed = true;
  console.error(`soak: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const head = ['part', 'cases', 'faults injected / rejected', 'findings', 's'];
const table = rows.map((r) => [
  r.part,
  r.cases.toLocaleString('en'),
  r.faults,
  String(r.findings.length),
  r.seconds.toFixed(1),
]);
const w = head.map((h, i) => Math.max(h.length, ...table.map((row) => row[i]!.length)));
console.log(`\n${head.map((h, i) => h.padEnd(w[i]!)).join('  ')}`);
for (const row of table)
  console.log(
    row
      .map((c, i) => (i === 1 || i === 3 || i === 4 ? c.padStart(w[i]!) : c.padEnd(w[i]!)))
      .join('  '),
  );
for (const r of rows) for (const f of r.findings) console.log(`finding [${r.part}]: ${f}`);
const findings = rows.reduce((a, r) => a + r.findings.length, 0);
console.log(`\n${findings} finding(s)${failed ? '; the soak itself failed' : ''}`);
process.exit(findings > 0 || failed ? 1 : 0);
