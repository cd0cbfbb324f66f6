// The CLI as a user runs it: `node apps/cli/bin/osprio.js …` as child processes. `osprio device`
// records itself in the runtime file, so no command below needs --device; SIGTERM removes it.
import { afterAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../bin/osprio.js', import.meta.url));
const home = mkdtempSync(join(tmpdir(), 'osprio-cli-proc-'));
const env = {
  ...process.env,
  HOME: home,
  XDG_STATE_HOME: join(home, 'state'),
  OSPRIO_RUNTIME_DIR: join(home, 'run'),
};
let device: ChildProcess | undefined;
afterAll(() => {
  device?.kill('SIGKILL');
  rmSync(home, { recursive: true, force: true });
});

const osprio = (...args: string[]) =>
  spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env, timeout: 30_000 });

describe('osprio in real processes', () => {
  it(
    'device → devices → slot create → try → watch → export, all without --device; usage errors exit 2',
    { timeout: 90_000 },
    async () => {
      const child = spawn(
        process.execPath,
        [
          bin,
          'device',
          '--sim',
          '--speed',
          'max',
          '--pds',
          '3',
          '--no-technician',
          '--quiet',
          '--state-dir',
          join(home, 'flash'),
        ],
        { env, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      device = child;
      let out = '';
      const url = await new Promise<string>((resolve, reject) => {
        child.stdout!.setEncoding('utf8').on('data', (d: string) => {
          out += d;
          const m = /connect a host to: (ws:\/\/\S+)/.exec(out);
          if (m) resolve(m[1]!);
        });
        child.once('exit', (code) => reject(new Error(`device exited ${code}`)));
      });
      const listed = JSON.parse(osprio('devices', '--json').stdout) as {
        devices: { url: string; pid: number }[];
      };
      expect(listed.devices).toEqual([expect.objectContaining({ url, pid: child.pid })]);
      expect(statSync(join(home, 'run', 'devices.json')).mode & 0o777).toBe(0o600);

      const created = osprio(
        'slot',
        'create',
        '0',
        '--name',
        'Proc',
        '--count',
        '3',
        '--baud',
        '19200',
        '--yes',
      );
      expect(created.status, created.stderr).toBe(0);
      expect(created.stdout).not.toContain('\r'); // not a terminal: plain progress lines, no bar
      expect(created.stdout).toMatch(/uploading steps: 3\/3\nslot 0 sealed: ready/);
      const tried = osprio('try', '0', '--all-pending', '--wait');
      expect(tried.status, tried.stdout + tried.stderr).toBe(0);
      expect(tried.stdout).toMatch(/3 of 3 attempts succeeded/);
      const watched = osprio('watch', '0', '--json');
      expect(watched.status).toBe(0);
      expect(
        watched.stdout
          .trim()
          .split('\n')
          .map((l) => (JSON.parse(l) as { type: string }).type),
      ).toEqual(['snapshot', 'complete']);
      const file = join(home, 'keys.csv');
      expect(osprio('export', '0', '--format', 'csv', '--out', file).status).toBe(0);
      expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(4);

      const usage = osprio('try', '0', '--all-pendin');
      expect([usage.status, usage.stderr]).toEqual([
        2,
        expect.stringMatching(/unknown option '--all-pendin'[\s\S]*Did you mean --all-pending\?/),
      ]);
      expect(osprio('export', '0', '--out', join(home, 'x.csv')).status).toBe(2);

      const exited = new Promise<number | null>((resolve) =>
        child.once('exit', (code) => resolve(code)),
      );
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(
        (JSON.parse(osprio('devices', '--json').stdout) as { devices: unknown[] }).devices,
      ).toEqual([]);
      const none = osprio('slots');
      expect([none.status, none.stderr]).toEqual([
        3,
        expect.stringMatching(/no device runs on this computer/),
      ]);
    },
  );
});

describe('osprio writing into a closed pipe', () => {
  it('stops quietly when the reader has gone (`osprio --help | head -1`), with no EPIPE trace', async () => {
    const child = spawn(process.execPath, [bin, '--help'], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.destroy(); // the reader closes before the CLI has written a line
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect({ code, err }).toEqual({ code: 0, err: '' });
  });
});
