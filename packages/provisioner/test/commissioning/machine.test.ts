import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { drive, fresh, OPTS, type AbstractPd, type Trace } from './abstract-pd.ts';
import {
  discoveryOrder,
  nextStep,
  startStep,
  type StepConfig,
} from '../../src/commissioning/machine.ts';
import type { AwaitedOp, Op, OpResult } from '../../src/commissioning/ops.ts';
import { isAwaited } from '../../src/commissioning/ops.ts';
import { isOutcome, type Stage } from '../../src/stages.ts';
import { scOutcome } from '../../src/commissioning/text.ts';

const A = 5;
const B = 115200;
const cfg = (over: Partial<StepConfig> = {}): StepConfig => ({
  address: A,
  baud: B,
  options: { ...OPTS },
  ...over,
});

const commands = (t: Trace, code: string) =>
  t.exchanges.filter((e) => e.op.op === 'command' && e.op.command.code === code);
const handshakes = (t: Trace) => t.exchanges.filter((e) => e.op.op === 'handshake');
const stageOps = (t: Trace) =>
  t.ops
    .filter((o): o is Extract<Op, { op: 'stage' }> => o.op === 'stage')
    .map((o) => `${o.stage}:${o.status}`);

describe('discovery order', () => {
  it('tries last seen, profile baud, 9600, then the rest, without repeats', () => {
    expect(discoveryOrder(38400, 115200)).toEqual([38400, 115200, 9600, 19200, 57600, 230400]);
    expect(discoveryOrder(undefined, 9600)).toEqual([9600, 19200, 38400, 57600, 115200, 230400]);
    expect(discoveryOrder(9600, 460800)).toEqual([
      9600, 460800, 19200, 38400, 57600, 115200, 230400,
    ]);
  });

  it('probes with broadcast osdp_ID at each candidate, each on a new link', () => {
    const t = drive(cfg({ lastSeenBaud: 57600 }), fresh({ baud: 19200 }));
    const probes = t.exchanges
      .filter((e) => e.op.op === 'command' && e.op.address === 0x7f)
      .slice(0, 4);
    expect(probes.map((e) => e.op.op === 'command' && e.op.command.code)).toEqual([
      'ID',
      'ID',
      'ID',
      'ID',
    ]);
    const bauds = t.ops
      .filter((o) => o.op === 'set_baud')
      .map((o) => (o.op === 'set_baud' ? o.baud : 0));
    expect(bauds.slice(0, 4)).toEqual([57600, 115200, 9600, 19200]);
    // every probe is preceded by a restart (SQN 0)
    const idx = t.ops.findIndex((o) => o.op === 'command');
    expect(t.ops[idx - 1]).toEqual({ op: 'restart' });
  });
});

interface Case {
  name: string;
  pd: AbstractPd;
  cfg?: Partial<StepConfig>;
  outcome: string;
  stage: Stage;
  status?: 'done' | 'stalled';
  detail: RegExp;
  keysets?: number;
}

