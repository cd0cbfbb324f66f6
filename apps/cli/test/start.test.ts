// `npm start` runs `osprio start`: an emulated Pro and Mini on loopback. This spawns it as a user
// would, reads the addresses it prints and checks each device answers as its model should.
import { afterEach, describe, expect, it } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../bin/osprio.js', import.meta.url));
let child: ChildProcess | undefined;
let home: string | undefined;
afterEach(() => {
  child?.kill('SIGKILL');
  if (home) rmSync(home, { recursive: true, force: true });
});

describe('osprio start (npm start)', () => {
  it('runs an Osprio Pro and an Osprio Mini on loopback and stops cleanly on SIGTERM', async () => {
    home = mkdtempSync(join(tmpdir(), 'osprio-start-'));
    // The emulators' flash goes under XDG_STATE_HOME: keep it out of the real home directory.
    const env = {
      ...process.env,
      HOME: home,
      XDG_STATE_HOME: join(home, 'state'),
      OSPRIO_RUNTIME_DIR: join(home, 'run'),
    };
    const proc = spawn(process.execPath, [bin, 'start', '--speed', 'max'], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = proc;
    let out = '';
    proc.stdout!.setEncoding('utf8');
    const urls = await new Promise<string[]>((resolve, reject) => {
      proc.stdout!.on('data', (d: string) => {
        out += d;
        const found = [
          ...out.matchAll(/Osprio (?:Pro|Mini)\s+(ws:\/\/127\.0\.0\.1:\d+\/\S+)/g),
        ].map((m) => m[1]!);
        if (found.length === 2) resolve(found);
      });
      proc.once('exit', (code) => reject(new Error(`osprio start exited ${code}: ${out}`)));
    });
    const status = (url: string) =>
      spawnSync(process.execPath, [bin, 'status', '--device', url, '--json'], {
        encoding: 'utf8',
        env,
        timeout: 30_000,
      });
    const pro = JSON.parse(status(urls[0]!).stdout);
    const mini = JSON.parse(status(urls[1]!).stdout);
    expect(pro.identity.model).toBe('osprio-pro');
    expect(pro.status).toMatchObject({ liveQuickStep: true, slots: true, offlineAutonomous: true });
    expect(mini.identity.model).toBe('osprio-mini');
    expect(mini.status).toMatchObject({ liveQuickStep: true, slots: false });
    // Both are in the runtime file, so `osprio devices` lists them (and slot commands find the Pro).
    const devices = () =>
      JSON.parse(
        spawnSync(process.execPath, [bin, 'devices', '--json'], {
          encoding: 'utf8',
          env,
          timeout: 30_000,
        }).stdout,
      ) as { devices: { url: string; model: string }[] };
    expect(
      devices()
        .devices.map((d) => [d.model, d.url])
        .sort(),
    ).toEqual([
      ['osprio-mini', urls[1]],
      ['osprio-pro', urls[0]],
    ]);
    const exited = new Promise<number | null>((resolve) =>
      proc.once('exit', (code) => resolve(code)),
    );
    proc.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(devices().devices).toEqual([]);
  });
});
