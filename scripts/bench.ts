// `npm run bench`: runs every benchmark of the repository in turn. Benchmarks print figures and
// ratios; they never pass or fail on wall-clock time.
import { readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const roots = ['packages', 'apps'];
const files: string[] = [];
for (const root of roots) {
  for (const pkg of readdirSync(root)) {
    const dir = join(root, pkg, 'bench');
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir).sort()) if (f.endsWith('.bench.ts')) files.push(join(dir, f));
  }
}
if (files.length === 0) console.log('no benchmarks found');
for (const file of files) {
  console.log(`\n== ${file}`);
  await import(pathToFileURL(join(process.cwd(), file)).href);
}