const CASES: Case[] = [
  {
    name: 'factory-fresh PD at 9600',
    pd: fresh(),
    outcome: 'ok',
    stage: 'verify',
    status: 'done',
    detail: /keyed .* verified at address 5 at 115200 baud; install mode is off/,
    keysets: 1,
  },
  {
    name: 'fresh PD answering broadcast with its own address',
    pd: fresh({ answersBroadcastAsOwn: true }),
    outcome: 'ok',
    stage: 'verify',
    status: 'done',
    detail: /verified/,
    keysets: 1,
  },
  {
    name: 'PD already at A/B, answering as A',
    pd: fresh({ address: A, baud: B, answersBroadcastAsOwn: true }),
    outcome: 'ok',
    stage: 'verify',
    status: 'done',
    detail: /address and baud were already set/,
    keysets: 1,
  },
  {
    name: 'absent',
    pd: fresh({ absent: true }),
    outcome: 'no_response',
    stage: 'discover',
    detail:
      /no PD answered osdp_ID \(broadcast 0x7F\) at 115200, 9600, 19200, 38400, 57600, 230400 baud/,
    keysets: 0,
  },
  {
    name: 'osdp_COM reports another baud',
    pd: fresh({ comset: 'reports_other_baud' }),
    outcome: 'baud_mismatch',
    stage: 'comset',
    detail: /19200 baud .* expected 115200/,
    keysets: 0,
  },
  {
    name: 'osdp_COM reports another address',
    pd: fresh({ comset: 'reports_other_address' }),
    outcome: 'wrong_address',
    stage: 'comset',
    detail: /address 42, expected 5/,
    keysets: 0,
  },
  {
    name: 'osdp_COM garbled but settings applied',
    pd: fresh({ comset: 'lost_reply' }),
    outcome: 'ok',
    stage: 'verify',
    status: 'done',
    detail: /verified/,
    keysets: 1,
  },
  {
    name: 'COMSET lost once, PD still at old settings',
    pd: fresh({ comset: 'ignored_once' }),
    outcome: 'ok',
    stage: 'verify',
    status: 'done',
    detail: /verified/,
    keysets: 1,
  },
  {
    name: 'COMSET NAKed at another baud',
    pd: fresh({ comset: 'nak' }),
    outcome: 'baud_mismatch',
    stage: 'comset',
    detail: /PD replied at 9600, expected 115200: it refused osdp_COMSET with NAK 0x03/,
    keysets: 0,
  },
  {
    name: 'silent after COMSET',
    pd: fresh({ comset: 'silent_after' }),
    outcome: 'no_response',
    stage: 'confirm',
    detail: /answered at 9600 baud before osdp_COMSET\(5, 115200\), then went silent/,
    keysets: 0,
  },
  {
    name: 'applies a different address',
    pd: fresh({ comset: 'different_address' }),
    outcome: 'wrong_address',
    stage: 'confirm',
    detail: /answers at 115200 baud but not at address 5/,
    keysets: 0,
  },
  {
    name: 'stays at its old baud',
    pd: fresh({ comset: 'stays_at_old_baud' }),
    outcome: 'baud_mismatch',
    stage: 'confirm',
    detail: /^PD replied at 9600, expected 115200/,
    keysets: 0,
  },
  {
    name: 'keyed with another SCBK',
    pd: fresh({ key: 'other' }),
    outcome: 'scbk_rejected',
    stage: 'install_session',
    detail: /address and baud applied .*PD holds a different SCBK .* put it in install mode/,
    keysets: 0,
  },
  {
    name: 'keyed with another SCBK, refusing with NAK 0x05',
    pd: fresh({ key: 'other', refuse: 'nak_05' }),
    outcome: 'scbk_rejected',
    stage: 'install_session',
    detail: /NAK 0x05/,
    keysets: 0,
  },
  {
    name: 'keyed with another SCBK, already at A/B',
    pd: fresh({ key: 'other', address: A, baud: B, answersBroadcastAsOwn: true }),
    outcome: 'scbk_rejected',
    stage: 'install_session',
    detail: /address and baud were already set/,
    keysets: 0,
  },
  {
    name: "already holds this step's key",
    pd: fresh({ key: 'derived' }),
    outcome: 'ok',
    stage: 'verify',
    status: 'done',
    detail: /already held this key .* not re-keyed/,
    keysets: 0,
  },
  {
    name: 'NAKs KEYSET',
    pd: fresh({ keyset: 'nak', keysetNak: 0x09 }),
    outcome: 'keyset_failed',
    stage: 'keyset',
    detail: /NAK 0x09 \(unable to process command record\)/,
    keysets: 1,
  },
  {
    name: 'plaintext KEYSET ACK',
    pd: fresh({ keyset: 'plain_ack' }),
    outcome: 'ok',
    stage: 'verify',
    status: 'done',
    detail: /verified/,
    keysets: 1,
  },
  {
    name: 'KEYSET ACK lost, key landed',
    pd: fresh({ keyset: 'lost_ack' }),
    outcome: 'ok',
    stage: 'verify',
    status: 'done',
    detail: /not re-keyed/,
    keysets: 1,
  },
  {
    name: 'KEYSET silent, key not landed',
    pd: fresh({ keyset: 'silent' }),
    outcome: 'keyset_failed',
    stage: 'keyset',
    detail: /no valid reply to osdp_KEYSET/,
  },
  {
    name: 'KEYSET ACKed but key not stored',
    pd: fresh({ keyset: 'not_stored' }),
    outcome: 'sc_cryptogram_mismatch',
    stage: 'key_verify',
    detail: /acknowledged osdp_KEYSET, but a fresh handshake with the new key failed/,
    keysets: 1,
  },
  {
    name: 'KEYSET ACKed but key not stored, NAK 0x05',
    pd: fresh({ keyset: 'not_stored', refuse: 'nak_05' }),
    outcome: 'sc_nak_05',
    stage: 'key_verify',
    detail: /NAK 0x05/,
    keysets: 1,
  },
  {
    name: 'dies right after the KEYSET ACK',
    pd: fresh({ keyset: 'dies_after_ack' }),
    outcome: 'no_response',
    stage: 'key_verify',
    detail:
      /stopped answering .* during key verify; osdp_KEYSET was acknowledged, so a retry of this step \(same slot\) verifies the key without re-keying/,
    keysets: 1,
  },
  {
    name: 'install mode stays on',
    pd: fresh({ keyset: 'stays_in_install_mode' }),
    outcome: 'verify_failed',
    stage: 'verify',
    detail: /still accepts SCBK-D/,
    keysets: 1,
  },
  // Guarantee 2 without auto-verify: the SCBK-D refusal check is part of key_verify.
  {
    name: 'install mode stays on, no auto-verify',
    pd: fresh({ keyset: 'stays_in_install_mode' }),
    cfg: { options: { ...OPTS, autoVerify: false } },
    outcome: 'verify_failed',
    stage: 'key_verify',
    detail:
      /^key set and proven, but the PD still accepts SCBK-D: it did not leave install mode — /,
    keysets: 1,
  },
  {
    name: 'factory-fresh PD, no auto-verify',
    pd: fresh(),
    cfg: { options: { ...OPTS, autoVerify: false } },
    outcome: 'ok',
    stage: 'key_verify',
    status: 'done',
    detail: /verified at address 5 at 115200 baud; install mode is off \(SCBK-D refused\)/,
    keysets: 1,
  },
  // Silence to the SCBK-D CHLNG is not a refusal: one retry, then say the PD stopped answering.
  {
    name: 'silent once to the SCBK-D check',
    pd: fresh({ scbkdSilent: 1 }),
    outcome: 'ok',
    stage: 'verify',
    status: 'done',
    detail: /install mode is off/,
    keysets: 1,
  },
  {
    name: 'silent to the SCBK-D check',
    pd: fresh({ scbkdSilent: 9 }),
    outcome: 'verify_failed',
    stage: 'verify',
    detail:
      /^address and baud applied \(address 5 at 115200 baud\); key set and proven, but the PD stopped answering during verification .*install mode may still be on/,
    keysets: 1,
  },
  {
    name: 'silent to the SCBK-D check, no auto-verify',
    pd: fresh({ scbkdSilent: 9 }),
    cfg: { options: { ...OPTS, autoVerify: false } },
    outcome: 'verify_failed',
    stage: 'key_verify',
    detail: /stopped answering during verification/,
    keysets: 1,
  },
  {
    name: 'silent to the SCBK-D check, already keyed',
    pd: fresh({ key: 'derived', scbkdSilent: 9 }),
    outcome: 'verify_failed',
    stage: 'verify',
    detail: /this step’s key \(held from an earlier attempt\) proven, but the PD stopped answering/,
    keysets: 0,
  },
  {
    name: 'slow PD (300 ms)',
    pd: fresh({ latencyMs: 300 }),
    outcome: 'ok',
    stage: 'verify',
    status: 'done',
    detail: /verified/,
    keysets: 1,
  },
  {
    name: 'capabilities met',
    pd: fresh({
      caps: [
        { functionCode: 4, compliance: 2, count: 1 },
        { functionCode: 9, compliance: 1, count: 1 },
      ],
    }),
    cfg: {
      options: {
        ...OPTS,
        expectedCapabilities: [{ functionCode: 4, minCompliance: 1, minCount: 1 }],
      },
    },
    outcome: 'ok',
    stage: 'capabilities',
    status: 'done',
    detail: /capabilities met/,
    keysets: 1,
  },
  {
    name: 'capability below minimum',
    pd: fresh({ caps: [{ functionCode: 4, compliance: 1, count: 1 }] }),
    cfg: {
      options: {
        ...OPTS,
        expectedCapabilities: [{ functionCode: 4, minCompliance: 2, minCount: 1 }],
      },
    },
    outcome: 'capability_mismatch',
    stage: 'capabilities',
    detail:
      /function 4 \(reader LED control\) with compliance 1, count 1; profile expects compliance ≥ 2/,
    keysets: 1,
  },
  {
    name: 'capability missing, no auto-verify',
    pd: fresh({ caps: [] }),
    cfg: {
      options: {
        ...OPTS,
        autoVerify: false,
        expectedCapabilities: [{ functionCode: 13, minCompliance: 0, minCount: 1 }],
      },
    },
    outcome: 'capability_mismatch',
    stage: 'capabilities',
    detail: /does not report function 13 \(readers\)/,
    keysets: 1,
  },
  // No readable PDCAP is not a capability mismatch: one retry, then verify_failed.
  ...(['garbled', 'silent', 'nak'] as const).flatMap((kind): Case[] => [
    {
      name: `osdp_CAP ${kind} once`,
      pd: fresh({ capFails: { kind, times: 1 } }),
      cfg: {
        options: {
          ...OPTS,
          expectedCapabilities: [{ functionCode: 9, minCompliance: 1, minCount: 0 }],
        },
      },
      outcome: 'ok',
      stage: 'capabilities',
      status: 'done',
      detail: /capabilities met/,
      keysets: 1,
    },
    {
      name: `osdp_CAP ${kind} twice`,
      pd: fresh({ capFails: { kind, times: 2 } }),
      cfg: {
        options: {
          ...OPTS,
          expectedCapabilities: [{ functionCode: 9, minCompliance: 1, minCount: 0 }],
        },
      },
      outcome: 'verify_failed',
      stage: 'capabilities',
      detail:
        /did not return a readable PDCAP to osdp_CAP at address 5 at 115200 baud \((a garbled reply|no reply|NAK 0x03).*, twice\) — capabilities not checked/,
      keysets: 1,
    },
  ]),
  {
    name: 'step timeout',
    pd: fresh({ absent: true }),
    cfg: { options: { ...OPTS, timeoutMs: 1000 } },
    outcome: 'timeout',
    stage: 'discover',
    detail: /step timeout \(1 s of bus time\) ran out during discover/,
  },
  {
    name: 'fixed-baud port, other B',
    pd: fresh(),
    cfg: { fixedBaud: 9600 },
    outcome: 'baud_mismatch',
    stage: 'discover',
    detail: /fixed at 9600 baud .*cannot follow the PD to 115200/,
  },
  {
    name: 'fixed-baud port at B',
    pd: fresh({ baud: B }),
    cfg: { fixedBaud: B, portBaud: B },
    outcome: 'ok',
    stage: 'verify',
    status: 'done',
    detail: /verified/,
  },
  {
    name: 'invalid address',
    pd: fresh(),
    cfg: { address: 127 },
    outcome: 'internal_error',
    stage: 'discover',
    detail: /invalid target address 127/,
  },
];

