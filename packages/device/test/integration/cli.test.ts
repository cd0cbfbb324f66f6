// The real CLI as a person runs it: `osprio device --sim` prints its address and stops cleanly on
// SIGTERM; `osprio status` prints identity, status, opening screen and slots (never a seed), and
// says clearly why it could not.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toHex } from '@osprio/osdp';
import {
  SEED,
  connectHost,
  plan,
  runCli,
  spawnEmulator,
  startTestEmulator,
  tmpStateDir,
} from './support.ts';
import type { EmulatorChild } from './support.ts';
import { runDevice } from '../../../../apps/cli/src/commands/device.ts';
import type { DeviceCommandOptions } from '../../../../apps/cli/src/commands/device.ts';
import { runStatus } from '../../../../apps/cli/src/commands/status.ts';
import type { StatusOptions } from '../../../../apps/cli/src/commands/status.ts';

describe('osprio device --sim and osprio status (child processes)', () => {
  let emu: EmulatorChild;
  beforeAll(async () => {
    emu = await spawnEmulator([
      '--speed',
      'max',
      '--state-dir',
      tmpStateDir(),
      '--quiet',
      '--pds',
      '0',
    ]); // no readers: the technician cannot run the plan
    const c = await connectHost(emu.url);
    await plan(c, 1, 5, 'North wing');
    await c.verb({ slot: 1, stepIndex: 0, verb: 'skip' });
    c.close();
  });
  afterAll(() => {
    emu?.child.kill('SIGKILL');
  });

  it('status prints identity, modes, opening screen and every slot summary', async () => {
    // The previous host's link may still be closing on the device side: allow it a moment.
    let r = await runCli(['status', '--device', emu.url]);
    for (let i = 0; i < 20 && r.stderr.includes('in use'); i++)
      r = await runCli(['status', '--device', emu.url]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /device\s+osprio-pro\s+serial OPP-000001\s+firmware 1\.0\.0-emu\s+protocol 1/,
    );
    expect(r.stdout).toMatch(/live quick-step: yes\s+slots: yes\s+offline autonomous: yes/);
    expect(r.stdout).toContain('4 slots, at most 126 steps per slot');
    expect(r.stdout).toContain('opens on  mode picker');
    const row = r.stdout.split('\n').find((l) => /^\s+1\s/.test(l))!;
    expect(row.trim().split(/\s{2,}/)).toEqual([
      '1',
      'ready',
      'North wing',
      '00000000-0000-4000-8000-000000000002',
      '5',
      '0',
      '0',
      '1',
      '4',
      '1',
    ]);
    expect(r.stdout).not.toContain(toHex(SEED));
  });

  it('status --json carries the same facts', async () => {
    const r = await runCli(['status', '--device', emu.url, '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as {
      identity: { model: string };
      openingScreen: string;
      slots: { state: string; counters: { skipped: number } }[];
    };
    expect(j.identity.model).toBe('osprio-pro');
    expect(j.openingScreen).toBe('mode-picker');
    expect(j.slots.map((s) => s.state)).toEqual(['empty', 'ready', 'empty', 'empty']);
    expect(j.slots[1]!.counters.skipped).toBe(1);
    expect(r.stdout.toLowerCase()).not.toContain(toHex(SEED));
  });

  it('status explains refusals and failures in one line (exit 3 unreachable), bad usage exits 2', async () => {
    const base = emu.url.replace(/\?.*$/, '');
    const wrong = await runCli(['status', '--device', `${base}?token=nope`]);
    expect([wrong.code, wrong.stderr]).toEqual([
      3,
      expect.stringMatching(/refused the connection: missing or wrong token/),
    ]);
    expect(wrong.stderr).not.toContain('nope');
    // The same code in-process (a spawn costs a second of start-up each).
    const run = async (o: StatusOptions) => {
      const err: string[] = [];
      // No device in the (empty) runtime file: --device is needed.
      const code = await runStatus(o, {
        out: () => {},
        err: (l) => err.push(l),
        env: { OSPRIO_RUNTIME_DIR: tmpStateDir() },
      });
      return { code, err: err.join('\n') };
    };
    const origin = await run({ device: emu.url, origin: 'https://evil.example' });
    expect(origin).toEqual({ code: 3, err: expect.stringMatching(/origin not allowed/) });
    expect(origin.err).not.toContain(emu.url.split('token=')[1]!);
    const down = await run({ device: 'ws://127.0.0.1:9/device?token=x' });
    expect(down).toEqual({
      code: 3,
      err: expect.stringMatching(/cannot reach a device at ws:\/\/127\.0\.0\.1:9\/device/),
    });
    expect(await run({})).toEqual({
      code: 3,
      err: expect.stringMatching(/no device runs on this computer/),
    });
    for (const bad of [
      { device: 'not a url' },
      { device: 'http://127.0.0.1:1/' },
      { device: emu.url, timeout: 'soon' },
    ]) {
      const r = await run(bad);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/usage: osprio status/);
    }
  });

  it('status of a Mini: quick-step only, opens on the quick-step queue, no slot table', async () => {
    const mini = await startTestEmulator({ model: 'mini' });
    const out: string[] = [];
    const code = await runStatus(
      { device: mini.url },
      { out: (l) => out.push(l), err: (l) => out.push(l) },
    );
    await mini.close();
    expect(code).toBe(0);
    expect(out.join('\n')).toMatch(
      /device\s+osprio-mini[\s\S]*slots: no[\s\S]*0 slots[\s\S]*opens on {2}quick-step queue$/,
    );
  });

  it('status says the device is in use while another host holds it', async () => {
    const c = await connectHost(emu.url);
    const r = await runCli(['status', '--device', emu.url]);
    c.close();
    expect([r.code, r.stderr]).toEqual([4, expect.stringMatching(/is in use: another host/)]);
  });
});

