// Every fault kind of the simulated bus's PDs → the outcome, stage and detail a technician sees.
// The real runner, the real ACU link, the real PD model, on the simulated RS-485 line.
import { describe, expect, it } from 'vitest';
import { SCBK_D, AcuDriver, toHex } from '@osprio/osdp';
import { createSimBus } from '@osprio/bus';
import { attachSimPd, type SimPd, type SimPdFault, type SimPdFaultKind } from '@osprio/bus';
import { runStep } from '../../src/commissioning/run-step.ts';
import { deriveScbk } from '../../src/kdf.ts';
import type { Stage, StageEvent } from '../../src/stages.ts';
import { acuTransmissions, isChlng, isKeyset, timedOutProbes } from './support/trace.ts';

const SEED = Uint8Array.from({ length: 16 }, (_, i) => 0x10 + i * 3);
const SESSION = '0d9c7a7e-4c7b-4b6e-8f2f-1b1c2d3e4f50';
const A = 9;
const B = 115200;
const STEP = 0;
const SCBK = deriveScbk(SEED, SESSION, STEP, A);
const OTHER_KEY = Uint8Array.from({ length: 16 }, (_, i) => 0xc0 ^ i);

async function commission(faults: SimPdFault[], seed = 1) {
  const bus = createSimBus({ baud: 9600, seed, traceLimit: Infinity });
  const pd = attachSimPd(bus.line, { faults });
  const stages: StageEvent[] = [];
  let c = seed;
  const result = await runStep({
    bus,
    target: { address: A, baud: B, stepIndex: STEP },
    options: { timeoutMs: 0, autoVerify: true, expectedCapabilities: [] },
    key: { seed: SEED, sessionId: SESSION },
    random: (n) => Uint8Array.from({ length: n }, () => (c = (c * 73 + 41) & 0xffff) & 0xff),
    onStage: (e) => stages.push(e),
  });
  return { bus, pd, result, stages };
}

const keyedWithStepKey = (pd: SimPd) =>
  !!pd.stored.scbk && pd.stored.scbk.every((b, i) => b === SCBK[i]) && !pd.stored.installMode;

interface Row {
  name: string;
  faults: SimPdFault[];
  outcome: string;
  stage: Stage;
  detail: RegExp;
  /** What the PD must be left holding. */
  pd?: (pd: SimPd) => void;
}

