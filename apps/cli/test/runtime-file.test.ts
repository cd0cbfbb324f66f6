// The per-user runtime file: 0600 in a 0700 directory, entries of dead processes ignored, an entry
// removed on exit; `osprio devices` lists it; a command without --device uses the only device.
import { afterEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { listDevices, recordDevice, runtimeFile } from '../src/runtime-file.ts';
import { resolveDevice } from '../src/device-target.ts';
import { harness, type Harness } from './cli-harness.ts';

let h: Harness;
afterEach(() => h?.cleanup());

const entry = (port: number, over: Partial<{ slots: boolean; serialNumber: string }> = {}) => ({
  url: `ws://127.0.0.1:${port}/device?token=t${port}`,
  model: 'osprio-pro',
  serialNumber: over.serialNumber ?? `OPP-${port}`,
  slots: over.slots ?? true,
  liveQuickStep: true,
});

/** A pid that certainly belonged to a process that has exited. */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
    encoding: 'utf8',
  }).stdout as unknown as number;
}

describe('runtime file', () => {
  it('records an entry in a private file and removes it again', () => {
    h = harness();
    const remove = recordDevice(entry(4001), h.env);
    const file = runtimeFile(h.env);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(h.env.OSPRIO_RUNTIME_DIR!)).mode & 0o777).toBe(0o700);
    expect(listDevices(h.env).map((d) => [d.url, d.pid])).toEqual([[entry(4001).url, process.pid]]);
    const remove2 = recordDevice(entry(4002), h.env);
    expect(listDevices(h.env)).toHaveLength(2);
    remove();
    expect(listDevices(h.env).map((d) => d.url)).toEqual([entry(4002).url]);
    remove2();
    expect(existsSync(file)).toBe(false);
  });

  it('ignores entries whose process is gone, and a torn file', () => {
    h = harness();
    mkdirSync(h.env.OSPRIO_RUNTIME_DIR!, { recursive: true, mode: 0o700 });
    const pid = Number(deadPid());
    writeFileSync(
      runtimeFile(h.env),
      JSON.stringify({ devices: [{ ...entry(4003), pid, startedAt: '' }] }),
      { mode: 0o600 },
    );
    expect(listDevices(h.env)).toEqual([]);
    writeFileSync(runtimeFile(h.env), '{"devices": [', { mode: 0o600 });
    expect(listDevices(h.env)).toEqual([]);
    const remove = recordDevice(entry(4004), h.env);
    expect(JSON.parse(readFileSync(runtimeFile(h.env), 'utf8')).devices).toHaveLength(1);
    remove();
  });

  it('osprio devices lists the running devices; --json too', async () => {
    h = harness();
    expect((await h.cli(['devices'])).out).toMatch(/no device runs on this computer/);
    const remove = recordDevice(entry(4005), h.env);
    const human = await h.cli(['devices']);
    expect(human.code).toBe(0);
    expect(human.out).toMatch(
      /osprio-pro\s+OPP-4005\s+quick-step\+slots\s+\d+\s+ws:\/\/127\.0\.0\.1:4005\/device\?token=t4005/,
    );
    const json = JSON.parse((await h.cli(['devices', '--json'])).out) as {
      devices: { serialNumber: string }[];
    };
    expect(json.devices.map((d) => d.serialNumber)).toEqual(['OPP-4005']);
    remove();
  });

  it('without --device: the one device that fits; none → exit 3; several → exit 2 naming them', async () => {
    h = harness();
    expect(() => resolveDevice(undefined, 'slots', h.env)).toThrow(
      /no device runs on this computer/,
    );
    const a = recordDevice(entry(4006), h.env);
    expect(resolveDevice(undefined, 'slots', h.env)).toMatchObject({
      url: entry(4006).url,
      where: 'ws://127.0.0.1:4006/device',
      serialNumber: 'OPP-4006',
    });
    const b = recordDevice(
      { ...entry(4007, { slots: false, serialNumber: 'OPM-4007' }), model: 'osprio-mini' },
      h.env,
    );
    // osprio start runs a Pro and a Mini: slot commands take the Pro, a live quick-step cannot choose.
    expect(resolveDevice(undefined, 'slots', h.env).url).toBe(entry(4006).url);
    expect(() => resolveDevice(undefined, 'live', h.env)).toThrow(
      /2 devices run on this computer .*pick one with --device/,
    );
    const r = await h.cli(['live', '--address', '5', '--baud', '9600', '--discard-key']);
    expect([r.code, r.err]).toEqual([2, expect.stringMatching(/pick one with --device/)]);
    expect(r.err).not.toContain('token');
    a();
    b();
    const none = await h.cli(['slots']);
    expect([none.code, none.err]).toEqual([
      3,
      expect.stringMatching(/no device runs on this computer/),
    ]);
  });
});
