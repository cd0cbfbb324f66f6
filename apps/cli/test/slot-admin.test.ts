// slots / slot show / slot delete, the staging slot told as an unfinished upload with how to delete
// it (issue 8 #14, in `osprio status` and `osprio slots`), the live quick-step, and a device that
// is in use (exit 4) or gone (exit 3).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator, type Emulator } from '@osprio/device/emulator';
import { LinkClient } from '@osprio/link';
import { connectWebSocketNode } from '@osprio/link/node';
import type { Profile } from '@osprio/provisioner';
import { harness, type Harness } from './cli-harness.ts';

let h: Harness;
let emu: Emulator;
let stateDir: string;
beforeAll(async () => {
  h = harness();
  stateDir = mkdtempSync(join(tmpdir(), 'osprio-cli-admin-'));
  // Live quick-steps land on step indexes 0, 1, …: reader 1 is absent.
  emu = await startEmulator({
    model: 'pro',
    speed: 'max',
    stateDir,
    pds: 10,
    faults: '1:absent',
    technician: false,
    durable: false,
  });
});
afterAll(async () => {
  await emu?.close();
  rmSync(stateDir, { recursive: true, force: true });
  h?.cleanup();
});

const cli = (argv: string[], opts?: { answer?: boolean | null }) =>
  h.cli([...argv, '--device', emu.url], opts);
const header: Profile = {
  name: 'Half done',
  deviceCount: 3,
  addressStrategy: 'sequential',
  startAddress: 1,
  manualAddresses: [],
  baud: 9600,
  expectedCapabilities: [],
  timeoutMs: 0,
  autoVerify: false,
};

