// The commissioning machine's rare-case rules, each pinned by a test that fails when the rule is
// mutated (issue 14: the survivors of a mutation run). Scripted results where the rule needs an exact
// reply; the abstract PD where a behaviour is enough.
import { describe, expect, it } from 'vitest';
import {
  NAK_CHECK,
  NAK_CMD_LEN,
  NAK_SC_COND,
  SCS_15,
  SCS_16,
  SCS_18,
  SCBK_D,
  cpUnwrapReply,
  deriveSessionKeys,
  pdUnwrapCommand,
  type Frame,
  type ScSession,
} from '@osprio/osdp';
import { drive, fresh, OPTS, type Trace } from './abstract-pd.ts';
import {
  nextStep,
  startStep,
  type StepConfig,
  type Transition,
} from '../../src/commissioning/machine.ts';
import {
  isAwaited,
  type AwaitedOp,
  type HandshakeFailure,
  type Op,
  type OpResult,
} from '../../src/commissioning/ops.ts';
import {
  MAX_COMSETS,
  MAX_RECOVERIES,
  PATIENT_REPLY_TIMEOUT_MS,
  REPLY_TIMEOUT_MS,
} from '../../src/commissioning/context.ts';
import { isRefusal } from '../../src/commissioning/keying.ts';

const A = 5;
const B = 115200;
const cfg = (over: Partial<StepConfig> = {}): StepConfig => ({
  address: A,
  baud: B,
  options: { ...OPTS },
  ...over,
});
const ID = { vendor: '00068e', model: 1, version: 1, serial: 7, firmware: '1.0.0' };
const pdid = (from: number, latencyMs?: number): OpResult => ({
  kind: 'reply',
  from,
  reply: { code: 'PDID', id: ID },
  secure: false,
  ...(latencyMs === undefined ? {} : { latencyMs }),
});
const com = (address: number, baud: number): OpResult => ({
  kind: 'reply',
  from: 0x7f,
  reply: { code: 'COM', address, baud },
  secure: false,
});
const nak = (code: number, from = 0x7f): OpResult => ({ kind: 'nak', from, code });
const NONE: OpResult = { kind: 'no_reply' };
const GARBLED: OpResult = { kind: 'bad_reply', why: 'bad CRC' };

/** Feeds results in order; returns every op emitted and the last transition. */
function script(c: StepConfig, results: OpResult[]): { ops: Op[]; t: Transition } {
  let t = startStep(c, 0);
  const ops = [...t.ops];
  results.forEach((result, i) => {
    t = nextStep(t.state, { type: 'result', result, now: 10 * (i + 1) });
    ops.push(...t.ops);
  });
  return { ops, t };
}
const awaited = (t: Transition): AwaitedOp | undefined => t.ops.filter(isAwaited).at(-1);
const done = (t: Transition) =>
  t.ops.find((o): o is Extract<Op, { op: 'done' }> => o.op === 'done')?.result;
const stages = (ops: Op[]) =>
  ops
    .filter((o): o is Extract<Op, { op: 'stage' }> => o.op === 'stage')
    .map((o) => `${o.stage}:${o.status}`);
const count = (t: Trace, code: string) =>
  t.exchanges.filter((e) => e.op.op === 'command' && e.op.command.code === code).length;

// Target A at 9600 so the first broadcast probe finds the PD (candidates: 9600 first).
const AT_9600 = cfg({ baud: 9600 });

