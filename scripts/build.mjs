// `prepare` (run by `npm ci`): every `build:*` script of the root package.json, in order — the CLI
// bundle (build:cli) and the workspace build (build:workspace) — so adding a build needs no edit here.
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

const scripts =
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).scripts ?? {};
const npm = process.env.npm_execpath;
for (const name of Object.keys(scripts).filter((n) => n.startsWith('build:'))) {
  // npm_execpath is npm's own CLI when run from npm; else the npm on PATH.
  const r = npm
    ? spawnSync(process.execPath, [npm, 'run', name], { stdio: 'inherit' })
    : spawnSync('npm', ['run', name], { stdio: 'inherit', shell: process.platform === 'win32' });
  if (r.status !== 0) {
    console.error(`prepare: npm run ${name} failed`);
    process.exit(r.status ?? 1);
  }
}
