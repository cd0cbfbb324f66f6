// `osprio device` speaks the shared exit codes: its flash held by another emulator → 4 (in use),
// its port taken → 3; a started emulator is in the runtime file until it stops.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator } from '@osprio/device/emulator';
import { runDevice } from '../src/commands/device.ts';
import { listDevices } from '../src/runtime-file.ts';
import { harness } from './cli-harness.ts';

const h = harness();
afterAll(() => h.cleanup());

describe('osprio device exit codes', () => {
  it('4 when the state dir is in use, 3 when the port is taken; recorded while it runs', async () => {
    const flash = mkdtempSync(join(tmpdir(), 'osprio-cli-flash-'));
    const emu = await startEmulator({
      model: 'pro',
      speed: 'max',
      stateDir: flash,
      pds: 0,
      technician: false,
      durable: false,
    });
    const err: string[] = [];
    const io = (stop: Promise<string>) => ({
      out: () => {},
      err: (l: string) => err.push(l),
      stopSignal: () => stop,
      env: h.env,
    });
    try {
      expect(
        await runDevice({ sim: true, stateDir: flash, speed: 'max' }, io(new Promise(() => {}))),
      ).toBe(4);
      expect(err.join('\n')).toMatch(/the state dir is in use by another emulator/);
      expect(
        await runDevice(
          {
            sim: true,
            stateDir: join(h.dir, 'other'),
            listen: `127.0.0.1:${emu.port}`,
            speed: 'max',
          },
          io(new Promise(() => {})),
        ),
      ).toBe(3);
      expect(err.join('\n')).toMatch(new RegExp(`port ${emu.port} is already in use`));
    } finally {
      await emu.close();
      rmSync(flash, { recursive: true, force: true });
    }
    let stop!: (s: string) => void;
    const running = runDevice(
      { sim: true, stateDir: join(h.dir, 'flash2'), speed: 'max', quiet: true },
      io(new Promise((r) => (stop = r))),
    );
    for (let i = 0; i < 200 && listDevices(h.env).length === 0; i++)
      await new Promise((r) => setTimeout(r, 25));
    expect(listDevices(h.env)).toEqual([
      expect.objectContaining({
        model: 'osprio-pro',
        slots: true,
        liveQuickStep: true,
        pid: process.pid,
      }),
    ]);
    stop('SIGTERM');
    expect(await running).toBe(0);
    expect(listDevices(h.env)).toEqual([]);
  });
});