describe('discovery', () => {
  it('NAK 0x01 to the CRC probe: the PD speaks checksum only → internal_error, nothing sent after', () => {
    const { t } = script(AT_9600, [nak(NAK_CHECK)]);
    expect(done(t)).toMatchObject({ outcome: 'internal_error', stage: 'discover' });
    expect(done(t)!.detail).toMatch(/rejects CRC-16 frames \(NAK 0x01 .*checksum mode only/);
  });

  it('any other NAK proves a PD is there: it is found and COMSET follows', () => {
    const { t } = script(AT_9600, [nak(NAK_CMD_LEN)]);
    expect(done(t)).toBeUndefined();
    expect(awaited(t)).toMatchObject({
      op: 'command',
      address: 0x7f,
      command: { code: 'COMSET', address: A, baud: 9600 },
    });
  });

  // Discovery passes: 0 short, 1 at the spec's 200 ms, 2 patient (only if something was heard), 3 a last short sweep.
  const SIX_NONE = Array<OpResult>(6).fill(NONE);

  it('the patient pass starts where garbage was heard (and the probe before it), then follows the candidate order', () => {
    // Candidates 115200, 9600, 19200, 38400, 57600, 230400: garbage only at 38400, in pass 0.
    const pass0 = [NONE, NONE, NONE, GARBLED, NONE, NONE];
    const { t } = script(cfg(), [...pass0, ...SIX_NONE]);
    const probe = awaited(t)!;
    expect(probe).toMatchObject({ op: 'command', address: 0x7f, command: { code: 'ID' } });
    expect(probe.policy.replyTimeoutMs).toBe(PATIENT_REPLY_TIMEOUT_MS);
    expect(t.ops).toContainEqual({ op: 'set_baud', baud: 19200 });
    const next = script(cfg(), [...pass0, ...SIX_NONE, NONE]).t;
    expect(next.ops).toContainEqual({ op: 'set_baud', baud: 38400 });
    const third = script(cfg(), [...pass0, ...SIX_NONE, NONE, NONE]).t;
    expect(third.ops).toContainEqual({ op: 'set_baud', baud: B });
  });

  it('found by the patient pass: stays patient only if the PD really is slow (its reply latency)', () => {
    // Garbage at 9600 in pass 0: the patient pass starts at 115200 (the probe before it).
    const before = [NONE, GARBLED, NONE, NONE, NONE, NONE, ...SIX_NONE];
    const fast = awaited(script(cfg(), [...before, pdid(0x7f, 20)]).t)!;
    expect(fast).toMatchObject({ command: { code: 'COMSET' } });
    expect(fast.policy.replyTimeoutMs).toBe(REPLY_TIMEOUT_MS);
    const slow = awaited(script(cfg(), [...before, pdid(0x7f, 400)]).t)!;
    expect(slow.policy.replyTimeoutMs).toBe(PATIENT_REPLY_TIMEOUT_MS);
    const unknown = awaited(script(cfg(), [...before, pdid(0x7f)]).t)!;
    expect(unknown.policy.replyTimeoutMs).toBe(PATIENT_REPLY_TIMEOUT_MS);
    // Found in pass 1 (spec timeout): the reply latency changes nothing.
    const inPass1 = awaited(script(cfg(), [...SIX_NONE, pdid(0x7f, 20)]).t)!;
    expect(inPass1.policy.replyTimeoutMs).toBe(REPLY_TIMEOUT_MS);
  });

  it('the abstract PD reports its latency: a fast PD behind noise goes back to the spec timeout', () => {
    // Passes 0 and 1 hear only garbage at 9600; the patient pass finds the PD there, fast.
    const t = drive(cfg(), fresh({ noisyUntilOp: 12 }));
    expect(t.result.outcome, t.result.detail).toBe('ok');
    const firstOk = t.exchanges.findIndex((e) => e.result.kind === 'reply');
    expect(t.exchanges[firstOk]!.op.policy.replyTimeoutMs).toBe(PATIENT_REPLY_TIMEOUT_MS);
    expect(t.exchanges[firstOk]!.result).toMatchObject({ latencyMs: 2 });
    expect(
      t.exchanges.slice(firstOk + 1).every((e) => e.op.policy.replyTimeoutMs === REPLY_TIMEOUT_MS),
    ).toBe(true);
  });
});

describe('comset and confirm', () => {
  it('a reply from another address is not a confirmation', () => {
    const { t } = script(AT_9600, [pdid(0x7f), com(A, 9600), pdid(7)]);
    expect(done(t)).toMatchObject({ outcome: 'wrong_address', stage: 'confirm' });
    expect(done(t)!.detail).toBe(`PD answered an osdp_ID sent to address ${A} from address 7`);
  });

  it(`garbage at A/B is asked again exactly MAX_RECOVERIES (${MAX_RECOVERIES}) times, then the PD is searched for`, () => {
    const { ops, t } = script(AT_9600, [
      pdid(0x7f),
      com(A, 9600),
      ...Array<OpResult>(MAX_RECOVERIES + 1).fill(GARBLED),
    ]);
    const idAtA = ops.filter(
      (o) => o.op === 'command' && o.command.code === 'ID' && o.address === A,
    );
    expect(idAtA).toHaveLength(1 + MAX_RECOVERIES);
    expect(awaited(t)).toMatchObject({ op: 'command', address: 0x7f, command: { code: 'ID' } });
  });

  it(`COMSET that never takes goes out exactly MAX_COMSETS (${MAX_COMSETS}) times, then baud_mismatch`, () => {
    const t = drive(cfg(), fresh({ comset: 'ignored' }));
    expect(count(t, 'COMSET')).toBe(MAX_COMSETS);
    expect(t.result.outcome).toBe('baud_mismatch');
    expect(t.result.detail).toMatch(
      /PD replied at 9600, expected 115200 \(osdp_COMSET had no effect\)/,
    );
  });

  it('COMSET NAKed by a PD already at A/B: comset passes, then confirm (milestones in order)', () => {
    const t = drive(cfg(), fresh({ address: A, baud: B, comset: 'nak' }));
    expect(t.result.outcome, t.result.detail).toBe('ok');
    const ev = t.ops
      .filter((o): o is Extract<Op, { op: 'stage' }> => o.op === 'stage')
      .map((o) => `${o.stage}:${o.status}`);
    expect(ev.slice(0, 7)).toEqual([
      'discover:in_flight',
      'discover:done',
      'comset:in_flight',
      'comset:done',
      'confirm:in_flight',
      'confirm:done',
      'install_session:in_flight',
    ]);
  });

  it('COMSET NAKed (not 0x06) by a PD already at A/B, but it is not at A: wrong_address names the NAK', () => {
    const { ops, t } = script(cfg(), [pdid(0x7f), nak(0x03), NONE, pdid(0x7f), NONE]);
    expect(stages(ops)).not.toContain('confirm:in_flight');
    expect(done(t)).toMatchObject({ outcome: 'wrong_address', stage: 'comset' });
    expect(done(t)!.detail).toMatch(/it refused osdp_COMSET with NAK 0x03/);
  });
});

describe('addressing details a technician reads', () => {
  it('silence at every baud is "no PD answered", not a noisy line', () => {
    const { t } = script(AT_9600, Array<OpResult>(18).fill(NONE));
    expect(done(t)!.detail).toMatch(/^no PD answered osdp_ID/);
  });

  it('garbage at one baud in both passes says a PD seems to be behind a noisy line', () => {
    const { t } = script(AT_9600, [
      GARBLED,
      NONE,
      NONE,
      NONE,
      NONE,
      NONE,
      GARBLED,
      ...Array<OpResult>(11).fill(NONE),
    ]);
    expect(done(t)).toMatchObject({ outcome: 'no_response', stage: 'discover' });
    expect(done(t)!.detail).toMatch(
      /garbled replies at 9600 baud: a PD seems to be there behind a noisy line/,
    );
  });

  it('a reply other than osdp_COM to COMSET is treated as a missing osdp_COM: probe A/B', () => {
    const ack: OpResult = { kind: 'reply', from: 0x7f, reply: { code: 'ACK' }, secure: false };
    const { ops, t } = script(AT_9600, [pdid(0x7f), ack]);
    expect(done(t)).toBeUndefined();
    expect(awaited(t)).toMatchObject({
      op: 'command',
      address: A,
      command: { code: 'ID' },
      secure: false,
    });
    expect(ops.every((o) => typeof o === 'object' && 'op' in o)).toBe(true);
    expect(stages(ops)).not.toContain('confirm:in_flight');
  });

  it('the happy path enters confirm once', () => {
    const t = drive(AT_9600, fresh());
    expect(
      t.ops.filter((o) => o.op === 'stage' && o.stage === 'confirm' && o.status === 'in_flight'),
    ).toHaveLength(1);
  });

  it('the PD heard at B from another address after COMSET: wrong_address names it', () => {
    const { t } = script(AT_9600, [pdid(0x7f), com(A, 9600), NONE, pdid(7)]);
    expect(done(t)).toMatchObject({ outcome: 'wrong_address' });
    expect(done(t)!.detail).toMatch(
      /not at address 5 \(it answers as address 7\); although osdp_COM reported address 5 at 9600 baud/,
    );
  });

  it('a preset PD that then answers only the broadcast: the detail says it had answered as A', () => {
    const { t } = script(AT_9600, [pdid(A), NONE, pdid(0x7f), NONE]);
    expect(done(t)).toMatchObject({ outcome: 'wrong_address', stage: 'confirm' });
    expect(done(t)!.detail).toMatch(
      /answers only the broadcast address there\); it had answered the broadcast as that address/,
    );
  });

  it('osdp_COM confirmed B, but the PD is found at its old baud: baud_mismatch, no second COMSET', () => {
    const { ops, t } = script(cfg(), [NONE, pdid(0x7f), com(A, B), NONE, NONE, pdid(0x7f)]);
    expect(ops.filter((o) => o.op === 'command' && o.command.code === 'COMSET')).toHaveLength(1);
    expect(done(t)).toMatchObject({ outcome: 'baud_mismatch' });
    expect(done(t)!.detail).toBe(
      'PD replied at 9600, expected 115200 (although osdp_COM reported address 5 at 115200 baud)',
    );
  });

  it('gone silent after COMSET with garbage on the line: the detail says so', () => {
    const { t } = script(AT_9600, [
      pdid(0x7f),
      GARBLED,
      GARBLED,
      GARBLED,
      GARBLED,
      GARBLED,
      ...Array<OpResult>(7).fill(NONE),
    ]);
    expect(done(t)).toMatchObject({ outcome: 'no_response' });
    expect(done(t)!.detail).toMatch(
      /^PD answered at 9600 baud before osdp_COMSET\(5, 9600\), then only garbled replies came back \(at 9600 baud\)/,
    );
  });

  it('discovery records the PDID: another serial at verify means more than one PD', () => {
    const other = { ...ID, serial: 8 };
    const { t } = script(AT_9600, [
      pdid(0x7f),
      com(A, 9600),
      pdid(A),
      { kind: 'handshake_ok' },
      { kind: 'reply', from: A, reply: { code: 'ACK' }, secure: true },
      { kind: 'handshake_ok' },
      { kind: 'reply', from: A, reply: { code: 'PDID', id: other }, secure: true },
    ]);
    expect(done(t)).toMatchObject({ outcome: 'verify_failed' });
    expect(done(t)!.detail).toMatch(
      /serial 8, but discovery found vendor 00068e serial 7 — is more than one PD on the port\?/,
    );
  });

  it('in-session confirm drew nothing: ask again in plaintext on a new link', () => {
    const { t } = script(AT_9600, [
      pdid(0x7f),
      nak(NAK_SC_COND),
      pdid(0),
      { kind: 'handshake_ok' },
      { kind: 'reply', from: 0, reply: { code: 'COM', address: A, baud: 9600 }, secure: true },
      NONE,
    ]);
    expect(t.ops.at(-2)).toEqual({ op: 'restart' });
    expect(awaited(t)).toMatchObject({
      op: 'command',
      address: A,
      command: { code: 'ID' },
      secure: false,
    });
  });
});

