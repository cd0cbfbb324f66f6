import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { attachSimPd, SimBus, SimLine, type SimPd, type SimPdFault } from '@osprio/bus';
import { toHex } from '@osprio/osdp';
import { runProvision, type ProvisionOptions } from '../src/commands/provision.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'osprio-provision-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function rig(faults: SimPdFault[] = []) {
  const line = new SimLine({ seed: 7 });
  const pd: SimPd = attachSimPd(line, { faults });
  const out: string[] = [];
  const err: string[] = [];
  const io = {
    out: (l: string) => out.push(l),
    err: (l: string) => err.push(l),
    openBus: async (_u: string, baud: number) => new SimBus(line, { baud }),
  };
  return { pd, out, err, io };
}

const base = (over: Partial<ProvisionOptions> = {}): ProvisionOptions => ({
  bus: 'sim:',
  address: '5',
  baud: '115200',
  ...over,
});

describe('osprio provision', () => {
  it('keys a factory-fresh PD and exports exactly the key the PD stored', async () => {
    const { pd, out, io } = rig();
    const file = join(dir, 'keys.csv');
    expect(
      await runProvision(base({ export: file, autoVerify: true, expectCap: ['9:1:0'] }), io),
    ).toBe(0);
    expect(pd.stored).toMatchObject({ address: 5, baud: 115200, installMode: false });
    const csv = readFileSync(file, 'utf8').trim().split('\n');
    expect(csv).toEqual(['pd_address,baudrate,scbk', `5,115200,${toHex(pd.stored.scbk!)}`]);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const printed = out.join('\n');
    expect(printed).toMatch(/✓ key verify/);
    expect(printed).toMatch(/^ok — /m);
    expect(printed).not.toContain(toHex(pd.stored.scbk!));
  });

  it('writes the JSON export with the session id, and prints no key in --json mode', async () => {
    const { pd, out, io } = rig();
    const file = join(dir, 'keys.json');
    expect(await runProvision(base({ export: file, json: true }), io)).toBe(0);
    const doc = JSON.parse(readFileSync(file, 'utf8'));
    const line = JSON.parse(out.at(-1)!);
    expect(doc).toMatchObject({
      kind: 'osprio-provisioned-scbks',
      version: 1,
      session_id: line.sessionId,
    });
    expect(doc.scbks).toEqual([
      { pdAddress: 5, baudrate: 115200, scbkHex: toHex(pd.stored.scbk!) },
    ]);
    expect(line).toMatchObject({ outcome: 'ok', export: file });
    expect(out.join('')).not.toContain(toHex(pd.stored.scbk!));
  });

  it('refuses to start when the export file exists, before touching the PD', async () => {
    const { pd, err, io } = rig();
    const file = join(dir, 'keys.csv');
    writeFileSync(file, 'precious');
    expect(await runProvision(base({ export: file }), io)).toBe(2);
    expect(err.join('\n')).toMatch(/already exists/);
    expect(readFileSync(file, 'utf8')).toBe('precious');
    expect(pd.stored).toMatchObject({ address: 0, installMode: true });
  });

  it('exits non-zero with the outcome and leaves no export when the step fails', async () => {
    const { out, io } = rig([{ kind: 'keyed', scbk: new Uint8Array(16).fill(0x42) }]);
    const file = join(dir, 'keys.csv');
    expect(await runProvision(base({ export: file }), io)).toBe(1);
    expect(out.at(-1)).toMatch(/^FAILED: scbk_rejected — .*install mode/);
    expect(existsSync(file)).toBe(false);
  });

  it('never loses a key the PD acknowledged: a step that fails after KEYSET leaves an UNVERIFIED export', async () => {
    // The PD acknowledges KEYSET (its 6th reply), then loses power for good before the verification.
    const { pd, out, io } = rig([{ kind: 'reboot', atReply: 7, downMs: 3_600_000 }]);
    const file = join(dir, 'keys.csv');
    expect(await runProvision(base({ export: file, timeout: '5000' }), io)).toBe(1);
    expect(existsSync(file)).toBe(false);
    const saved = join(dir, 'keys.UNVERIFIED.csv');
    expect(readFileSync(saved, 'utf8').trim().split('\n')).toEqual([
      'pd_address,baudrate,scbk',
      `5,115200,${toHex(pd.stored.scbk!)}`,
    ]);
    expect(statSync(saved).mode & 0o777).toBe(0o600);
    expect(out.join('\n')).toMatch(
      /acknowledged the new key but it was not proven; the key is saved in .*UNVERIFIED/,
    );
  });

  it('a capability mismatch after a proven key says the key landed and was verified, and names the file for that', async () => {
    const { pd, out, io } = rig();
    const file = join(dir, 'k.csv');
    expect(
      await runProvision(
        base({ address: '6', baud: '9600', export: file, expectCap: ['4:1:1'] }),
        io,
      ),
    ).toBe(1);
    const printed = out.join('\n');
    expect(printed).toMatch(/^FAILED: capability_mismatch — /m);
    expect(printed).not.toMatch(/not proven|UNVERIFIED/);
    expect(printed).toMatch(/key landed and was verified.*only the capability check failed/);
    expect(existsSync(file)).toBe(false);
    expect(existsSync(join(dir, 'k.UNVERIFIED.csv'))).toBe(false);
    const saved = join(dir, 'k.CAPABILITY-MISMATCH.csv');
    expect(printed).toContain(saved);
    expect(readFileSync(saved, 'utf8').trim().split('\n')).toEqual([
      'pd_address,baudrate,scbk',
      `6,9600,${toHex(pd.stored.scbk!)}`,
    ]);
    expect(statSync(saved).mode & 0o777).toBe(0o600);
  });

  it('--json marks a capability-mismatch export as verified', async () => {
    const { out, io } = rig();
    const file = join(dir, 'k.json');
    expect(
      await runProvision(
        base({ address: '6', baud: '9600', export: file, expectCap: ['4:1:1'], json: true }),
        io,
      ),
    ).toBe(1);
    expect(JSON.parse(out.at(-1)!)).toMatchObject({
      outcome: 'capability_mismatch',
      export: join(dir, 'k.CAPABILITY-MISMATCH.json'),
      exportVerified: true,
    });
  });

  it('refuses a raw tcp:// bridge whose fixed rate is not --baud before touching the bus, and offers rfc2217://', async () => {
    const { err, io } = rig();
    const opened: string[] = [];
    const spy = {
      ...io,
      openBus: async (u: string, b: number) => {
        opened.push(u);
        return io.openBus(u, b);
      },
    };
    const file = join(dir, 'k.csv');
    expect(
      await runProvision(base({ bus: 'tcp://127.0.0.1:4001', baud: '115200', export: file }), spy),
    ).toBe(2);
    expect(opened).toEqual([]);
    expect(existsSync(file)).toBe(false);
    const msg = err.join('\n');
    expect(msg).toMatch(/raw serial bridge.*fixed at 9600 baud/);
    expect(msg).toMatch(/rfc2217:\/\/127\.0\.0\.1:4001/);
    expect(msg.split('\n')).toHaveLength(1);
    expect(
      await runProvision(
        base({ bus: 'tcp://127.0.0.1:4001?baud=19200', baud: '9600', export: file }),
        spy,
      ),
    ).toBe(2);
    expect(err.pop()).toMatch(/fixed at 19200 baud/);
    expect(opened).toEqual([]);
  });

  it('runs on a raw tcp:// bridge when --baud is the bridge rate', async () => {
    const { io } = rig();
    const opened: string[] = [];
    const spy = {
      ...io,
      openBus: async (u: string, b: number) => {
        opened.push(u);
        return io.openBus(u, b);
      },
    };
    await runProvision(
      base({ bus: 'tcp://127.0.0.1:4001?baud=115200', baud: '115200', discardKey: true }),
      spy,
    );
    expect(opened).toEqual(['tcp://127.0.0.1:4001?baud=115200']);
  });

  it('a ws:// device address as --bus points to osprio live --device, without echoing the token', async () => {
    const { err, io } = rig();
    for (const bus of [
      'ws://127.0.0.1:4711/device?token=s3cr3tt0ken',
      'wss://127.0.0.1:4711/device?token=s3cr3tt0ken',
    ]) {
      expect(await runProvision(base({ bus, discardKey: true }), io)).toBe(2);
      const msg = err.pop()!;
      expect(msg).toMatch(/provision drives a bus directly/);
      expect(msg).toMatch(/osprio live --device/);
      expect(msg).not.toMatch(/unknown bus URL parameter/);
      expect(msg).not.toContain('s3cr3tt0ken');
    }
  });

  it('reports a step timeout under one second in milliseconds (--timeout 50 is 50 ms, not "0.1 s")', async () => {
    const { out, io } = rig([{ kind: 'absent' }]);
    expect(await runProvision(base({ timeout: '50', discardKey: true }), io)).toBe(1);
    expect(out.at(-1)).toMatch(/^FAILED: timeout — step timeout \(50 ms of bus time\) ran out/);
  });

  it('commissions an enforce-secure PD inside its install session (issue 13)', async () => {
    const { pd, out, io } = rig([{ kind: 'enforce_secure' }]);
    expect(await runProvision(base({ discardKey: true, autoVerify: true }), io)).toBe(0);
    expect(pd.stored).toMatchObject({ address: 5, baud: 115200, installMode: false });
    expect(out.join('\n')).toMatch(/^ok — .*requires the secure channel/m);
  });

  it('insists on --export or an explicit --discard-key, and validates like the profile form', async () => {
    const { err, io } = rig();
    expect(await runProvision(base(), io)).toBe(2);
    expect(err.pop()).toMatch(/--export/);
    expect(await runProvision(base({ address: '130', baud: '1234', discardKey: true }), io)).toBe(
      2,
    );
    const msg = err.pop()!;
    expect(msg).toMatch(/--address: 130 is above 126/);
    expect(msg).toMatch(/--baud/);
    expect(await runProvision(base({ export: join(dir, 'k.txt') }), io)).toBe(2);
    expect(err.pop()).toMatch(/\.csv or \.json/);
  });
});
