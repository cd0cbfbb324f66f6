// A PD that enforces the secure channel (libosdp ENFORCE_SECURE, issue 13): plaintext COMSET draws
// NAK 0x06, so the step opens the install session first and sends COMSET inside it. The real runner,
// ACU link and PD model on the simulated line, plus the abstract PD for the machine's order.
import { describe, expect, it } from 'vitest';
import { SCBK_D, AcuDriver, SCS_17, osdp_COMSET, toHex } from '@osprio/osdp';
import { attachSimPd, createSimBus, type SimBus, type SimPd, type SimPdFault } from '@osprio/bus';
import { runStep } from '../../src/commissioning/run-step.ts';
import { deriveScbk } from '../../src/kdf.ts';
import type { AttemptResult, StageEvent } from '../../src/stages.ts';
import { drive, fresh, OPTS } from './abstract-pd.ts';
import { acuTransmissions, isKeyset } from './support/trace.ts';

const SEED = Uint8Array.from({ length: 16 }, (_, i) => 0x21 + i * 5);
const SESSION = '6f1d3c2a-9b8e-4f7d-8c6b-5a4e3d2c1b0a';
const A = 9;
const B = 115200;
const SCBK = deriveScbk(SEED, SESSION, 0, A);
const OTHER_KEY = Uint8Array.from({ length: 16 }, (_, i) => 0x5a ^ i);
const ENFORCE: SimPdFault = { kind: 'enforce_secure' };

async function attempt(
  bus: SimBus,
  lastSeenBaud?: number,
): Promise<{ result: AttemptResult; stages: StageEvent[] }> {
  const stages: StageEvent[] = [];
  let c = 7;
  const result = await runStep({
    bus,
    target: { address: A, baud: B, stepIndex: 0 },
    options: { timeoutMs: 0, autoVerify: true, expectedCapabilities: [] },
    key: { seed: SEED, sessionId: SESSION },
    random: (n) => Uint8Array.from({ length: n }, () => (c = (c * 73 + 41) & 0xffff) & 0xff),
    onStage: (e) => stages.push(e),
    ...(lastSeenBaud !== undefined ? { lastSeenBaud } : {}),
  });
  return { result, stages };
}

function setup(faults: SimPdFault[]): { bus: SimBus; pd: SimPd } {
  const bus = createSimBus({ baud: 9600, seed: 3, traceLimit: Infinity });
  return { bus, pd: attachSimPd(bus.line, { faults }) };
}

const holdsStepKey = (pd: SimPd) => !!pd.stored.scbk && toHex(pd.stored.scbk) === toHex(SCBK);
const keysetsApplied = (pd: SimPd) => pd.events.filter((e) => e.type === 'keyset_applied').length;

async function scbkdRefused(bus: SimBus): Promise<boolean> {
  const probe = new AcuDriver(bus, { address: A, baud: B });
  return !(await probe.handshake(0, SCBK_D, Uint8Array.of(9, 9, 9, 9, 9, 9, 9, 9))).ok;
}

