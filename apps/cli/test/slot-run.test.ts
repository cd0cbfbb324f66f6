// Issue 9, must show: a full CLI run against the emulator — a 20-PD plan with faulty readers
// (absent, already keyed, slow, at another baud, noisy line) written with `slot create`, driven to
// `complete` with try / retry / skip, then exported as CSV, JSON and age; every export is checked
// against what each simulated reader actually holds. The seed appears in no output and no export.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Decrypter, generateIdentity, identityToRecipient } from 'age-encryption';
import { startEmulator, type Emulator } from '@osprio/device/emulator';
import { toHex } from '@osprio/osdp';
import { harness, type CliResult, type Harness } from './cli-harness.ts';

const FAULTS = '3:absent,6:keyed,9:slow:400,12:at-baud:19200,15:noisy:0.02';
let h: Harness;
let emu: Emulator;
let stateDir: string;
const transcript: CliResult[] = [];

async function cli(argv: string[]): Promise<CliResult> {
  const r = await h.cli([...argv, '--device', emu.url]);
  transcript.push(r);
  return r;
}

interface ShownRow {
  step: number;
  address: number;
  baud: number;
  state: string;
  outcome: string | null;
}
async function show(): Promise<{
  state: string;
  rows: ShownRow[];
  counters: Record<string, number>;
}> {
  const r = await cli(['slot', 'show', '0', '--json']);
  expect(r.code, r.err).toBe(0);
  return JSON.parse(r.out) as { state: string; rows: ShownRow[]; counters: Record<string, number> };
}

beforeAll(async () => {
  h = harness();
  stateDir = mkdtempSync(join(tmpdir(), 'osprio-cli-state-'));
  emu = await startEmulator({
    model: 'pro',
    speed: 'max',
    stateDir,
    pds: 20,
    faults: FAULTS,
    technician: false,
    durable: false,
  });
});
afterAll(async () => {
  await emu?.close();
  rmSync(stateDir, { recursive: true, force: true });
  h?.cleanup();
});

