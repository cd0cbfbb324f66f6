// `npm run mutate:sample -- <package> [fraction] [seed] [--both-suites]`: a quick estimate of one
// package's mutation score, judged by that package's own tests (or, with --both-suites, by the
// osdp and provisioner suites together, as `npm run mutate` does). A full `npm run mutate` of a package takes hours on two
// cores; this runs StrykerJS on a random sample of its source lines (default 10 %, seed 1) and
// prints the score of the sampled mutants with a 95 % interval. Mutants that span more than one
// line (a whole block emptied) are not in the sample; the estimate is for single-line mutants.
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const bothSuites = args.includes('--both-suites');
const [pkg, fractionArg = '0.1', seedArg = '1'] = args.filter((a) => a !== '--both-suites');
if (pkg !== 'osdp' && pkg !== 'provisioner') {
  console.error('usage: npm run mutate:sample -- osdp|provisioner [fraction 0..1] [seed]');
  process.exit(2);
}
const fraction = Number(fractionArg);
let seed = Number(seedArg) >>> 0 || 1;
/** xorshift32: the same seed picks the same lines. */
function random() {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) / 2 ** 32;
}

const srcDir = join(root, 'packages', pkg, 'src');
const files = readdirSync(srcDir, { recursive: true })
  .map(String)
  .filter((f) => f.endsWith('.ts') && !f.endsWith('index.ts'))
  .sort();
const ranges = [];
for (const f of files) {
  const lines = readFileSync(join(srcDir, f), 'utf8').split('\n');
  lines.forEach((text, i) => {
    const code = text.trim();
    const isCode =
      code !== '' && !code.startsWith('//') && !code.startsWith('*') && !code.startsWith('/*');
    if (isCode && random() < fraction)
      ranges.push(`${relative(root, join(srcDir, f))}:${i + 1}-${i + 1}`);
  });
}
console.log(
  `mutate:sample: ${ranges.length} lines of ${files.length} files in packages/${pkg}/src`,
);
const r = spawnSync(
  'npx',
  ['stryker', 'run', '--mutate', ranges.join(','), '--reporters', 'progress-append-only,json'],
  {
    cwd: root,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: bothSuites ? process.env : { ...process.env, MUTATE_PACKAGE: pkg },
  },
);
if (r.status !== 0) process.exit(r.status ?? 1);

const result = JSON.parse(readFileSync(join(root, 'reports/mutation/mutation.json'), 'utf8'));
let detected = 0;
let valid = 0;
const survivors = [];
for (const [file, { mutants }] of Object.entries(result.files)) {
  for (const m of mutants) {
    if (m.status === 'Killed' || m.status === 'Timeout') detected++;
    if (['Killed', 'Timeout', 'Survived', 'NoCoverage'].includes(m.status)) valid++;
    if (m.status === 'Survived' || m.status === 'NoCoverage')
      survivors.push(
        `${relative(root, file)}:${m.location.start.line} ${m.mutatorName} → ${JSON.stringify(m.replacement ?? '')}`,
      );
  }
}
const p = valid ? detected / valid : 0;
const half = valid ? 1.96 * Math.sqrt((p * (1 - p)) / valid) : 0;
console.log(`\nsurvivors (${survivors.length}):\n${survivors.map((s) => `  ${s}`).join('\n')}`);
console.log(
  `\npackages/${pkg}/src (${bothSuites ? 'osdp + provisioner suites' : 'its own suite'}), sampled: ${detected}/${valid} mutants detected = ${(100 * p).toFixed(1)} % (95 % interval ±${(100 * half).toFixed(1)})`,
);
