// The esbuild bundle (`npm run build:cli`, run by `prepare`) behaves as the sources do, keeps its
// subcommands lazy, and the launcher runs it only while it is current. Other tests run the sources.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chooseEntry } from '../bin/launch.js';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const bin = fileURLToPath(new URL('../bin/osprio.js', import.meta.url));
const ID_FRAME = '530109000461006023'; // osdp_ID to 0x01, SQN 0 (reference §5.10 step 1)

describe('the CLI bundle', () => {
  let out = '';
  beforeAll(() => {
    out = mkdtempSync(join(tmpdir(), 'osprio-bundle-'));
    execFileSync(process.execPath, [join(repo, 'scripts/build-cli.mjs'), '--outdir', out], {
      cwd: repo,
      encoding: 'utf8',
    });
  }, 60_000);
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  const run = (entry: string, args: string[]) =>
    spawnSync(process.execPath, [entry, ...args], {
      cwd: tmpdir(),
      encoding: 'utf8',
      env: { ...process.env, OSPRIO_CLI_FROM_SOURCE: '1' },
    });

  it('prints the same help and decodes the same frames as the sources', () => {
    for (const args of [
      ['--help'],
      ['decode', ID_FRAME],
      ['decode', '--json', ID_FRAME],
      ['status'],
    ]) {
      const b = run(join(out, 'main.js'), args);
      const s = run(bin, args);
      expect({ args, status: b.status, stdout: b.stdout, stderr: b.stderr }).toEqual({
        args,
        status: s.status,
        stdout: s.stdout,
        stderr: s.stderr,
      });
    }
  });

  it('runs a whole quick-step (lazy chunks, the runtime-URL transports) against a simulated PD', () => {
    const r = run(join(out, 'main.js'), [
      'provision',
      '--bus',
      'sim:',
      '--address',
      '5',
      '--baud',
      '115200',
      '--discard-key',
      '--json',
    ]);
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ outcome: 'ok', address: 5, baud: 115200 });
    const tcp = run(join(out, 'main.js'), [
      'provision',
      '--bus',
      'tcp://127.0.0.1:1',
      '--address',
      '5',
      '--baud',
      '9600',
      '--discard-key',
    ]);
    expect(tcp.stderr).toMatch(/cannot connect/);
  });

  it('keeps each subcommand in its own chunk: the entry holds no commissioning engine', () => {
    const main = readFileSync(join(out, 'main.js'), 'utf8');
    expect(main).not.toMatch(/packages\/provisioner\/src\/commissioning/);
    const chunks = readdirSync(join(out, 'chunks'));
    for (const cmd of ['decode', 'provision', 'status', 'device', 'start', 'sim-pd'])
      expect(chunks.some((c) => c.startsWith(`${cmd}-`))).toBe(true);
  });

  it('starts `status` light: its chunks hold no ws, link server, engine, cipher or session library', () => {
    // Every chunk `status` loads, following static imports from its own chunk.
    const seen = new Set<string>();
    const walk = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const text = readFileSync(join(out, 'chunks', file), 'utf8');
      for (const m of text.matchAll(/from\s*"\.\/([^"]+\.js)"/g)) walk(m[1]!);
    };
    walk(readdirSync(join(out, 'chunks')).find((c) => c.startsWith('status-'))!);
    const loaded = [...seen].map((f) => readFileSync(join(out, 'chunks', f), 'utf8')).join('\n');
    expect(loaded).toMatch(/packages\/link\/src\/transports\/ws-socket-node\.ts/);
    for (const heavy of [
      /node_modules\/ws\//,
      /packages\/link\/src\/link-server\.ts/,
      /packages\/provisioner\/src\/commissioning\//,
      /packages\/osdp\/src\/secure-channel\.ts/,
      /node_modules\/@noble\//,
      /packages\/host\/src\/device-session\.ts/,
      /node_modules\/age-encryption\//,
    ])
      expect(loaded).not.toMatch(heavy);
  });

  it('lists the sources it was built from', () => {
    const m = JSON.parse(readFileSync(join(out, 'inputs.json'), 'utf8')) as {
      builtAt: number;
      inputs: string[];
    };
    expect(m.inputs).toContain('apps/cli/src/main.ts');
    expect(m.inputs).toContain('packages/osdp/src/frame.ts');
    expect(m.inputs.every((p) => !p.includes('node_modules'))).toBe(true);
  });
});

describe('the launcher', () => {
  let dir = '';
  let dist: URL;
  let root: URL;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'osprio-launch-'));
    mkdirSync(join(dir, 'src'));
    mkdirSync(join(dir, 'dist'));
    writeFileSync(join(dir, 'src/a.ts'), '');
    writeFileSync(join(dir, 'dist/main.js'), '');
    root = pathToFileURL(`${dir}/`);
    dist = new URL('dist/', root);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const manifest = (builtAt: number, inputs = ['src/a.ts']) =>
    writeFileSync(join(dir, 'dist/inputs.json'), JSON.stringify({ builtAt, inputs }));
  const touch = (ms: number) => utimesSync(join(dir, 'src/a.ts'), ms / 1000, ms / 1000);

  it('runs the bundle while every source is older than the build', () => {
    touch(1_000_000);
    manifest(2_000_000);
    expect(chooseEntry(dist, root, {})).toBe('bundle');
  });
  it('runs the sources when one changed after the build, or is gone', () => {
    touch(3_000_000);
    manifest(2_000_000);
    expect(chooseEntry(dist, root, {})).toBe('sources');
    manifest(4_000_000, ['src/a.ts', 'src/gone.ts']);
    expect(chooseEntry(dist, root, {})).toBe('sources');
  });
  it('runs the sources when asked to, or when there is no (readable) bundle', () => {
    manifest(4_000_000);
    expect(chooseEntry(dist, root, { OSPRIO_CLI_FROM_SOURCE: '1' })).toBe('sources');
    writeFileSync(join(dir, 'dist/inputs.json'), '{not json');
    expect(chooseEntry(dist, root, {})).toBe('sources');
    rmSync(join(dir, 'dist/inputs.json'));
    expect(chooseEntry(dist, root, {})).toBe('sources');
  });
});