describe('keying', () => {
  const REFUSALS: HandshakeFailure[] = [
    { kind: 'sc_cryptogram_mismatch' },
    { kind: 'nak', code: 0x05 },
    { kind: 'sc_rmac_status', status: 0xff },
    { kind: 'sc_rmac_mismatch' },
    { kind: 'sc_key_indicator_mismatch', sent: 0, echoed: 1 },
    { kind: 'sc_key_refused', kk: 0 },
  ];
  const LINE: HandshakeFailure[] = [
    { kind: 'no_reply' },
    { kind: 'bad_reply' },
    { kind: 'busy' },
    { kind: 'sc_bad_message', reason: 'x' },
    { kind: 'sc_mac_mismatch' },
    { kind: 'sc_bad_padding' },
    { kind: 'sc_not_secured' },
  ];
  const TO_INSTALL = [pdid(0x7f), com(A, 9600), pdid(A)];

  it.each(REFUSALS)(
    'SCBK-D refused with %o: the next handshake tries this step’s key (no retry of SCBK-D)',
    (failure) => {
      expect(isRefusal(failure)).toBe(true);
      const { t } = script(AT_9600, [...TO_INSTALL, { kind: 'handshake_failed', failure }]);
      expect(awaited(t)).toMatchObject({ op: 'handshake', kk: 1, key: 'derived' });
      const both = script(AT_9600, [
        ...TO_INSTALL,
        { kind: 'handshake_failed', failure },
        { kind: 'handshake_failed', failure },
      ]).t;
      expect(done(both)).toMatchObject({ outcome: 'scbk_rejected' });
    },
  );

  it.each(LINE)(
    'SCBK-D handshake spoilt by the line (%o): SCBK-D is tried again, not the derived key',
    (failure) => {
      expect(isRefusal(failure)).toBe(false);
      const { t } = script(AT_9600, [...TO_INSTALL, { kind: 'handshake_failed', failure }]);
      const next = awaited(t)!;
      if (failure.kind === 'no_reply')
        expect(next).toMatchObject({ op: 'command', address: A, command: { code: 'ID' } });
      else expect(next).toMatchObject({ op: 'handshake', kk: 0, key: 'scbk_d' });
    },
  );

  it('KEYSET NAK 0x06 gets one fresh install session; a second NAK 0x06 ends keyset_failed', () => {
    const t = drive(cfg(), fresh({ keyset: 'nak', keysetNak: NAK_SC_COND }));
    expect(count(t, 'KEYSET')).toBe(2);
    expect(t.result).toMatchObject({ outcome: 'keyset_failed', stage: 'keyset' });
    expect(t.result.detail).toMatch(/NAK 0x06/);
  });

  it('KEYSET NAK other than 0x06 is not retried', () => {
    const t = drive(cfg(), fresh({ keyset: 'nak', keysetNak: 0x09 }));
    expect(count(t, 'KEYSET')).toBe(1);
  });
});

