import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { attachSimPd, SimBus, SimLine, type SimPd, type SimPdFault } from '@osprio/bus';
import { toHex } from '@osprio/osdp';
import { runProvision, type ProvisionOptions } from '../src/commands/provision.ts';

let dir: string;
beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'osprio-provision-')); });
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function rig(faults: SimPdFault[] = []) {
  const line = new SimLine({ seed: 7 });
  const pd: SimPd = attachSimPd(line, { faults });
  const out: string[] = [];
  const err: string[] = [];
  const io = { out: (l: string) => out.push(l), err: (l: string) => err.push(l), openBus: async (_u: string, baud: number) => new SimBus(line, { baud }) };
  return { pd, out, err, io };
}

const base = (over: Partial<ProvisionOptions> = {}): ProvisionOptions => ({ bus: 'sim:', address: '5', baud: '115200', ...over });

describe('osprio provision', () => {
  it('keys a factory-fresh PD and exports exactly the key the PD stored', async () => {
    const { pd, out, io } = rig();
    const file = join(dir, 'keys.csv');
    expect(await runProvision(base({ export: file, autoVerify: true, expectCap: ['9:1:0'] }), io)).toBe(0);
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
    expect(doc).toMatchObject({ kind: 'osprio-provisioned-scbks', version: 1, session_id: line.sessionId });
    expect(doc.scbks).toEqual([{ pdAddress: 5, baudrate: 115200, scbkHex: toHex(pd.stored.scbk!) }]);
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
    expect(readFileSync(saved, 'utf8').trim().split('\n')).toEqual(['pd_address,baudrate,scbk', `5,115200,${toHex(pd.stored.scbk!)}`]);
    expect(statSync(saved).mode & 0o777).toBe(0o600);
    expect(out.join('\n')).toMatch(/acknowledged the new key but it was not proven; the key is saved in .*UNVERIFIED/);
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
    expect(await runProvision(base({ address: '130', baud: '1234', discardKey: true }), io)).toBe(2);
    const msg = err.pop()!;
    expect(msg).toMatch(/--address: 130 is above 126/);
    expect(msg).toMatch(/--baud/);
    expect(await runProvision(base({ export: join(dir, 'k.txt') }), io)).toBe(2);
    expect(err.pop()).toMatch(/\.csv or \.json/);
  });
});