describe('enforce-secure PD on the simulated line', () => {
  it('fresh PD → ok: install session first, COMSET inside it, key verified, install mode off', async () => {
    const { bus, pd } = setup([ENFORCE]);
    const { result, stages } = await attempt(bus);
    expect(result.outcome, result.detail).toBe('ok');
    expect(result.completed).toEqual([
      'discover',
      'install_session',
      'comset',
      'confirm',
      'keyset',
      'key_verify',
      'verify',
    ]);
    expect(result.detail).toMatch(
      /requires the secure channel .*NAK 0x06.*install session was opened first and address and baud were set inside it/,
    );
    // The milestones show the order: the install session passes before COMSET does.
    const done = stages.filter((e) => e.status === 'done').map((e) => e.stage);
    expect(done.indexOf('install_session')).toBeLessThan(done.indexOf('comset'));
    expect(holdsStepKey(pd)).toBe(true);
    expect(pd.stored).toMatchObject({ address: A, baud: B, installMode: false });
    expect(keysetsApplied(pd)).toBe(1);
    // On the wire: one plaintext COMSET (refused), then one inside the session (SCS_17).
    const comsets = acuTransmissions(bus.line.trace).filter((t) => t.frame?.code === osdp_COMSET);
    expect(comsets.map((t) => t.frame!.scb?.type)).toEqual([undefined, SCS_17]);
    // The session survived COMSET: one session from the SCBK-D handshake through the KEYSET ACK.
    const sc = pd.events
      .filter((e) =>
        ['sc_established', 'sc_dropped', 'comset_applied', 'keyset_applied'].includes(e.type),
      )
      .map((e) => e.type);
    expect(sc.slice(0, 4)).toEqual([
      'sc_established',
      'comset_applied',
      'keyset_applied',
      'sc_dropped',
    ]);
    expect(await scbkdRefused(bus)).toBe(true);
  });

  it('pre-keyed PD under an unknown key, not in install mode → scbk_rejected, COMSET refused for lack of a secure channel', async () => {
    const { bus, pd } = setup([ENFORCE, { kind: 'keyed', scbk: OTHER_KEY }]);
    const { result } = await attempt(bus);
    expect(result.outcome, result.detail).toBe('scbk_rejected');
    expect(result.stage).toBe('install_session');
    expect(result.detail).toMatch(/osdp_COMSET was refused for lack of a secure channel/);
    expect(result.detail).toMatch(
      /stays at address 0 at 9600 baud; PD holds a different SCBK .* put it in install mode/,
    );
    expect(pd.stored).toMatchObject({ address: 0, baud: 9600, installMode: false });
    expect(keysetsApplied(pd)).toBe(0);
  });

  it('line drops mid-COMSET, one retry → ok, one key written', async () => {
    // The PD applies the in-session COMSET, then the line is dead until it is power-cycled.
    const { bus, pd } = setup([ENFORCE, { kind: 'silent_after_comset' }]);
    const first = await attempt(bus);
    expect(first.result.outcome).not.toBe('ok');
    expect(keysetsApplied(pd)).toBe(0);
    pd.reboot(bus.now());
    const again = await attempt(bus, first.result.seenAtBaud);
    expect(again.result.outcome, again.result.detail).toBe('ok');
    expect(holdsStepKey(pd)).toBe(true);
    expect(keysetsApplied(pd)).toBe(1);
    expect(await scbkdRefused(bus)).toBe(true);
  });

  for (const applied of [true, false]) {
    it(`PD already holding this step's key, line drops mid-COMSET (${applied ? 'applied' : 'not applied'}) → ok, no KEYSET at all`, async () => {
      // Replies: PDID (broadcast), NAK 06 (plaintext COMSET), PDID (address 0), CCRYPT, NAK 05 (SCBK-D
      // refused), CCRYPT, RMAC_I (derived session), then the in-session osdp_COM: the PD reboots instead.
      const { bus, pd } = setup([
        ENFORCE,
        { kind: 'keyed', scbk: SCBK },
        { kind: 'reboot', atReply: 7, applied, downMs: 300 },
      ]);
      const { result } = await attempt(bus);
      expect(result.outcome, result.detail).toBe('ok');
      expect(pd.rebootCount).toBe(1);
      expect(acuTransmissions(bus.line.trace).filter((t) => isKeyset(t.frame))).toHaveLength(0);
      expect(keysetsApplied(pd)).toBe(0);
      expect(result.detail).toMatch(/already held this key .* not re-keyed/);
      expect(pd.stored).toMatchObject({ address: A, baud: B });
      expect(await scbkdRefused(bus)).toBe(true);
    });
  }
});