describe('keying details a technician reads', () => {
  const TO_INSTALL = [pdid(0x7f), com(A, 9600), pdid(A)];
  const hs = (failure: HandshakeFailure): OpResult => ({ kind: 'handshake_failed', failure });
  const OK: OpResult = { kind: 'handshake_ok' };
  const ACK: OpResult = { kind: 'reply', from: A, reply: { code: 'ACK' }, secure: true };
  const TO_VERIFY = [...TO_INSTALL, OK, ACK, OK];
  const NR = hs({ kind: 'no_reply' });
  const BAD = hs({ kind: 'bad_reply' });

  it('silent to every CHLNG: it may not support the secure channel', () => {
    const { t } = script(AT_9600, [...TO_INSTALL, NR, pdid(A), NR, pdid(A), NR, pdid(A), NR, NR]);
    expect(done(t)).toMatchObject({ outcome: 'scbk_rejected', stage: 'install_session' });
    expect(done(t)!.detail).toBe(
      'address and baud applied (address 5 at 9600 baud); PD answers osdp_ID but not osdp_CHLNG — it may not support the secure channel, or is not in install mode',
    );
  });

  it('handshakes spoilt by the line: the line is blamed, not the key', () => {
    const { t } = script(AT_9600, [...TO_INSTALL, BAD, BAD, BAD, BAD, BAD]);
    expect(done(t)).toMatchObject({ outcome: 'sc_bad_reply', stage: 'install_session' });
    expect(done(t)!.detail).toBe(
      'address and baud applied (address 5 at 9600 baud); the secure-channel handshake kept failing (its replies arrived garbled) — check termination, cabling and noise, then retry',
    );
    const refused = hs({ kind: 'sc_cryptogram_mismatch' });
    const refusedThenBad = script(AT_9600, [...TO_INSTALL, refused, BAD, BAD, BAD, refused, BAD]).t;
    expect(done(refusedThenBad)).toMatchObject({ outcome: 'sc_bad_reply' });
  });

  it('KEYSET answered by another reply: keyset_failed names it', () => {
    const pdidReply: OpResult = {
      kind: 'reply',
      from: A,
      reply: { code: 'PDID', id: ID },
      secure: true,
    };
    expect(done(script(AT_9600, [...TO_INSTALL, OK, pdidReply]).t)!.detail).toMatch(
      /PD answered osdp_KEYSET with osdp_PDID instead of osdp_ACK — key not set$/,
    );
    const other: OpResult = {
      kind: 'reply',
      from: A,
      reply: { code: 'OTHER', replyCode: 0x48 },
      secure: true,
    };
    expect(done(script(AT_9600, [...TO_INSTALL, OK, other]).t)!.detail).toMatch(
      /PD answered osdp_KEYSET with 0x48 instead of osdp_ACK/,
    );
  });

  it('KEYSET never answered, recovery budget spent: keyset_failed says what came back', () => {
    const silent = script(AT_9600, [
      ...TO_INSTALL,
      OK,
      NONE,
      pdid(A),
      OK,
      NONE,
      pdid(A),
      OK,
      NONE,
      pdid(A),
      OK,
      NONE,
    ]).t;
    expect(done(silent)).toMatchObject({ outcome: 'keyset_failed', stage: 'keyset' });
    expect(done(silent)!.detail).toMatch(
      /no valid reply to osdp_KEYSET \(silence\) — retry the step$/,
    );
    const garbled = script(AT_9600, [
      ...TO_INSTALL,
      OK,
      GARBLED,
      pdid(A),
      OK,
      GARBLED,
      pdid(A),
      OK,
      GARBLED,
      pdid(A),
      OK,
      GARBLED,
    ]).t;
    expect(done(garbled)!.detail).toMatch(/no valid reply to osdp_KEYSET \(bad CRC\)/);
  });

  it('lost after KEYSET: garbage only, then the detail says so and that a retry will not re-key', () => {
    const { t } = script(AT_9600, [...TO_INSTALL, OK, ACK, NR, GARBLED, GARBLED, GARBLED]);
    expect(done(t)).toMatchObject({ outcome: 'no_response', stage: 'key_verify' });
    expect(done(t)!.detail).toBe(
      'PD at address 5 at 9600 baud answers only with garbled replies since key verify — check termination, cabling and noise; osdp_KEYSET was acknowledged, so a retry of this step (same slot) verifies the key without re-keying',
    );
  });

  it('lost before any KEYSET: the detail names the line and promises nothing about a retry', () => {
    const { t } = script(AT_9600, [...TO_INSTALL, NR, GARBLED, GARBLED, GARBLED]);
    expect(done(t)).toMatchObject({ outcome: 'no_response', stage: 'install_session' });
    expect(done(t)!.detail).toBe(
      'PD at address 5 at 9600 baud answers only with garbled replies since install session — check termination, cabling and noise',
    );
  });

  it('recover resumes where it was lost: key_verify again, not a new install session', () => {
    const { t } = script(AT_9600, [...TO_INSTALL, OK, ACK, NR, pdid(A)]);
    expect(awaited(t)).toMatchObject({ op: 'handshake', kk: 1, key: 'derived' });
    const fromOther = script(AT_9600, [...TO_INSTALL, OK, ACK, NR, pdid(7)]).t;
    expect(done(fromOther)).toMatchObject({ outcome: 'no_response' });
  });

  it.each([
    [nak(0x03, A), 'NAK 0x03 (unknown command code)'],
    [
      { kind: 'reply', from: A, reply: { code: 'ACK' }, secure: true } as OpResult,
      'reply osdp_ACK',
    ],
  ])('verify: osdp_ID inside the new session drew %o → verify_failed', (r, got) => {
    const { t } = script(AT_9600, [...TO_VERIFY, r]);
    expect(done(t)).toMatchObject({ outcome: 'verify_failed', stage: 'verify' });
    expect(done(t)!.detail).toBe(
      `key verified, but osdp_ID to address 5 at 9600 baud inside the new session drew ${got}`,
    );
  });

  it('verify: a PDID from another address is not the PD at A', () => {
    const { t } = script(AT_9600, [
      ...TO_VERIFY,
      { kind: 'reply', from: 6, reply: { code: 'PDID', id: ID }, secure: true },
    ]);
    expect(done(t)).toMatchObject({ outcome: 'verify_failed' });
  });

  it('the SCBK-D check garbled past the budget: install mode not confirmed off', () => {
    const pdidA: OpResult = {
      kind: 'reply',
      from: A,
      reply: { code: 'PDID', id: ID },
      secure: true,
    };
    const { t } = script(AT_9600, [...TO_VERIFY, pdidA, BAD, BAD, BAD, BAD]);
    expect(done(t)).toMatchObject({ outcome: 'verify_failed', stage: 'verify' });
    expect(done(t)!.detail).toBe(
      'key set and proven, but could not confirm install mode is off: the SCBK-D handshake kept failing (its replies arrived garbled)',
    );
  });

  it('capabilities: the session cannot be reopened → the secure-channel outcome', () => {
    const c = cfg({
      baud: 9600,
      options: {
        ...OPTS,
        autoVerify: false,
        expectedCapabilities: [{ functionCode: 9, minCompliance: 1, minCount: 0 }],
      },
    });
    // key_verify ok, SCBK-D refused, CAP garbled, then the reopened session is refused.
    const { t } = script(c, [
      ...TO_VERIFY,
      hs({ kind: 'sc_cryptogram_mismatch' }),
      GARBLED,
      hs({ kind: 'nak', code: 0x05 }),
    ]);
    expect(done(t)).toMatchObject({ outcome: 'sc_nak_05', stage: 'capabilities' });
    expect(done(t)!.detail).toBe(
      'key verified, but reopening the session to read osdp_CAP failed: the PD answered NAK 0x05 (secure channel not supported, or SCBK-D refused outside install mode)',
    );
  });
});