describe('commissioning machine: outcome table (abstract PD)', () => {
  it.each(CASES)('$name → $outcome at $stage', (c) => {
    const t = drive(cfg(c.cfg), c.pd);
    expect(t.result.outcome).toBe(c.outcome);
    expect(t.result.stage).toBe(c.stage);
    expect(t.result.stageStatus).toBe(c.status ?? 'stalled');
    expect(t.result.detail).toMatch(c.detail);
    if (c.keysets !== undefined) expect(commands(t, 'KEYSET')).toHaveLength(c.keysets);
    expect(isOutcome(t.result.outcome)).toBe(true);
    // milestones: the last stage op matches the result
    const last = stageOps(t).at(-1);
    expect(last).toBe(`${t.result.stage}:${t.result.stageStatus}`);
  });
});

describe('commissioning machine: specifics', () => {
  it('happy path at the first candidate costs no timed-out probe and the expected exchanges', () => {
    const t = drive(cfg({ baud: 9600 }), fresh());
    expect(t.result.outcome).toBe('ok');
    expect(t.silentProbes).toBe(0);
    expect(t.result.completed).toEqual([
      'discover',
      'comset',
      'confirm',
      'install_session',
      'keyset',
      'key_verify',
      'verify',
    ]);
    expect(t.result.seenAtBaud).toBe(9600);
  });

  it('uses the last seen baud first: a retry at B costs no timed-out probe', () => {
    const t = drive(cfg({ lastSeenBaud: B }), fresh({ baud: B, address: A, key: 'derived' }));
    expect(t.result.outcome).toBe('ok');
    expect(t.silentProbes).toBe(0);
  });

  it('skips COMSET only when the PD answered as A at B', () => {
    const own = drive(cfg(), fresh({ address: A, baud: B, answersBroadcastAsOwn: true }));
    expect(commands(own, 'COMSET')).toHaveLength(0);
    expect(own.result.completed).not.toContain('comset');
    const ff = drive(cfg(), fresh({ address: A, baud: B }));
    expect(commands(ff, 'COMSET')).toHaveLength(1);
    expect(ff.result.outcome).toBe('ok');
  });

  it('confirms at B and A on a new link after COMSET', () => {
    const t = drive(cfg(), fresh());
    const i = t.ops.findIndex((o) => o.op === 'command' && o.command.code === 'COMSET');
    expect(t.ops.slice(i + 1, i + 6)).toEqual([
      { op: 'stage', stage: 'comset', status: 'done' },
      { op: 'stage', stage: 'confirm', status: 'in_flight' },
      { op: 'set_baud', baud: B },
      { op: 'restart' },
      {
        op: 'command',
        address: A,
        command: { code: 'ID' },
        secure: false,
        policy: expect.anything(),
      },
    ]);
  });

  it('every handshake starts on a new link (restart right before it)', () => {
    const t = drive(cfg(), fresh({ key: 'derived' }));
    t.ops.forEach((o, i) => {
      if (o.op === 'handshake') expect(t.ops[i - 1]).toEqual({ op: 'restart' });
    });
    expect(handshakes(t).length).toBeGreaterThanOrEqual(3);
  });

  it('key_verify is a fresh kk=1 handshake with the derived key after the KEYSET ACK', () => {
    const t = drive(cfg(), fresh());
    const i = t.ops.findIndex((o) => o.op === 'command' && o.command.code === 'KEYSET');
    const after = t.ops.slice(i + 1);
    const hs = after.find((o) => o.op === 'handshake');
    expect(hs).toMatchObject({ op: 'handshake', address: A, kk: 1, key: 'derived' });
    expect(after[after.indexOf(hs!) - 1]).toEqual({ op: 'restart' });
  });

  it('KEYSET goes inside the SCBK-D session', () => {
    const t = drive(cfg(), fresh());
    const ks = commands(t, 'KEYSET')[0]!;
    expect(ks.op).toMatchObject({ secure: true, command: { code: 'KEYSET', key: 'derived' } });
    const hsBefore = t.exchanges
      .slice(0, t.exchanges.indexOf(ks))
      .filter((e) => e.op.op === 'handshake')
      .at(-1)!;
    expect(hsBefore.op).toMatchObject({ kk: 0, key: 'scbk_d' });
    expect(hsBefore.result.kind).toBe('handshake_ok');
  });

  it('a slow PD is found by the patient pass and later exchanges wait for it', () => {
    const t = drive(cfg(), fresh({ latencyMs: 400 }));
    expect(t.result.outcome).toBe('ok');
    // passes 0 (short) and 1 (200 ms): silent everywhere but at 19200, where the late reply to the
    // 9600 probe is heard; the patient pass starts at 9600, the probe before it, and finds the PD
    expect(t.silentProbes).toBe(10);
    const patient = t.exchanges.filter((e) => e.op.policy.replyTimeoutMs >= 1000);
    expect(patient[0]).toMatchObject({ result: { kind: 'reply' } });
    const later = t.exchanges.slice(t.exchanges.indexOf(patient[0]!));
    expect(later.every((e) => e.op.policy.replyTimeoutMs >= 1000)).toBe(true);
  });

  it('abort ends the attempt as interrupted and says what completed', () => {
    const t = drive(cfg(), fresh(), { abortAtOp: 4 });
    expect(t.result.outcome).toBe('interrupted');
    expect(t.result.detail).toMatch(
      /interrupted during install session \(completed: discover, comset, confirm\)/,
    );
    expect(t.result.stageStatus).toBe('stalled');
  });

  it('a result after the deadline ends with timeout even if it was a success', () => {
    const s = startStep(cfg({ options: { ...OPTS, timeoutMs: 500 } }), 0);
    const t = nextStep(s.state, { type: 'result', result: { kind: 'no_reply' }, now: 500 });
    expect(t.ops.at(-1)).toMatchObject({ op: 'done', result: { outcome: 'timeout' } });
  });

  // Scripted happy path to key_verify: PD at 9600 as 0xFF, target A at 9600; deadline at 500.
  const ID = { vendor: '00068e', model: 1, version: 1, serial: 7, firmware: '1.0.0' };
  const TO_KEY_VERIFY: OpResult[] = [
    { kind: 'reply', from: 0x7f, reply: { code: 'PDID', id: ID }, secure: false },
    { kind: 'reply', from: 0x7f, reply: { code: 'COM', address: A, baud: 9600 }, secure: false },
    { kind: 'reply', from: A, reply: { code: 'PDID', id: ID }, secure: false },
    { kind: 'handshake_ok' },
    { kind: 'reply', from: A, reply: { code: 'ACK' }, secure: true },
  ];
  const awaitedOf = (ops: Op[]): AwaitedOp | undefined => ops.filter(isAwaited).at(-1);
  const toKeyVerify = (autoVerify: boolean) => {
    let t = startStep(cfg({ baud: 9600, options: { ...OPTS, timeoutMs: 500, autoVerify } }), 0);
    TO_KEY_VERIFY.forEach(
      (result, i) => (t = nextStep(t.state, { type: 'result', result, now: 10 * (i + 1) })),
    );
    expect(awaitedOf(t.ops)).toMatchObject({ op: 'handshake', kk: 1, key: 'derived' });
    return t;
  };

  for (const autoVerify of [false, true]) {
    it(`autoVerify ${autoVerify}: a key_verify success at the deadline wins over it, and SCBK-D is still checked`, () => {
      let t = toKeyVerify(autoVerify);
      t = nextStep(t.state, { type: 'result', result: { kind: 'handshake_ok' }, now: 500 });
      expect(t.ops.some((o) => o.op === 'done')).toBe(false);
      if (autoVerify) {
        expect(awaitedOf(t.ops)).toMatchObject({
          op: 'command',
          command: { code: 'ID' },
          secure: true,
        });
        t = nextStep(t.state, {
          type: 'result',
          result: { kind: 'reply', from: A, reply: { code: 'PDID', id: ID }, secure: true },
          now: 700,
        });
      }
      // Past the deadline, the key is proven: the SCBK-D refusal check runs and decides.
      expect(awaitedOf(t.ops)).toMatchObject({ op: 'handshake', kk: 0, key: 'scbk_d' });
      const sticky = nextStep(t.state, {
        type: 'result',
        result: { kind: 'handshake_ok' },
        now: 900,
      });
      expect(sticky.ops.at(-1)).toMatchObject({ op: 'done', result: { outcome: 'verify_failed' } });
      t = nextStep(t.state, {
        type: 'result',
        result: { kind: 'handshake_failed', failure: { kind: 'sc_cryptogram_mismatch' } },
        now: 900,
      });
      expect(t.ops.at(-1)).toMatchObject({
        op: 'done',
        result: {
          outcome: 'ok',
          stage: autoVerify ? 'verify' : 'key_verify',
          completed: expect.arrayContaining(['keyset', 'key_verify']),
        },
      });
    });
  }

  it('after the KEYSET ACK, a result at the deadline that does not prove the key still ends as timeout', () => {
    const t = nextStep(toKeyVerify(false).state, {
      type: 'result',
      result: { kind: 'handshake_failed', failure: { kind: 'bad_reply' } },
      now: 500,
    });
    expect(t.ops.at(-1)).toMatchObject({
      op: 'done',
      result: {
        outcome: 'timeout',
        stage: 'key_verify',
        detail: expect.stringMatching(/completed: .*keyset/),
      },
    });
  });

  it('without auto-verify, the SCBK-D check follows key_verify on a new link and belongs to key_verify', () => {
    const t = drive(cfg({ baud: 9600, options: { ...OPTS, autoVerify: false } }), fresh());
    expect(t.result.outcome).toBe('ok');
    expect(t.result.completed.at(-1)).toBe('key_verify');
    const hs = handshakes(t).map(
      (e) => e.op.op === 'handshake' && `${e.op.kk}:${e.op.key}:${e.result.kind}`,
    );
    expect(hs).toEqual([
      '0:scbk_d:handshake_ok',
      '1:derived:handshake_ok',
      '0:scbk_d:handshake_failed',
    ]);
    const i = t.ops.findIndex(
      (o) =>
        o.op === 'handshake' &&
        o.kk === 0 &&
        t.ops.indexOf(o) > t.ops.findIndex((x) => x.op === 'handshake' && x.kk === 1),
    );
    expect(t.ops[i - 1]).toEqual({ op: 'restart' });
    expect(stageOps(t).slice(-2)).toEqual(['key_verify:in_flight', 'key_verify:done']);
    expect(t.silentProbes).toBe(0);
  });

  it('nextStep after done is inert', () => {
    const s = startStep(cfg({ address: -1 }), 0);
    expect(nextStep(s.state, { type: 'abort', now: 1 }).ops).toEqual([]);
  });
});