const ROWS: Row[] = [
  {
    name: 'no fault',
    faults: [],
    outcome: 'ok',
    stage: 'verify',
    detail:
      /keyed with this step’s SCBK and verified at address 9 at 115200 baud; install mode is off/,
    pd: (pd) => expect(keyedWithStepKey(pd)).toBe(true),
  },
  {
    name: 'absent',
    faults: [{ kind: 'absent' }],
    outcome: 'no_response',
    stage: 'discover',
    detail:
      /no PD answered osdp_ID \(broadcast 0x7F\) at 115200, 9600, 19200, 38400, 57600, 230400 baud; check power and wiring/,
  },
  {
    name: 'silent after COMSET (no osdp_COM)',
    faults: [{ kind: 'silent_after_comset' }],
    outcome: 'no_response',
    stage: 'comset',
    detail:
      /PD answered at 9600 baud before osdp_COMSET\(9, 115200\), then went silent at every baud/,
  },
  {
    name: 'silent after osdp_COM',
    faults: [{ kind: 'silent_after_comset', answersComset: true }],
    outcome: 'no_response',
    stage: 'confirm',
    detail: /then went silent at every baud/,
  },
  {
    name: 'applies a different address (reports it)',
    faults: [{ kind: 'other_address', address: 33 }],
    outcome: 'wrong_address',
    stage: 'comset',
    detail: /address 33, expected 9; it will now answer at address 33 at 115200 baud/,
  },
  {
    name: 'applies a different address (reports the requested one)',
    faults: [{ kind: 'other_address', address: 33, reports: 'requested' }],
    outcome: 'wrong_address',
    stage: 'confirm',
    detail: /answers at 115200 baud but not at address 9 .*although osdp_COM reported address 9/,
  },
  {
    name: 'stays at its old baud (reports the new one)',
    faults: [{ kind: 'stays_at_old_baud' }],
    outcome: 'baud_mismatch',
    stage: 'confirm',
    detail: /^PD replied at 9600, expected 115200/,
  },
  {
    name: 'stays at its old baud (reports it)',
    faults: [{ kind: 'stays_at_old_baud', reports: 'actual' }],
    outcome: 'baud_mismatch',
    stage: 'comset',
    detail: /with 9600 baud .*expected 115200/,
  },
  {
    name: 'already keyed with another SCBK',
    faults: [{ kind: 'keyed', scbk: OTHER_KEY }],
    outcome: 'scbk_rejected',
    stage: 'install_session',
    detail:
      /^address and baud applied \(address 9 at 115200 baud\); PD holds a different SCBK .* put it in install mode/,
    pd: (pd) => expect(pd.stored).toMatchObject({ address: A, baud: B, installMode: false }),
  },
  {
    name: 'NAKs KEYSET',
    faults: [{ kind: 'nak_keyset' }],
    outcome: 'keyset_failed',
    stage: 'keyset',
    detail: /refused osdp_KEYSET with NAK 0x09 \(unable to process command record\)/,
    pd: (pd) => expect(pd.stored.installMode).toBe(true),
  },
  {
    name: 'NAKs KEYSET with 0x06',
    faults: [{ kind: 'nak_keyset', code: 0x06 }],
    outcome: 'keyset_failed',
    stage: 'keyset',
    detail: /NAK 0x06 \(security conditions not met: secure channel required\)/,
  },
  {
    name: 'plaintext KEYSET ACK',
    faults: [{ kind: 'plaintext_keyset_ack' }],
    outcome: 'ok',
    stage: 'verify',
    detail: /verified/,
    pd: (pd) => expect(keyedWithStepKey(pd)).toBe(true),
  },
  {
    name: 'enforces the secure channel (COMSET inside the install session)',
    faults: [{ kind: 'enforce_secure' }],
    outcome: 'ok',
    stage: 'verify',
    detail:
      /verified at address 9 at 115200 baud; install mode is off .*requires the secure channel/,
    pd: (pd) => expect(keyedWithStepKey(pd)).toBe(true),
  },
  // A clean run has 10 PD replies: PDID, COM, PDID, CCRYPT, RMAC_I, ACK, CCRYPT, RMAC_I, PDID, CCRYPT.
  ...[1, 2, 3, 4, 5, 6, 7, 8, 9, 10].flatMap((n): Row[] =>
    [false, true].map((applied) => ({
      name: `reboots instead of reply #${n}${applied ? ' (after saving)' : ''}`,
      faults: [{ kind: 'reboot', atReply: n, applied }],
      outcome: 'ok',
      stage: 'verify',
      detail: /verified at address 9 at 115200 baud/,
      pd: (pd) => {
        expect(pd.rebootCount).toBe(1);
        expect(keyedWithStepKey(pd)).toBe(true);
      },
    })),
  ),
  {
    name: 'replies after 300 ms',
    faults: [{ kind: 'slow', replyDelayMs: 300 }],
    outcome: 'ok',
    stage: 'verify',
    detail: /verified/,
    pd: (pd) => expect(keyedWithStepKey(pd)).toBe(true),
  },
  {
    name: 'replies after 900 ms',
    faults: [{ kind: 'slow', replyDelayMs: 900 }],
    outcome: 'ok',
    stage: 'verify',
    detail: /verified/,
  },
  {
    name: 'noisy line (1% byte errors)',
    faults: [{ kind: 'noisy', byteErrorRate: 0.01 }],
    outcome: 'ok',
    stage: 'verify',
    detail: /verified/,
    pd: (pd) => expect(keyedWithStepKey(pd)).toBe(true),
  },
];