describe('slot administration', () => {
  it('an interrupted upload shows as an unfinished upload, with how to delete it; delete asks first', async () => {
    const seed = Uint8Array.from({ length: 16 }, (_, i) => 0x21 + i);
    expect(emu.device.createSlot(2, header, '6f1c7a52-0000-4000-8000-000000000001', seed).ok).toBe(
      true,
    );
    expect(emu.device.uploadSteps(2, [{ index: 0, address: 1, baud: 9600 }]).ok).toBe(true);

    const status = await cli(['status']);
    expect(status.out).toMatch(/^\s+2\s+unfinished upload\s+Half done/m);
    expect(status.out).toMatch(
      /slot 2 holds an unfinished upload .*; delete it with: osprio slot delete 2/,
    );
    const slots = await cli(['slots']);
    expect(slots.out).toMatch(/^\s+2\s+unfinished upload\s+Half done\s+1\s/m);
    expect(slots.out).toContain('osprio slot delete 2');
    expect(JSON.parse((await cli(['slots', '--json'])).out).slots[2]).toMatchObject({
      state: 'staging',
      unfinishedUpload: true,
    });
    const show = await cli(['slot', 'show', '2']);
    expect(show.out).toMatch(
      /slot 2 {2}staging {2}profile "Half done"[\s\S]*delete it with: osprio slot delete 2/,
    );
    const watch = await cli(['watch', '2']);
    expect([watch.code, watch.err]).toEqual([
      2,
      expect.stringMatching(/unfinished upload: nothing to watch/),
    ]);
    expect(
      (await cli(['slot', 'create', '2', '--name', 'x', '--count', '2', '--yes'])).err,
    ).toMatch(/already holds an unfinished upload; delete it first/);

    const no = await cli(['slot', 'delete', '2'], { answer: false });
    expect([no.code, no.err]).toEqual([0, expect.stringMatching(/nothing deleted/)]);
    const noTty = await cli(['slot', 'delete', '2']);
    expect([noTty.code, noTty.err]).toEqual([2, expect.stringMatching(/pass --yes/)]);
    const yes = await cli(['slot', 'delete', '2'], { answer: true });
    expect([yes.code, yes.out]).toEqual([
      0,
      expect.stringMatching(/deleted slot 2 \(unfinished upload, profile "Half done"/),
    ]);
    expect((await cli(['slot', 'delete', '2', '--yes'])).out).toBe('slot 2 is already empty');
    const all = [status, slots, show, no, yes]
      .map((r) => r.out + r.err)
      .join('\n')
      .toLowerCase();
    expect(all).not.toContain(Buffer.from(seed).toString('hex'));
  });

  it('a manual plan from flags; a bad field is named by its flag', async () => {
    const bad = await cli([
      'slot',
      'create',
      '1',
      '--name',
      'Doors',
      '--addresses',
      '5,5,9',
      '--yes',
    ]);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--addresses \(item 2\): .*/);
    const ok = await cli([
      'slot',
      'create',
      '1',
      '--name',
      'Doors',
      '--addresses',
      '5,7,9',
      '--baud',
      '19200',
      '--yes',
      '--json',
    ]);
    expect(ok.code, ok.err).toBe(0);
    const [review, slot] = ok.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(review).toMatchObject({
      type: 'review',
      slot: 1,
      steps: [
        { index: 0, address: 5, baud: 19200 },
        { index: 1, address: 7, baud: 19200 },
        { index: 2, address: 9, baud: 19200 },
      ],
    });
    expect(slot).toMatchObject({
      type: 'slot',
      slot: { index: 1, state: 'ready', profileName: 'Doors' },
    });
    const reset = await cli(['reset', '1', '0', '1']);
    expect([reset.code, reset.out]).toEqual([0, 'reset: accepted for 2 steps (0 1)']);
    const skip = await cli(['skip', '1', '--all-pending', '--json']);
    expect(JSON.parse(skip.out)).toEqual({
      verb: 'skip',
      slot: 1,
      accepted: [0, 1, 2],
      rejected: [],
    });
    expect((await cli(['slots', '--json'])).out).toMatch(/"state": "complete"/);
    expect(
      (await cli(['export', '1', '--format', 'csv', '--out', join(h.dir, 'none.csv')])).code,
    ).toBe(0);
    expect(readFileSync(join(h.dir, 'none.csv'), 'utf8')).toBe('pd_address,baudrate,scbk\n');
    expect((await cli(['slot', 'delete', '1', '--yes'])).code).toBe(0);
  });

  it('live: a quick-step streamed like a row, exported; a failing one exits 1 and writes nothing', async () => {
    const out = join(h.dir, 'live.json');
    const ok = await cli([
      'live',
      '--address',
      '7',
      '--baud',
      '38400',
      '--auto-verify',
      '--out',
      out,
    ]);
    expect(ok.code, ok.err).toBe(0);
    expect(ok.out).toMatch(
      /step {3}0 {2}address {3}7 @ 38400\s+attempting {2}attempt 1 {2}(discover|comset|confirm|install_session|keyset) […✓]/,
    ); // stages as they come (at max speed the first may pass unseen)
    expect(ok.out).toMatch(
      /ok — PD at address 7 @ 38400 keyed; wrote 1 key to .*live\.json \(json; mode 0600\)/,
    );
    expect(statSync(out).mode & 0o777).toBe(0o600);
    const file = JSON.parse(readFileSync(out, 'utf8')) as {
      session_id: string;
      scbks: { pdAddress: number; baudrate: number; scbkHex: string }[];
    };
    const reader = emu.bench
      .readerStates()
      .find((r) => 'live' in r.queue && r.sessionId === file.session_id && r.stepIndex === 0)!;
    expect(file.scbks).toEqual([{ pdAddress: 7, baudrate: 38400, scbkHex: reader.scbkHex }]);
    expect(reader).toMatchObject({ address: 7, baud: 38400, installMode: false });
    expect(ok.out.toLowerCase()).not.toContain(reader.scbkHex!.toLowerCase());

    // A Mini whose reader is absent: the quick-step fails, exit 1, and no file is written.
    const mini = await startEmulator({
      model: 'mini',
      speed: 'max',
      pds: 1,
      faults: '0:absent',
      technician: false,
    });
    try {
      const failOut = join(h.dir, 'fail.csv');
      const fail = await h.cli([
        'live',
        '--address',
        '8',
        '--baud',
        '9600',
        '--out',
        failOut,
        '--device',
        mini.url,
      ]);
      expect(fail.code).toBe(1);
      expect(fail.out).toMatch(
        /failed: no_response — no PD answered[\s\S]*; nothing written to .*fail\.csv$/,
      );
      expect(existsSync(failOut)).toBe(false);
      const json = await h.cli([
        'live',
        '--address',
        '8',
        '--baud',
        '9600',
        '--discard-key',
        '--json',
        '--device',
        mini.url,
      ]);
      const events = json.lines.map((l) => JSON.parse(l) as { type: string; state?: string });
      expect(events.every((e) => e.type === 'row')).toBe(true);
      expect(events.at(-1)).toMatchObject({
        type: 'row',
        state: 'failure',
        outcome: 'no_response',
      });
      // A Mini has no slots: a slot command says so.
      const noSlots = await h.cli(['slots', '--device', mini.url]);
      expect([noSlots.code, noSlots.err]).toEqual([
        1,
        expect.stringMatching(
          /\(osprio-mini\) offers no slots \(quick-step only: use osprio live\)/,
        ),
      ]);
    } finally {
      await mini.close();
    }
  });

  it('exit 4 while another host holds the device; exit 3 when nothing answers', async () => {
    // (the device may still be letting go of the previous command's session)
    let client: LinkClient | null = null;
    for (let i = 0; i < 50 && !client; i++) {
      const c = new LinkClient(await connectWebSocketNode(emu.url));
      try {
        await c.hello('another host');
        client = c;
      } catch {
        c.close();
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    if (!client) throw new Error('could not attach the other host');
    const busy = await cli(['slots']);
    client.close();
    expect([busy.code, busy.err]).toEqual([4, expect.stringMatching(/is in use: another host/)]);
    expect(busy.err).not.toContain(emu.token);
    const gone = await h.cli(['slots', '--device', 'ws://127.0.0.1:9/device?token=abc']);
    expect([gone.code, gone.err]).toEqual([
      3,
      expect.stringMatching(/cannot reach the device at ws:\/\/127\.0\.0\.1:9\/device/),
    ]);
    expect(gone.err).not.toContain('abc');
  });
});
