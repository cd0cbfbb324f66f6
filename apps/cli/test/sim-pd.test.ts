import { afterEach, describe, expect, it } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { freePort } from '../../../test-support/net.ts';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../bin/osprio.js', import.meta.url));
const children: ChildProcess[] = [];
const dirs: string[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Starts `osprio sim pd` and resolves once it listens; collects its stderr lines. */
async function simPd(args: string[]): Promise<{ port: number; stderr: string[] }> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [bin, 'sim', 'pd', '--listen', `127.0.0.1:${port}`, ...args],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  children.push(child);
  const stderr: string[] = [];
  child
    .stderr!.setEncoding('utf8')
    .on('data', (d: string) => stderr.push(...d.split('\n').filter(Boolean)));
  await new Promise<void>((resolve, reject) => {
    child
      .stdout!.setEncoding('utf8')
      .on('data', (d: string) => d.includes('listening') && resolve());
    child.once('exit', (code) => reject(new Error(`sim pd exited ${code}: ${stderr.join('\n')}`)));
  });
  return { port, stderr };
}

function provision(port: number, extra: string[]) {
  return spawnSync(
    process.execPath,
    [
      bin,
      'provision',
      '--bus',
      `tcp://127.0.0.1:${port}`,
      '--address',
      '5',
      '--baud',
      '9600',
      ...extra,
    ],
    { encoding: 'utf8', timeout: 60_000 },
  );
}

describe('osprio provision against osprio sim pd over TCP (real processes)', () => {
  it('keys the PD end to end, and the exported key is the key the PD logged', async () => {
    const pd = await simPd(['--reveal-keys']);
    const dir = mkdtempSync(join(tmpdir(), 'osprio-e2e-'));
    dirs.push(dir);
    const file = join(dir, 'keys.json');
    const r = provision(pd.port, ['--export', file, '--auto-verify']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/✓ key verify/);
    await new Promise((res) => setTimeout(res, 200));
    const logged = pd.stderr
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(logged.find((e) => e.event === 'comset')).toMatchObject({ address: 5, baud: 9600 });
    const keyset = logged.find((e) => e.event === 'keyset');
    expect(keyset).toMatchObject({ address: 5, installMode: false });
    const exported = JSON.parse(readFileSync(file, 'utf8'));
    expect(exported.scbks).toEqual([{ pdAddress: 5, baudrate: 9600, scbkHex: keyset!.scbk }]);
    expect(r.stdout).not.toContain(String(keyset!.scbk));
  });

  it('logs KEYSET without key bytes unless --reveal-keys, and a keyed PD ends scbk_rejected', async () => {
    const fresh = await simPd([]);
    expect(provision(fresh.port, ['--discard-key']).status).toBe(0);
    await new Promise((res) => setTimeout(res, 200));
    const keyset = fresh.stderr
      .map((l) => (l.startsWith('{') ? JSON.parse(l) : {}))
      .find((e) => e.event === 'keyset');
    expect(keyset).toBeDefined();
    expect(keyset).not.toHaveProperty('scbk');

    const keyed = await simPd(['--scbk', '000102030405060708090a0b0c0d0e0f']);
    const r = provision(keyed.port, ['--discard-key']);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/FAILED: scbk_rejected/);
  });

  it('commissions `osprio sim pd --fault enforce-secure` (COMSET inside the install session)', async () => {
    const pd = await simPd(['--fault', 'enforce-secure']);
    const r = provision(pd.port, ['--discard-key', '--auto-verify']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(
      /^ok — .*requires the secure channel .*install session was opened first/m,
    );
    // Milestones in the order used: the install session passes before COMSET does.
    expect(r.stdout.indexOf('✓ install session')).toBeLessThan(r.stdout.indexOf('✓ comset'));
    await new Promise((res) => setTimeout(res, 200));
    const logged = pd.stderr
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(logged.find((e) => e.event === 'comset')).toMatchObject({ address: 5, baud: 9600 });
    expect(logged.find((e) => e.event === 'keyset')).toMatchObject({
      address: 5,
      installMode: false,
    });
  });

  it('rejects bad flags with a usage message and exit code 2', () => {
    for (const args of [
      ['--listen', '0.0.0.0:4001'],
      ['--listen', 'nope'],
      ['--listen', '127.0.0.1:1', '--fault', 'bogus'],
      ['--listen', '127.0.0.1:1', '--scbk', '0011'],
      ['--listen', '127.0.0.1:1', '--address', '200'],
      ['--listen', '127.0.0.1:1', '--baud', '1234'],
    ]) {
      const r = spawnSync(process.execPath, [bin, 'sim', 'pd', ...args], { encoding: 'utf8' });
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/^osprio sim pd: /);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });
});
