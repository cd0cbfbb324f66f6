// Issue 9, must show: the emulator is killed and restarted (same flash, same port) under a running
// `osprio watch`: the watch re-attaches, backfills what happened meanwhile, and its rows end exactly
// as the device's own — no row lost, none printed twice. The watch found the device through the
// runtime file, so it also finds it again under the new token the restart brings.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator, type Emulator, type EmulatorOptions } from '@osprio/device/emulator';
import { recordDevice } from '../src/runtime-file.ts';
import { harness, type Harness } from './cli-harness.ts';

const h: Harness = harness();
let emu: Emulator | undefined;
let stateDir: string;
afterAll(async () => {
  await emu?.close();
  rmSync(stateDir, { recursive: true, force: true });
  h.cleanup();
});

// Every reader answers slowly (150 ms of bus time, within the spec's 200): a step takes long enough
// at speed 5 that the restart lands in the middle of the run.
const SLOW = Array.from({ length: 20 }, (_, i) => `${i}:slow:150`).join(',');

async function until(cond: () => boolean, what: string, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

type Event = {
  type: string;
  step?: number;
  state?: string;
  seq?: number;
  rows?: Record<string, unknown>[];
  [k: string]: unknown;
};

describe('osprio watch across a device restart', () => {
  it(
    're-attaches and backfills: its rows match the device, none lost or doubled',
    { timeout: 90_000 },
    async () => {
      stateDir = mkdtempSync(join(tmpdir(), 'osprio-watch-state-'));
      const opts: EmulatorOptions = {
        model: 'pro',
        speed: 5,
        stateDir,
        pds: 20,
        faults: SLOW,
        technician: false,
        durable: true,
      };
      emu = await startEmulator(opts);
      const port = emu.port;
      const record = (e: Emulator) =>
        recordDevice(
          {
            url: e.url,
            model: e.model,
            serialNumber: e.device.identity.serialNumber,
            slots: true,
            liveQuickStep: true,
          },
          h.env,
        );
      let unrecord = record(emu);

      expect(
        (
          await h.cli([
            'slot',
            'create',
            '0',
            '--name',
            'Restart',
            '--count',
            '20',
            '--baud',
            '38400',
            '--yes',
          ])
        ).code,
      ).toBe(0);
      expect((await h.cli(['try', '0', '--all-pending'])).code).toBe(0);

      const events: Event[] = [];
      const abort = new AbortController();
      const watching = h.cli(['watch', '0', '--json'], {
        signal: abort.signal,
        onOut: (l) => events.push(JSON.parse(l) as Event),
      });
      const successes = () =>
        events.filter((e) => e.type === 'row' && e.state === 'success').length;
      await until(() => successes() >= 3, 'three steps to succeed');
      expect(successes()).toBeLessThan(20);

      // Power cut: the device goes away mid-attempt; it comes back on the same flash and port (with
      // a new token, as a restarted `osprio device` would have).
      await emu.close();
      unrecord();
      await until(
        () => events.some((e) => e.type === 'link' && e.state === 'lost'),
        'the watch to notice',
      );
      emu = await startEmulator({ ...opts, port });
      unrecord = record(emu);
      await until(
        () => events.some((e) => e.type === 'link' && e.state === 'attached'),
        'the watch to re-attach',
      );

      // Let the attempts still queued run out, then stop the watch (Ctrl-C).
      const dev = emu.device;
      await until(() => {
        const r = dev.getSlot(0);
        return r.ok && r.slot.steps.every((s) => s.state !== 'attempting');
      }, 'the queue to drain');
      const deviceSeq = () => {
        const r = dev.getSlot(0);
        return r.ok ? r.slot.lastSeq : -1;
      };
      await until(
        () => events.some((e) => typeof e.seq === 'number' && e.seq >= deviceSeq()),
        'the watch to catch up',
        10_000,
      );
      abort.abort();
      const result = await watching;
      expect(result.code).toBe(0);
      expect(events.at(-1)).toMatchObject({ type: 'end', reason: 'interrupted' });
      unrecord();
      const truth = await h.cli(['slot', 'show', '0', '--json', '--device', emu.url]);
      expect(truth.code, truth.err).toBe(0);

      // Replay what the watch printed: the snapshot, then each row change.
      const shown = new Map<number, string>();
      const snapshot = events[0]!;
      expect(snapshot.type).toBe('snapshot');
      for (const r of snapshot.rows!) shown.set(r.step as number, JSON.stringify(r));
      const printed = new Map<number, string[]>();
      let lastSeq = 0;
      for (const e of events.filter((x) => x.type === 'row')) {
        const { type: _t, seq, ...row } = e;
        const text = JSON.stringify(row);
        expect(text, `step ${e.step} printed twice in a row`).not.toBe(shown.get(e.step!));
        shown.set(e.step!, text);
        printed.set(e.step!, [...(printed.get(e.step!) ?? []), text]);
        expect(seq!).toBeGreaterThanOrEqual(lastSeq);
        lastSeq = seq!;
      }
      const device = JSON.parse(truth.out) as { rows: Record<string, unknown>[] };
      expect(device.rows).toHaveLength(20);
      for (const r of device.rows)
        expect(JSON.parse(shown.get(r.step as number)!), `step ${r.step}`).toEqual(r);
      // The restart interrupted at least the attempt in flight: the watch showed that as it happened.
      expect(device.rows.some((r) => r.outcome === 'interrupted')).toBe(true);
      expect(events.some((e) => e.type === 'row' && e.outcome === 'interrupted')).toBe(true);
      // No step's final state appears twice.
      for (const [step, texts] of printed)
        expect(new Set(texts).size, `step ${step}`).toBe(texts.length);
    },
  );

  it(
    'ends by itself at complete (exit 0), printing each stage as it happens',
    { timeout: 60_000 },
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'osprio-watch-done-'));
      const e = await startEmulator({
        model: 'pro',
        speed: 5,
        stateDir: dir,
        pds: 4,
        faults: '0:slow:150,1:slow:150,2:slow:150,3:slow:150',
        technician: false,
        durable: false,
      });
      try {
        const cli = (argv: string[]) => h.cli([...argv, '--device', e.url]);
        expect(
          (await cli(['slot', 'create', '1', '--name', 'Quick', '--count', '4', '--yes'])).code,
        ).toBe(0);
        expect((await cli(['try', '1', '--all-pending'])).code).toBe(0);
        const abort = new AbortController();
        const timer = setTimeout(() => abort.abort(), 30_000);
        const r = await h.cli(['watch', '1', '--device', e.url], { signal: abort.signal });
        clearTimeout(timer);
        expect(r.lines.at(-1), `${r.out}\n${r.err}`).not.toBe('stopped watching (Ctrl-C)');
        expect(r.code, r.err).toBe(0);
        expect(r.lines[0]).toMatch(/^slot 1 {2}ready {2}profile "Quick"/);
        expect(r.out).toMatch(/^step +3 +address +4 @ 9600 +attempting +attempt 1 +[a-z_]+ […✓]$/m);
        expect(r.out).toMatch(/^step +3 +address +4 @ 9600 +success \(ok\) +attempt 1 — PD keyed/m);
        expect(r.lines.at(-1)).toBe(
          'slot 1 complete — 4 steps: 4 provisioned, 0 failed, 0 skipped, 0 pending; export it with: osprio export 1 --format csv --out FILE',
        );
      } finally {
        await e.close();
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );

  it(
    'ends with exit 1 when it comes back to find the slot deleted',
    { timeout: 60_000 },
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'osprio-watch-del-'));
      const o: EmulatorOptions = {
        model: 'pro',
        speed: 'max',
        stateDir: dir,
        pds: 0,
        technician: false,
        durable: true,
      };
      let e = await startEmulator(o);
      try {
        expect(
          (
            await h.cli([
              'slot',
              'create',
              '3',
              '--name',
              'Gone',
              '--count',
              '2',
              '--yes',
              '--device',
              e.url,
            ])
          ).code,
        ).toBe(0);
        const lines: string[] = [];
        const watching = h.cli(['watch', '3', '--json', '--device', e.url], {
          onOut: (l) => lines.push(l),
        });
        await until(() => lines.length > 0 && e.hostAttached, 'the watch to start');
        await e.close();
        e = await startEmulator({ ...o, port: e.port, token: e.token });
        expect(e.device.deleteSlot(3).ok).toBe(true); // before the watch is back
        const r = await watching;
        expect(r.code).toBe(1);
        expect(JSON.parse(lines.at(-1)!)).toMatchObject({
          type: 'end',
          reason: 'deleted',
          state: 'empty',
        });
      } finally {
        await e.close();
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