describe('enforce-secure PD: the machine order (abstract PD)', () => {
  const cfg = { address: A, baud: B, options: { ...OPTS } };

  it('after NAK 0x06 to plaintext COMSET: find the address, SCBK-D session, COMSET in it, confirm in it, KEYSET', () => {
    const t = drive(cfg, fresh({ enforceSecure: true }));
    expect(t.result.outcome, t.result.detail).toBe('ok');
    const awaited = t.exchanges.map((e) =>
      e.op.op === 'command'
        ? `${e.op.command.code}@${e.op.address}${e.op.secure ? ':sc' : ''}`
        : `hs${e.op.kk}@${e.op.address}`,
    );
    // (the first broadcast probe is at B, where nobody answers)
    expect(awaited.slice(1, 8)).toEqual([
      'ID@127',
      'COMSET@127',
      'ID@0',
      'hs0@0',
      'COMSET@0:sc',
      `ID@${A}:sc`,
      `KEYSET@${A}:sc`,
    ]);
    // No restart between the in-session COMSET and KEYSET: only the port follows the PD to B.
    const i = t.ops.findIndex((o) => o.op === 'command' && o.command.code === 'COMSET' && o.secure);
    const j = t.ops.findIndex((o) => o.op === 'command' && o.command.code === 'KEYSET');
    expect(t.ops.slice(i, j).some((o) => o.op === 'restart')).toBe(false);
    expect(t.ops.slice(i, j)).toContainEqual({ op: 'set_baud', baud: B });
  });

  it('a PD that answered discovery from its own address needs no address search', () => {
    const t = drive(cfg, fresh({ enforceSecure: true, address: 3, answersBroadcastAsOwn: true }));
    expect(t.result.outcome, t.result.detail).toBe('ok');
    expect(
      t.exchanges.filter(
        (e) =>
          e.op.op === 'command' &&
          e.op.command.code === 'ID' &&
          !e.op.secure &&
          e.op.address !== 0x7f,
      ),
    ).toHaveLength(0);
  });

  it('searches the factory address 0 first, then A, then the rest', () => {
    const t = drive(cfg, fresh({ enforceSecure: true, address: 2 }));
    expect(t.result.outcome, t.result.detail).toBe('ok');
    const firstHandshake = t.exchanges.findIndex((e) => e.op.op === 'handshake');
    const asked = t.exchanges
      .slice(0, firstHandshake)
      .filter((e) => e.op.op === 'command' && e.op.command.code === 'ID' && e.op.address !== 0x7f);
    expect(asked.map((e) => e.op.address)).toEqual([0, A, 1, 2]);
  });

  it('a PD already at A/B (earlier attempt) is asked at A first and gets no second COMSET', () => {
    const t = drive(
      { ...cfg, lastSeenBaud: B },
      fresh({ enforceSecure: true, address: A, baud: B, key: 'derived' }),
    );
    expect(t.result.outcome, t.result.detail).toBe('ok');
    expect(t.silentProbes).toBe(0);
    expect(
      t.exchanges.filter((e) => e.op.op === 'command' && e.op.command.code === 'COMSET'),
    ).toHaveLength(1);
    expect(
      t.exchanges.filter((e) => e.op.op === 'command' && e.op.command.code === 'KEYSET'),
    ).toHaveLength(0);
    expect(t.result.detail).toMatch(/address and baud were already set/);
  });

  it('the in-session osdp_COM lost: confirm in plaintext, then a fresh install session at A/B', () => {
    const t = drive(cfg, fresh({ enforceSecure: true, secureComsetLost: 1 }));
    expect(t.result.outcome, t.result.detail).toBe('ok');
    expect(
      t.exchanges.filter((e) => e.op.op === 'command' && e.op.command.code === 'KEYSET'),
    ).toHaveLength(1);
    const hs0 = t.exchanges
      .filter((e) => e.op.op === 'handshake' && e.op.kk === 0)
      .map((e) => e.op.address);
    expect(hs0.slice(0, 2)).toEqual([0, A]);
  });

  it('pre-keyed with another key → scbk_rejected at install_session, addressing not applied', () => {
    const t = drive(cfg, fresh({ enforceSecure: true, key: 'other' }));
    expect(t.result.outcome).toBe('scbk_rejected');
    expect(t.result.stage).toBe('install_session');
    expect(t.result.detail).toMatch(
      /^address and baud NOT applied: osdp_COMSET was refused for lack of a secure channel/,
    );
    expect(t.pd).toMatchObject({ address: 0, baud: 9600 });
  });
});