describe('osprio device flags and shutdown', () => {
  it('bad flags print a usage message and exit 2', async () => {
    const [unknown, faults] = await Promise.all([
      runCli(['device', '--sim', '--bogus']),
      runCli(['device', '--sim', '--faults', '3:gremlins']),
    ]);
    expect([unknown.code, unknown.stderr]).toEqual([
      2,
      expect.stringMatching(/unknown option '--bogus'/),
    ]);
    expect([faults.code, faults.stderr]).toEqual([
      2,
      expect.stringMatching(
        /--faults: step 3: unknown fault "gremlins"[\s\S]*usage: osprio device/,
      ),
    ]);
    for (const o of [
      {},
      { sim: true, model: 'max' },
      { sim: true, listen: '0.0.0.0:4000' },
      { sim: true, listen: '127.0.0.1:70000' },
      { sim: true, speed: 'fast' },
      { sim: true, speed: '0' },
      { sim: true, pds: '300' },
      { sim: true, faults: '200:absent' },
      { sim: true, faults: 'random:2' },
      { sim: true, faults: '4:slow:abc' },
      { sim: true, origin: ['not-an-origin'] },
      { sim: true, origin: ['http://127.0.0.1:5173/path'] },
    ] as DeviceCommandOptions[]) {
      const err: string[] = [];
      const code = await runDevice(o, {
        out: () => {},
        err: (l) => err.push(l),
        stopSignal: () => new Promise(() => {}),
      });
      expect(code, JSON.stringify(o)).toBe(2);
      expect(err.join('\n'), JSON.stringify(o)).toMatch(
        /^osprio device: .+\n[\s\S]*usage: osprio device/,
      );
    }
  });

  it('--listen [::1]:PORT is refused (the emulator serves 127.0.0.1 only), not silently bound to 127.0.0.1', async () => {
    const err: string[] = [];
    const code = await runDevice(
      { sim: true, listen: '[::1]:4000' },
      { out: () => {}, err: (l) => err.push(l), stopSignal: () => new Promise(() => {}) },
    );
    expect(code).toBe(2);
    expect(err[0]).toBe(
      'osprio device: --listen: the emulator serves on 127.0.0.1 only, not [::1]; use 127.0.0.1:4000',
    );
  });

  it('SIGTERM shuts the emulator down cleanly (exit 0)', async () => {
    const e = await spawnEmulator([
      '--speed',
      'max',
      '--state-dir',
      tmpStateDir(),
      '--model',
      'pro',
    ]);
    expect(e.stdout()).toMatch(/state dir \(the device's flash\): \S+/);
    e.child.kill('SIGTERM');
    expect(await e.exited).toBe(0);
    expect(e.stdout()).toContain('SIGTERM: shutting down');
  });

  it('--modes makes each opening screen reachable from the CLI: slots-only opens on the slot list', async () => {
    const e = await spawnEmulator([
      '--speed',
      'max',
      '--state-dir',
      tmpStateDir(),
      '--quiet',
      '--no-technician',
      '--modes',
      'slots',
    ]);
    try {
      const r = await runCli(['status', '--device', e.url]);
      expect(r.stderr).toBe('');
      expect(r.stdout).toMatch(/live quick-step: no\s+slots: yes/);
      expect(r.stdout).toContain('opens on  slot list');
    } finally {
      e.child.kill('SIGKILL');
    }
  });

  it('--modes is checked, and defaults from --model', async () => {
    const { parseDeviceOptions } = await import('../../../../apps/cli/src/commands/device.ts');
    expect(parseDeviceOptions({ sim: true }).modes).toBe('both');
    expect(parseDeviceOptions({ sim: true, model: 'mini' }).modes).toBe('quick-step');
    expect(parseDeviceOptions({ sim: true, modes: 'quick-step' }).modes).toBe('quick-step');
    expect(() => parseDeviceOptions({ sim: true, modes: 'all' })).toThrow(
      /--modes must be quick-step, slots or both/,
    );
    expect(() => parseDeviceOptions({ sim: true, model: 'mini', modes: 'slots' })).toThrow(
      /mini has no slots/,
    );
  });
});