describe('secure-channel outcomes', () => {
  it('are surfaced verbatim as valid sc_ outcomes', () => {
    expect(scOutcome({ kind: 'sc_cryptogram_mismatch' })).toBe('sc_cryptogram_mismatch');
    expect(scOutcome({ kind: 'nak', code: 0x05 })).toBe('sc_nak_05');
    expect(scOutcome({ kind: 'sc_rmac_status', status: 0xff })).toBe('sc_rmac_rejected');
    expect(scOutcome({ kind: 'sc_key_indicator_mismatch', sent: 1, echoed: 0 })).toBe(
      'sc_key_indicator_mismatch',
    );
    expect(scOutcome({ kind: 'no_reply' })).toBe('sc_no_reply');
    for (const kind of [
      'sc_mac_mismatch',
      'sc_bad_padding',
      'sc_not_secured',
      'sc_rmac_mismatch',
      'sc_cryptogram_mismatch',
      'bad_reply',
      'busy',
    ] as const) {
      expect(isOutcome(scOutcome({ kind }))).toBe(true);
    }
    expect(isOutcome(scOutcome({ kind: 'sc_bad_message', reason: 'Weird Thing!!' }))).toBe(true);
  });
});

describe('commissioning machine: properties', () => {
  const pdArb = fc.record({
    address: fc.integer({ min: 0, max: 126 }),
    baud: fc.constantFrom(9600, 19200, 38400, 57600, 115200, 230400),
    key: fc.constantFrom('scbk_d' as const, 'derived' as const, 'other' as const),
    answersBroadcastAsOwn: fc.boolean(),
    absent: fc.boolean(),
    latencyMs: fc.constantFrom(2, 50, 300),
    comset: fc.constantFrom(
      'ok' as const,
      'silent_after' as const,
      'different_address' as const,
      'stays_at_old_baud' as const,
      'reports_other_baud' as const,
      'lost_reply' as const,
      'nak' as const,
      'ignored_once' as const,
    ),
    keyset: fc.constantFrom(
      'ack' as const,
      'plain_ack' as const,
      'nak' as const,
      'lost_ack' as const,
      'not_stored' as const,
      'stays_in_install_mode' as const,
      'dies_after_ack' as const,
      'silent' as const,
    ),
    refuse: fc.constantFrom('cryptogram_mismatch' as const, 'nak_05' as const),
    dieAtOp: fc.option(fc.integer({ min: 0, max: 20 }), { nil: undefined }),
    enforceSecure: fc.boolean(),
    secureComsetLost: fc.constantFrom(0, 1, 2),
  });
  const cfgArb = fc.record({
    address: fc.integer({ min: 0, max: 126 }),
    baud: fc.constantFrom(9600, 19200, 38400, 57600, 115200, 230400),
    lastSeenBaud: fc.option(fc.constantFrom(9600, 115200), { nil: undefined }),
    options: fc
      .record({ timeoutMs: fc.constantFrom(0, 5000), autoVerify: fc.boolean() })
      .map((o) => ({ ...o, expectedCapabilities: [] })),
  });

  it('always ends with a valid outcome; ok only right after a successful fresh derived-key handshake (guarantee 1), never re-keys a PD holding the key (guarantee 3)', () => {
    fc.assert(
      fc.property(cfgArb, pdArb, (c, pd) => {
        const t = drive(c, pd);
        expect(isOutcome(t.result.outcome)).toBe(true);
        expect(t.result.detail.length).toBeGreaterThan(10);
        if (pd.key === 'derived') expect(commands(t, 'KEYSET')).toHaveLength(0);
        if (t.result.outcome === 'ok') {
          const hs = handshakes(t).filter(
            (e) =>
              e.op.op === 'handshake' &&
              e.op.kk === 1 &&
              e.op.key === 'derived' &&
              e.result.kind === 'handshake_ok',
          );
          expect(hs.length).toBeGreaterThan(0);
          const lastKeyset = commands(t, 'KEYSET').at(-1);
          if (lastKeyset)
            expect(t.exchanges.indexOf(hs.at(-1)!)).toBeGreaterThan(
              t.exchanges.indexOf(lastKeyset),
            );
          expect(t.result.completed).toContain('key_verify');
          expect(t.pd.key).toBe('derived');
          if (c.options.autoVerify) expect(t.pd.stickyInstall).not.toBe(true);
        }
        // key custody: operations carry no bytes at all, only the symbolic key names
        const hasBytes = (v: unknown): boolean =>
          v instanceof Uint8Array ||
          (typeof v === 'object' && v !== null && Object.values(v).some(hasBytes));
        expect(t.ops.some(hasBytes)).toBe(false);
        // every stage that is reported done was in flight first
        const ev = stageOps(t);
        for (const s of t.result.completed)
          expect(ev.indexOf(`${s}:in_flight`)).toBeLessThan(ev.indexOf(`${s}:done`));
      }),
      { numRuns: 400 },
    );
  });
});