describe('a full slot run from the CLI', () => {
  it(
    'creates, drives to complete by retrying and skipping, and exports exactly what the readers hold',
    { timeout: 120_000 },
    async () => {
      const profile = join(h.dir, 'site.json');
      writeFileSync(
        profile,
        JSON.stringify({
          kind: 'osprio-profile',
          version: 1,
          profile: {
            name: 'Site A',
            deviceCount: 20,
            addressStrategy: 'sequential',
            startAddress: 10,
            manualAddresses: [],
            baud: 115200,
            expectedCapabilities: [],
            timeoutMs: 0,
            autoVerify: true,
          },
        }),
      );

      // Without a terminal and without --yes nothing is written.
      const asked = await cli(['slot', 'create', '0', '--profile', profile]);
      expect([asked.code, asked.err]).toEqual([2, expect.stringMatching(/pass --yes/)]);
      // A no at the prompt writes nothing either.
      const declined = await h.cli(
        ['slot', 'create', '0', '--profile', profile, '--device', emu.url],
        { answer: false },
      );
      expect([declined.code, declined.err]).toEqual([0, expect.stringMatching(/nothing written/)]);
      expect((await show()).state).toBe('empty');

      const created = await cli(['slot', 'create', '0', '--profile', profile, '--yes']);
      expect(created.code, created.err).toBe(0);
      expect(created.out).toMatch(
        /profile "Site A": 20 PDs, addresses sequential from 10, baud 115200/,
      );
      expect(created.lines.filter((l) => /^\s+\d+\s+\d+\s+115200$/.test(l))).toHaveLength(20); // the step review
      expect(created.out).toMatch(/uploading steps: 20\/20/); // plain progress lines: not a TTY
      expect(created.out).toMatch(
        /slot 0 sealed: ready, profile "Site A", 20 steps: 0 provisioned, 0 failed, 0 skipped, 20 pending/,
      );
      const again = await cli(['slot', 'create', '0', '--profile', profile, '--yes']);
      expect([again.code, again.err]).toEqual([
        1,
        expect.stringMatching(
          /slot 0 already holds a plan \(ready, "Site A"[\s\S]*osprio slot delete 0/,
        ),
      ]);

      const slots = await cli(['slots']);
      expect(slots.out).toMatch(/^\s*0\s+ready\s+Site A\s+20\s+0\s+0\s+0\s+20$/m);

      const early = await cli([
        'export',
        '0',
        '--format',
        'csv',
        '--out',
        join(h.dir, 'early.csv'),
      ]);
      expect([early.code, early.err]).toEqual([1, expect.stringMatching(/20 .*pending/)]);

      // First pass: some readers fail (absent, keyed, …): exit 1, each result printed.
      const first = await cli(['try', '0', '--all-pending', '--wait']);
      expect(first.code).toBe(1);
      expect(first.out).toMatch(/try: accepted for 20 steps/);
      expect(first.out).toMatch(/of 20 attempts succeeded; failed: .*3 \(/);
      // A verb the device refuses prints its reason.
      const refused = await cli(['retry', '0', '0']);
      expect([refused.code, refused.err]).toEqual([
        1,
        expect.stringMatching(/retry step 0: refused by the device — .+/),
      ]);

      for (let round = 0; round < 3; round++) {
        const failed = (await show()).rows.filter((r) => r.state === 'failure');
        if (failed.length === 0) break;
        await cli(['retry', '0', '--all-failed', '--wait']);
      }
      const stillFailed = (await show()).rows
        .filter((r) => r.state === 'failure')
        .map((r) => r.step);
      expect(stillFailed).toContain(3); // absent: nobody answers
      expect(stillFailed).toContain(6); // keyed with someone else's key
      const skipped = await cli(['skip', '0', '--all-failed']);
      expect(skipped.code, skipped.err).toBe(0);
      const done = await show();
      expect(done.state).toBe('complete');
      expect(done.counters).toMatchObject({
        total: 20,
        skipped: stillFailed.length,
        provisioned: 20 - stillFailed.length,
        failed: 0,
        pending: 0,
      });

      // The exports.
      const csvFile = join(h.dir, 'keys.csv');
      const jsonFile = join(h.dir, 'keys.json');
      const ageFile = join(h.dir, 'keys.csv.age');
      const identity = await generateIdentity();
      const recipient = await identityToRecipient(identity);
      expect((await cli(['export', '0', '--format', 'csv', '--out', csvFile])).code).toBe(0);
      expect(
        (await cli(['export', '0', '--format', 'json', '--out', jsonFile, '--json'])).code,
      ).toBe(0);
      const aged = await cli([
        'export',
        '0',
        '--format',
        'csv',
        '--age-recipient',
        recipient,
        '--out',
        ageFile,
      ]);
      expect(aged.out).toMatch(
        /wrote \d+ keys of slot 0 to .*keys\.csv\.age \(csv, age-encrypted to 1 recipient; mode 0600\)/,
      );
      for (const f of [csvFile, jsonFile, ageFile]) expect(statSync(f).mode & 0o777).toBe(0o600);
      const overwrite = await cli(['export', '0', '--format', 'csv', '--out', csvFile]);
      expect([overwrite.code, overwrite.err]).toEqual([
        2,
        expect.stringMatching(/already exists; a key export never overwrites/),
      ]);

      const csv = readFileSync(csvFile, 'utf8');
      const d = new Decrypter();
      d.addIdentity(identity);
      expect(await d.decrypt(readFileSync(ageFile), 'text')).toBe(csv);
      // …and Debian's own age command reads it the same.
      const idFile = join(h.dir, 'identity.txt');
      writeFileSync(idFile, `${identity}\n`, { mode: 0o600 });
      const debianAge = spawnSync('age', ['-d', '-i', idFile, ageFile], { encoding: 'utf8' });
      expect(debianAge.status, debianAge.stderr).toBe(0);
      expect(debianAge.stdout).toBe(csv);
      const lines = csv.trim().split('\n');
      expect(lines[0]).toBe('pd_address,baudrate,scbk');
      const json = JSON.parse(readFileSync(jsonFile, 'utf8')) as {
        kind: string;
        session_id: string;
        scbks: { pdAddress: number; baudrate: number; scbkHex: string }[];
      };
      expect(json.kind).toBe('osprio-provisioned-scbks');
      expect(json.scbks.map((s) => `${s.pdAddress},${s.baudrate},${s.scbkHex}`)).toEqual(
        lines.slice(1),
      );

      // What each simulated reader holds: every provisioned step, and nothing else.
      const readers = emu.bench
        .readerStates()
        .filter((r) => 'slot' in r.queue && r.queue.slot === 0 && r.sessionId === json.session_id);
      const provisioned = done.rows.filter((r) => r.state === 'success');
      expect(lines.length - 1).toBe(provisioned.length);
      for (const row of provisioned) {
        const reader = readers.find((r) => r.stepIndex === row.step)!;
        expect(reader, `reader of step ${row.step}`).toBeDefined();
        expect({
          address: reader.address,
          baud: reader.baud,
          installMode: reader.installMode,
        }).toEqual({ address: row.address, baud: 115200, installMode: false });
        expect(lines).toContain(`${row.address},115200,${reader.scbkHex}`);
      }
      for (const step of stillFailed)
        expect(lines.some((l) => l.startsWith(`${10 + step},`))).toBe(false);

      // Key custody: the seed in no output, error or export; the SCBKs only in the exports.
      const slot = emu.device.getSlot(0);
      expect(slot.ok).toBe(true);
      const seed = toHex((slot as { slot: { seed: Uint8Array } }).slot.seed);
      const everything = [
        ...transcript.map((r) => `${r.out}\n${r.err}`),
        csv,
        readFileSync(jsonFile, 'utf8'),
        readFileSync(ageFile, 'latin1'),
      ]
        .join('\n')
        .toLowerCase();
      expect(everything).not.toContain(seed.toLowerCase());
      expect(everything).not.toContain(Buffer.from(seed, 'hex').toString('base64').toLowerCase());
      const printed = transcript
        .map((r) => `${r.out}\n${r.err}`)
        .join('\n')
        .toLowerCase();
      for (const r of readers)
        if (r.scbkHex) expect(printed).not.toContain(r.scbkHex.toLowerCase());
    },
  );
});