describe('simulated PD faults → outcome, stage, detail', () => {
  it('covers every fault kind of the simulated PD', () => {
    const kinds: SimPdFaultKind[] = [
      'absent',
      'silent_after_comset',
      'other_address',
      'stays_at_old_baud',
      'keyed',
      'nak_keyset',
      'plaintext_keyset_ack',
      'reboot',
      'slow',
      'noisy',
      'enforce_secure',
    ];
    for (const k of kinds)
      expect(
        ROWS.some((r) => r.faults.some((f) => f.kind === k)),
        k,
      ).toBe(true);
  });

  it.each(ROWS)('$name → $outcome at $stage', async (row) => {
    const { bus, pd, result, stages } = await commission(row.faults);
    const why = `${result.outcome}: ${result.detail}`;
    expect(result.outcome, why).toBe(row.outcome);
    expect(result.stage, why).toBe(row.stage);
    expect(result.stageStatus).toBe(row.outcome === 'ok' ? 'done' : 'stalled');
    expect(result.detail).toMatch(row.detail);
    expect(stages.at(-1)).toEqual({ stage: row.stage, status: result.stageStatus });
    row.pd?.(pd);
    // Guarantee 3: once the PD has stored the step key, no new KEYSET goes out (a retransmission of
    // the same bytes is not a new KEYSET: the PD answers it from its reply cache).
    const keyed = pd.events.find((e) => e.type === 'keyset_applied');
    if (keyed) {
      const keysets = acuTransmissions(bus.line.trace).filter((t) => isKeyset(t.frame));
      const first = keysets.find((t) => t.entry.end <= keyed.at)!;
      for (const t of keysets.filter((k) => k.entry.start > keyed.at))
        expect(toHex(t.entry.bytes)).toBe(toHex(first.entry.bytes));
    }
    if (result.outcome === 'ok') {
      // Guarantee 2 on every ok: SCBK-D is refused now.
      const probe = new AcuDriver(bus, { address: A, baud: B });
      expect((await probe.handshake(0, SCBK_D, Uint8Array.of(9, 9, 9, 9, 9, 9, 9, 9))).ok).toBe(
        false,
      );
    }
  });

  it('noisy line: ok across seeds at 1% byte errors', async () => {
    for (const seed of [2, 3, 4, 5, 6, 7, 8]) {
      const { result, pd } = await commission([{ kind: 'noisy', byteErrorRate: 0.01 }], seed);
      expect(result.outcome, `seed ${seed}: ${result.detail}`).toBe('ok');
      expect(keyedWithStepKey(pd)).toBe(true);
    }
  });

  it('a line too noisy to commission says so instead of blaming the PD', async () => {
    const { result } = await commission([{ kind: 'noisy', byteErrorRate: 0.1 }], 1);
    expect(result.outcome).not.toBe('ok');
    expect(result.detail).toMatch(/noisy|garbled/);
  });

  it('keyed-with-another-SCBK retry after install mode is switched on succeeds', async () => {
    const { bus, pd, result } = await commission([{ kind: 'keyed', scbk: OTHER_KEY }]);
    expect(result.outcome).toBe('scbk_rejected');
    pd.setInstallMode(true);
    const again = await runStep({
      bus,
      target: { address: A, baud: B, stepIndex: STEP },
      options: { timeoutMs: 0, autoVerify: true, expectedCapabilities: [] },
      key: { seed: SEED, sessionId: SESSION },
      random: () => Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8),
      lastSeenBaud: result.seenAtBaud,
    });
    expect(again.outcome, again.detail).toBe('ok');
    expect(keyedWithStepKey(pd)).toBe(true);
  });

  it('the happy path at the first candidate baud makes no timed-out probe', async () => {
    const bus = createSimBus({ baud: 9600, seed: 1, traceLimit: Infinity });
    attachSimPd(bus.line, {});
    const r = await runStep({
      bus,
      target: { address: A, baud: 9600, stepIndex: STEP },
      options: {
        timeoutMs: 0,
        autoVerify: true,
        expectedCapabilities: [{ functionCode: 16, minCompliance: 2, minCount: 0 }],
      },
      key: { seed: SEED, sessionId: SESSION },
      random: () => Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8),
    });
    expect(r.outcome, r.detail).toBe('ok');
    expect(timedOutProbes(bus.line.trace)).toBe(0);
  });

  it('without auto-verify the SCBK-D refusal check still runs, answered (CCRYPT that fails), no timed-out probe', async () => {
    const bus = createSimBus({ baud: 9600, seed: 1, traceLimit: Infinity });
    attachSimPd(bus.line, {});
    const r = await runStep({
      bus,
      target: { address: A, baud: 9600, stepIndex: STEP },
      options: { timeoutMs: 0, autoVerify: false, expectedCapabilities: [] },
      key: { seed: SEED, sessionId: SESSION },
      random: () => Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8),
    });
    expect(r.outcome, r.detail).toBe('ok');
    expect(r.detail).toMatch(/install mode is off \(SCBK-D refused\)/);
    expect(timedOutProbes(bus.line.trace)).toBe(0);
    const tx = acuTransmissions(bus.line.trace);
    expect(isChlng(tx.at(-1)!.frame, 0)).toBe(true);
    expect(tx.at(-1)!.answeredClean).toBe(true);
  });
});
