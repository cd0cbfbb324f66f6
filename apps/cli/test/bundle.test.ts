// The esbuild bundles (`npm run build:cli`, run by `prepare`) behave as the sources do: main.js keeps
// its subcommands lazy, status.cjs holds `osprio status` alone, and the launcher runs each only while
// it is current. Other tests run the sources.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRequire } from 'node:module';
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
import type * as Launch from '../bin/launch.cjs';

// The launcher is CommonJS (apps/cli/bin/package.json), so it is loaded as Node loads it.
const { chooseEntry } = createRequire(import.meta.url)('../bin/launch.cjs') as typeof Launch;

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

  /** The bundle entry answers each argv exactly as the sources do: exit code, stdout, stderr. */
  const sameAsSources = (entry: string, argvs: string[][]) => {
    for (const args of argvs) {
      const b = run(join(out, entry), args);
      const s = run(bin, args);
      expect({ args, status: b.status, stdout: b.stdout, stderr: b.stderr }).toEqual({
        args,
        status: s.status,
        stdout: s.stdout,
        stderr: s.stderr,
      });
    }
  };

  it('prints the same help and decodes the same frames as the sources', () => {
    sameAsSources('main.js', [
      ['--help'],
      ['decode', ID_FRAME],
      ['decode', '--json', ID_FRAME],
      ['status'],
    ]);
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

  it('answers `osprio status` from status.cjs exactly as the sources do', () => {
    sameAsSources('status.cjs', [
      ['status', '--help'],
      ['status', '--bogus'],
      ['status', 'extra'],
      ['status', '--device', 'not a url'],
      ['status', '--device', 'ws://127.0.0.1:1/device?token=x', '--timeout', '500'],
      ['status', '--timeout'],
    ]);
  });

  it('starts `status` light: status.cjs holds no other command, ws, link server, engine, cipher or session library', () => {
    const text = readFileSync(join(out, 'status.cjs'), 'utf8');
    expect(text.startsWith('"use strict"')).toBe(true); // CommonJS: no ES module loader at start
    expect(text).toMatch(/packages\/link\/src\/transports\/ws-socket-node\.ts/);
    expect(text).toMatch(/apps\/cli\/src\/commands\/status\.ts/);
    for (const heavy of [
      /apps\/cli\/src\/commands\/(?!status|register-status)[a-z-]+\.ts/,
      /node_modules\/ws\//,
      /packages\/link\/src\/link-server\.ts/,
      /packages\/provisioner\/src\/commissioning\//,
      /packages\/osdp\/src\/secure-channel\.ts/,
      /node_modules\/@noble\//,
      /packages\/host\/src\/device-session\.ts/,
      /node_modules\/age-encryption\//,
    ])
      expect(text).not.toMatch(heavy);
  });

  it('lists the sources each bundle was built from', () => {
    const m = JSON.parse(readFileSync(join(out, 'inputs.json'), 'utf8')) as {
      builtAt: number;
      inputs: Record<string, string[]>;
    };
    expect(m.inputs['main.js']).toContain('apps/cli/src/main.ts');
    expect(m.inputs['main.js']).toContain('packages/osdp/src/frame.ts');
    expect(m.inputs['status.cjs']).toContain('apps/cli/src/commands/status.ts');
    expect(m.inputs['status.cjs']).not.toContain('apps/cli/src/main.ts');
    for (const list of Object.values(m.inputs))
      expect(list.every((p) => !p.includes('node_modules'))).toBe(true);
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
    writeFileSync(join(dir, 'src/s.ts'), '');
    writeFileSync(join(dir, 'dist/main.js'), '');
    writeFileSync(join(dir, 'dist/status.cjs'), '');
    root = pathToFileURL(`${dir}/`);
    dist = new URL('dist/', root);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const manifest = (builtAt: number, main = ['src/a.ts', 'src/s.ts'], status = ['src/s.ts']) =>
    writeFileSync(
      join(dir, 'dist/inputs.json'),
      JSON.stringify({ builtAt, inputs: { 'main.js': main, 'status.cjs': status } }),
    );
  const touch = (file: string, ms: number) => utimesSync(join(dir, file), ms / 1000, ms / 1000);
  const choose = (argv: string[], env = {}) => chooseEntry(dist, root, argv, env);

  it('runs the status-only bundle for `osprio status`, the whole one for anything else', () => {
    touch('src/a.ts', 1_000_000);
    touch('src/s.ts', 1_000_000);
    manifest(2_000_000);
    expect(choose(['status', '--device', 'ws://x'])).toBe('status.cjs');
    expect(choose(['status'])).toBe('status.cjs');
    for (const argv of [[], ['--help'], ['help', 'status'], ['statu'], ['decode', 'status']])
      expect(choose(argv)).toBe('main.js');
  });
  it('runs the sources when a source of that bundle changed after the build, or is gone', () => {
    touch('src/a.ts', 3_000_000); // in main.js only
    manifest(2_000_000);
    expect(choose(['--help'])).toBe('sources');
    expect(choose(['status'])).toBe('status.cjs');
    touch('src/s.ts', 3_000_000); // in both
    expect(choose(['status'])).toBe('sources');
    manifest(4_000_000, ['src/a.ts', 'src/gone.ts'], ['src/s.ts', 'src/gone.ts']);
    expect(choose(['--help'])).toBe('sources');
    expect(choose(['status'])).toBe('sources');
  });
  it('runs the sources when asked to, or when there is no (readable) bundle', () => {
    manifest(4_000_000);
    expect(choose(['--help'])).toBe('main.js');
    expect(choose(['--help'], { OSPRIO_CLI_FROM_SOURCE: '1' })).toBe('sources');
    expect(choose(['status'], { OSPRIO_CLI_FROM_SOURCE: '1' })).toBe('sources');
    rmSync(join(dir, 'dist/status.cjs'));
    expect(choose(['status'])).toBe('sources');
    expect(choose(['--help'])).toBe('main.js');
    writeFileSync(join(dir, 'dist/status.cjs'), '');
    writeFileSync(
      join(dir, 'dist/inputs.json'),
      JSON.stringify({ builtAt: 4_000_000, inputs: ['src/a.ts'] }),
    );
    expect(choose(['--help'])).toBe('sources'); // the old single-list manifest
    writeFileSync(join(dir, 'dist/inputs.json'), '{not json');
    expect(choose(['--help'])).toBe('sources');
    rmSync(join(dir, 'dist/inputs.json'));
    expect(choose(['--help'])).toBe('sources');
  });
});