describe('secure channel: SCS_15–18 blocks carry no data byte', () => {
  const keys = deriveSessionKeys(SCBK_D, Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8));
  const session: ScSession = { keys, cMac: new Uint8Array(16), rMac: new Uint8Array(16) };
  const frame = (type: number, scbData: number[]): Frame =>
    ({
      address: 1,
      reply: type === SCS_16 || type === SCS_18,
      sqn: 1,
      check: 'crc',
      mark: false,
      scb: { type, data: Uint8Array.from(scbData) },
      code: 0x40,
      data: new Uint8Array(0),
      mac: new Uint8Array(4),
      bytes: new Uint8Array(0),
    }) as unknown as Frame;

  it('a reply block with one data byte is a bad message (not merely a MAC mismatch)', () => {
    const r = cpUnwrapReply(session, frame(SCS_16, [0x00]));
    expect(r.ok).toBe(false);
    if (!r.ok)
      expect(r.error).toEqual({
        kind: 'sc_bad_message',
        reason: 'SCS_15..18 block carries no data byte',
      });
    const empty = cpUnwrapReply(session, frame(SCS_16, []));
    expect(!empty.ok && empty.error.kind).toBe('sc_mac_mismatch');
  });

  it('so is a command block with one data byte (PD side answers NAK 0x06)', () => {
    const r = pdUnwrapCommand(session, frame(SCS_15, [0x01]));
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.kind).toBe('sc_bad_message');
      expect(r.nak).toBe(NAK_SC_COND);
    }
  });
});

describe('enforce-secure address search (scripted)', () => {
  // Discovery hears the PD only as 0xFF; plaintext COMSET draws NAK 0x06: search its address.
  const TO_SEARCH = [pdid(0x7f), nak(0x06)];

  it('a reply from another address is not the PD at the address asked: keep searching', () => {
    const { t } = script(AT_9600, [...TO_SEARCH, pdid(9)]);
    expect(awaited(t)).toMatchObject({ op: 'command', command: { code: 'ID' }, address: A });
  });

  it('a NAK from the address asked is the PD there: its install session opens at that address', () => {
    const { t } = script(AT_9600, [...TO_SEARCH, nak(0x06, 0)]);
    expect(awaited(t)).toMatchObject({ op: 'handshake', kk: 0, key: 'scbk_d', address: 0 });
  });

  it('silence at an address moves on; an answer there is taken', () => {
    const { t } = script(AT_9600, [...TO_SEARCH, NONE, pdid(A)]);
    expect(awaited(t)).toMatchObject({ op: 'handshake', address: A });
  });
});
