// The ACU link reducer on its own (pure inputs → actions), and a property test of the whole
// provisioning exchange against the PD model under random lost/corrupt/late frames and BUSY.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { concat, fromHex, toHex } from '../src/bytes.ts';
import { AcuDriver, type AcuTraceEvent } from '../src/acu-driver.ts';
import { acuInit, acuStep, nextSqn, wireTimeMs } from '../src/acu-link.ts';
import type { AcuAction, AcuState } from '../src/acu-types.ts';
import { osdp_BUSY } from '../src/codes.ts';
import { buildFrame, type Sqn } from '../src/frame.ts';
import { SCBK_D } from '../src/sc-crypto.ts';
import {
  SimLine,
  corrupt,
  parsed,
  stepHex,
  workedSession,
  workedSessionPd,
  type Fault,
} from './support/acu-sim.ts';

const sendActs = (a: readonly AcuAction[]) => a.filter((x) => x.type === 'send');
const wakes = (a: readonly AcuAction[]) =>
  a.filter((x) => x.type === 'wake').map((x) => (x as { at: number }).at);
const results = (a: readonly AcuAction[]) => a.filter((x) => x.type === 'result');
/** osdp_ACK from PD 1 with `sqn`, CRC-16. */
const ackFrame = (sqn: Sqn) =>
  buildFrame({ address: 1, reply: true, sqn, check: 'crc', code: 0x40, data: new Uint8Array(0) });

describe('acuStep (pure reducer)', () => {
  it('SQN cycle skips 0', () => {
    expect([0, 1, 2, 3].map((s) => nextSqn(s as 0 | 1 | 2 | 3))).toEqual([1, 2, 3, 1]);
  });

  it('sends CRC frames and sets the deadline to wire time at the current baud + 200 ms', () => {
    for (const baud of [9600, 115200]) {
      const s0 = acuInit({ address: 1, baud });
      const t = acuStep(s0, { type: 'send', command: { kind: 'POLL' }, at: 1000 });
      const [send] = sendActs(t.actions);
      expect(send).toBeDefined();
      const bytes = (send as { bytes: Uint8Array }).bytes;
      expect(bytes[0]).toBe(0x53); // no MARK by default
      expect(parsed(bytes)).toMatchObject({ check: 'crc', sqn: 0, address: 1, reply: false });
      expect(wakes(t.actions)).toEqual([1000 + wireTimeMs(bytes.length, baud) + 200]);
    }
  });

  it('a request answered on its first copy settles the line; one answered after a resend does not', () => {
    const ack = (sent: Uint8Array) => ackFrame(parsed(sent).sqn);
    const sendPoll = (state: AcuState, at: number) =>
      acuStep(state, { type: 'send', command: { kind: 'POLL' }, at });
    // First copy answered: settled.
    let t = sendPoll(acuInit({ address: 1, tries: 3, triesIfSilent: 3 }), 0);
    let sent = (sendActs(t.actions)[0] as { bytes: Uint8Array }).bytes;
    t = acuStep(t.state, { type: 'rx', bytes: ack(sent), at: 5 });
    expect(t.state.unsettled).toBe(false);
    // Answered only after a retransmission: a late answer to the first copy may still come.
    t = sendPoll(t.state, 100);
    t = acuStep(t.state, { type: 'tick', at: wakes(t.actions)[0]! });
    sent = (sendActs(t.actions)[0] as { bytes: Uint8Array }).bytes;
    t = acuStep(t.state, { type: 'rx', bytes: ack(sent), at: wakes(t.actions)[0]! - 1 });
    expect(results(t.actions)).toMatchObject([{ result: { ok: true } }]);
    expect(t.state.unsettled).toBe(true);
    // The next request answered on its first copy settles it again.
    t = sendPoll(t.state, 10_000);
    sent = (sendActs(t.actions)[0] as { bytes: Uint8Array }).bytes;
    t = acuStep(t.state, { type: 'rx', bytes: ack(sent), at: 10_005 });
    expect(t.state.unsettled).toBe(false);
  });

  it('with a retry delay, waits that long after the deadline before retransmitting', () => {
    let t = acuStep(acuInit({ address: 1, tries: 2, triesIfSilent: 2, retryDelayMs: 50 }), {
      type: 'send',
      command: { kind: 'POLL' },
      at: 0,
    });
    const first = (sendActs(t.actions)[0] as { bytes: Uint8Array }).bytes;
    const deadline = wakes(t.actions)[0]!;
    t = acuStep(t.state, { type: 'tick', at: deadline });
    expect(sendActs(t.actions)).toHaveLength(0);
    expect(wakes(t.actions)).toEqual([deadline + 50]);
    t = acuStep(t.state, { type: 'tick', at: deadline + 49 });
    expect(sendActs(t.actions)).toHaveLength(0);
    t = acuStep(t.state, { type: 'tick', at: deadline + 50 });
    const again = sendActs(t.actions)[0] as { bytes: Uint8Array; retransmission: boolean };
    expect(again.retransmission).toBe(true);
    expect(toHex(again.bytes)).toBe(toHex(first));
  });

  it('retransmits the identical bytes at the deadline, then fails with timeout and restarts the link', () => {
    let s: AcuState = acuInit({ address: 1, tries: 2, triesIfSilent: 2 });
    s = { ...s, nextSqn: 2 };
    let t = acuStep(s, { type: 'send', command: { kind: 'ID', reportType: 0 }, at: 0 });
    const first = (sendActs(t.actions)[0] as { bytes: Uint8Array }).bytes;
    const deadline = wakes(t.actions)[0]!;
    t = acuStep(t.state, { type: 'tick', at: deadline - 1 });
    expect(sendActs(t.actions)).toHaveLength(0);
    expect(wakes(t.actions)).toEqual([deadline]);
    t = acuStep(t.state, { type: 'tick', at: deadline });
    const again = sendActs(t.actions)[0] as { bytes: Uint8Array; retransmission: boolean };
    expect(again.retransmission).toBe(true);
    expect(toHex(again.bytes)).toBe(toHex(first));
    expect(parsed(again.bytes).sqn).toBe(2);
    t = acuStep(t.state, { type: 'tick', at: wakes(t.actions)[0]! });
    expect(results(t.actions)).toEqual([
      {
        type: 'result',
        result: { ok: false, error: { kind: 'timeout', stage: 'command', tries: 2 } },
      },
    ]);
    expect(t.state.nextSqn).toBe(0);
    expect(t.state.phase.name).toBe('idle');
  });

  // The give-up rule (failedTry): `tries` copies in all, but only `triesIfSilent` copies the PD
  // never answered. Anything heard, even garbled, makes the failure a bad_reply, not a timeout.
  it.each([
    { tries: 3, triesIfSilent: 1, pd: 'silent', sends: 1, kind: 'timeout' },
    { tries: 3, triesIfSilent: 2, pd: 'silent', sends: 2, kind: 'timeout' },
    { tries: 1, triesIfSilent: 3, pd: 'silent', sends: 1, kind: 'timeout' },
    { tries: 3, triesIfSilent: 1, pd: 'garbled', sends: 3, kind: 'bad_reply' },
    { tries: 2, triesIfSilent: 3, pd: 'garbled', sends: 2, kind: 'bad_reply' },
    { tries: 3, triesIfSilent: 1, pd: 'garbled once, then silent', sends: 2, kind: 'bad_reply' },
    { tries: 3, triesIfSilent: 2, pd: 'silent once, then garbled', sends: 3, kind: 'bad_reply' },
  ] as const)(
    'tries $tries, triesIfSilent $triesIfSilent, a $pd PD: $sends copies, then $kind',
    ({ tries, triesIfSilent, pd, sends, kind }) => {
      let t = acuStep(acuInit({ address: 1, tries, triesIfSilent }), {
        type: 'send',
        command: { kind: 'POLL' },
        at: 0,
      });
      const copies: Uint8Array[] = [];
      for (let i = 0; i < 10 && results(t.actions).length === 0; i++) {
        const sent = sendActs(t.actions)[0] as { bytes: Uint8Array } | undefined;
        expect(sent, `copy ${i + 1} goes on the wire`).toBeDefined();
        copies.push(sent!.bytes);
        const garbled =
          pd === 'garbled' ||
          (pd === 'garbled once, then silent' && i === 0) ||
          (pd === 'silent once, then garbled' && i > 0);
        if (garbled) {
          const reply = ackFrame(parsed(sent!.bytes).sqn);
          t = acuStep(t.state, { type: 'rx', bytes: corrupt(reply), at: 2 + i * 1000 });
          if (results(t.actions).length > 0 || sendActs(t.actions).length > 0) continue;
        }
        t = acuStep(t.state, { type: 'tick', at: wakes(t.actions)[0]! });
      }
      expect(copies).toHaveLength(sends);
      for (const c of copies) expect(toHex(c)).toBe(toHex(copies[0]!));
      expect(results(t.actions)).toMatchObject([
        { result: { ok: false, error: { kind, stage: 'command', tries: sends } } },
      ]);
      expect(t.state.phase.name).toBe('idle');
      expect(t.state.nextSqn).toBe(0);
      expect(t.state.unsettled).toBe(true);
    },
  );

  it('refuses a second request while one is in flight, without disturbing it', () => {
    const s0 = acuInit({ address: 1 });
    const t1 = acuStep(s0, { type: 'send', command: { kind: 'POLL' }, at: 0 });
    const t2 = acuStep(t1.state, { type: 'send', command: { kind: 'POLL' }, at: 1 });
    expect(results(t2.actions)).toEqual([
      { type: 'result', result: { ok: false, error: { kind: 'link_busy' } } },
    ]);
    expect(t2.state.phase).toEqual(t1.state.phase);
  });

  it('a restart cancels the request in flight and resets SQN and session', () => {
    const s0 = acuInit({ address: 1 });
    const t1 = acuStep({ ...s0, nextSqn: 3 }, { type: 'send', command: { kind: 'POLL' }, at: 0 });
    const t2 = acuStep(t1.state, { type: 'restart' });
    expect(results(t2.actions)).toEqual([
      { type: 'result', result: { ok: false, error: { kind: 'cancelled' } } },
    ]);
    expect(t2.state).toMatchObject({ nextSqn: 0, session: null, phase: { name: 'idle' } });
  });

  it('takes a reply delivered in pieces, and ignores bytes when idle', () => {
    const s0 = acuInit({ address: 1 });
    const idle = acuStep(s0, { type: 'rx', bytes: fromHex('538108000540'), at: 0 });
    expect(idle.actions).toEqual([]);
    const t1 = acuStep(s0, { type: 'send', command: { kind: 'POLL' }, at: 0 });
    const ack = ackFrame(0);
    const t2 = acuStep(t1.state, { type: 'rx', bytes: ack.subarray(0, 3), at: 20 });
    expect(results(t2.actions)).toHaveLength(0);
    const t3 = acuStep(t2.state, { type: 'rx', bytes: ack.subarray(3), at: 25 });
    expect(results(t3.actions)).toMatchObject([
      { result: { ok: true, reply: { kind: 'ACK' }, from: 1 } },
    ]);
    expect(t3.state.nextSqn).toBe(1);
  });
});

describe('acuStep: baud changes, busy requests and restarts in every phase', () => {
  const poll = { type: 'send', command: { kind: 'POLL' }, at: 0 } as const;
  const handshake = {
    type: 'handshake',
    kk: 1,
    scbk: SCBK_D,
    rndA: new Uint8Array(8),
    at: 1,
  } as const;

  it('set_baud: a positive rate times the next frame; zero, negative or NaN is ignored', () => {
    let s = acuInit({ address: 1, baud: 9600 });
    for (const baud of [0, -1, Number.NaN]) {
      const t = acuStep(s, { type: 'set_baud', baud });
      expect(t.state).toBe(s);
      expect(t.actions).toEqual([]);
    }
    s = acuStep(s, { type: 'set_baud', baud: 115200 }).state;
    expect(s.baud).toBe(115200);
    expect(s.config.baud).toBe(9600); // the configured rate stays what the caller set
    const t = acuStep(s, poll);
    const bytes = (sendActs(t.actions)[0] as { bytes: Uint8Array }).bytes;
    expect(wakes(t.actions)).toEqual([wireTimeMs(bytes.length, 115200) + 200]);
  });

  it('set_baud while awaiting a reply drops the bytes heard at the old rate and keeps the deadline', () => {
    const t1 = acuStep(acuInit({ address: 1, baud: 9600 }), poll);
    const deadline = wakes(t1.actions)[0]!;
    const t2 = acuStep(t1.state, { type: 'rx', bytes: Uint8Array.of(0x53, 0x81, 0x08), at: 10 });
    expect(t2.state.rx.pending).toHaveLength(3);
    const t3 = acuStep(t2.state, { type: 'set_baud', baud: 38400 });
    expect(t3.state.rx.pending).toHaveLength(0);
    expect(t3.state.phase).toEqual(t2.state.phase);
    expect(t3.actions).toEqual([{ type: 'wake', at: deadline }]);
  });

  it('a send or handshake while busy is refused, and the request in flight keeps its wake-up', () => {
    const t1 = acuStep(acuInit({ address: 1 }), poll);
    const deadline = wakes(t1.actions)[0]!;
    for (const req of [{ ...poll, at: 1 }, handshake]) {
      const t2 = acuStep(t1.state, req);
      expect(t2.actions).toEqual([
        { type: 'result', result: { ok: false, error: { kind: 'link_busy' } } },
        { type: 'wake', at: deadline },
      ]);
      expect(t2.state).toEqual(t1.state);
    }
  });

  it('in the wait before a resend: bytes are not the reply, requests are refused, a restart cancels', () => {
    const t1 = acuStep(acuInit({ address: 1, tries: 2, triesIfSilent: 2, retryDelayMs: 50 }), poll);
    const deadline = wakes(t1.actions)[0]!;
    const wait = acuStep(t1.state, { type: 'tick', at: deadline });
    expect(wait.state.phase.name).toBe('retry_wait');
    const ack = ackFrame(0);
    const rx = acuStep(wait.state, { type: 'rx', bytes: ack, at: deadline + 10 });
    expect(rx.state).toBe(wait.state);
    expect(rx.actions).toEqual([{ type: 'wake', at: deadline + 50 }]);
    const early = acuStep(wait.state, { type: 'tick', at: deadline + 49 });
    expect(early.actions).toEqual([{ type: 'wake', at: deadline + 50 }]);
    for (const req of [{ ...poll, at: deadline + 1 }, handshake])
      expect(results(acuStep(wait.state, req).actions)).toEqual([
        { type: 'result', result: { ok: false, error: { kind: 'link_busy' } } },
      ]);
    const r = acuStep(wait.state, { type: 'restart' });
    expect(r.actions).toEqual([
      { type: 'result', result: { ok: false, error: { kind: 'cancelled' } } },
    ]);
    expect(r.state.phase).toEqual({ name: 'idle' });
  });

  it("a request's policy overrides the link's tries and reply window; fewer than one try means one", () => {
    const silent = (policy: object) => {
      let t = acuStep(acuInit({ address: 1, tries: 2, triesIfSilent: 2 }), { ...poll, policy });
      const deadlines: number[] = [];
      while (results(t.actions).length === 0) {
        deadlines.push(wakes(t.actions)[0]!);
        t = acuStep(t.state, { type: 'tick', at: deadlines.at(-1)! });
      }
      return {
        deadlines,
        error: (results(t.actions)[0] as { result: { error: unknown } }).result.error,
      };
    };
    const wire = wireTimeMs(8, 9600); // osdp_POLL with CRC-16 is 8 bytes
    expect(silent({})).toEqual({
      deadlines: [wire + 200, 2 * (wire + 200)],
      error: { kind: 'timeout', stage: 'command', tries: 2 },
    });
    expect(silent({ tries: 3, triesIfSilent: 3, replyTimeoutMs: 50 })).toEqual({
      deadlines: [wire + 50, 2 * (wire + 50), 3 * (wire + 50)],
      error: { kind: 'timeout', stage: 'command', tries: 3 },
    });
    for (const policy of [{ tries: 0 }, { triesIfSilent: 0 }, { tries: -2, triesIfSilent: -2 }])
      expect(silent(policy).error).toEqual({ kind: 'timeout', stage: 'command', tries: 1 });
  });

  it('a restart when idle says nothing, and forgets the SQN and pending bytes', () => {
    const s = { ...acuInit({ address: 1 }), nextSqn: 2 as const };
    const t = acuStep(s, { type: 'restart' });
    expect(t.actions).toEqual([]);
    expect(t.state).toMatchObject({ nextSqn: 0, session: null, phase: { name: 'idle' } });
    expect(t.state.rx.pending).toHaveLength(0);
  });

  it('a handshake starts a new link: SQN 0 on the CHLNG, whatever the link had reached', () => {
    const s = { ...acuInit({ address: 1 }), nextSqn: 3 as const };
    const t = acuStep(s, handshake);
    const chlng = parsed((sendActs(t.actions)[0] as { bytes: Uint8Array }).bytes);
    expect(chlng).toMatchObject({ sqn: 0, address: 1, code: 0x76, check: 'crc' });
    expect(t.state.nextSqn).toBe(0);
    expect(t.state.session).toBeNull();
  });
});

describe('acuStep: a reply buffered behind a false SOM (reference §2.1 resync, §1 inter-character timeout)', () => {
  // 53 81 00 02 04 is a plausible reply header claiming 512 bytes: it swallows the real PDID.
  const FALSE_SOM = fromHex('5381000204');
  const PDID = fromHex(stepHex(2)); // reply to ID, address 1, SQN 0, CRC
  const start = () => {
    const t = acuStep(acuInit({ address: 1, tries: 1, triesIfSilent: 1 }), {
      type: 'send',
      command: { kind: 'ID', reportType: 0 },
      at: 0,
    });
    return acuStep(t.state, { type: 'rx', bytes: concat(FALSE_SOM, PDID), at: 20 });
  };

  it('wakes when the partial frame goes stale, and then takes the reply (no new bytes needed)', () => {
    const t = start();
    expect(results(t.actions)).toEqual([]);
    expect(wakes(t.actions)).toEqual([40]); // lastAt + interCharTimeoutMs, before the reply deadline
    const early = acuStep(t.state, { type: 'tick', at: 39 });
    expect(results(early.actions)).toEqual([]);
    expect(wakes(early.actions)).toEqual([40]);
    const r = acuStep(early.state, { type: 'tick', at: 60 });
    expect(results(r.actions)).toMatchObject([
      { result: { ok: true, reply: { kind: 'PDID', serial: 0x12345678 }, from: 1 } },
    ]);
    expect(r.state.nextSqn).toBe(1);
  });

  it('also takes it at the reply deadline instead of failing the try', () => {
    const t = start();
    const r = acuStep(t.state, { type: 'tick', at: 300 });
    expect(results(r.actions)).toMatchObject([{ result: { ok: true, reply: { kind: 'PDID' } } }]);
  });

  it('a stale partial frame with nothing behind it ends the try once the line stayed quiet, not at the deadline', () => {
    const t0 = acuStep(acuInit({ address: 1, tries: 1, triesIfSilent: 1 }), {
      type: 'send',
      command: { kind: 'ID', reportType: 0 },
      at: 0,
    });
    const deadline = t0.actions.flatMap((a) => (a.type === 'wake' ? [a.at] : []))[0]!;
    const t1 = acuStep(t0.state, { type: 'rx', bytes: FALSE_SOM, at: 20 });
    const t2 = acuStep(t1.state, { type: 'tick', at: 40 });
    expect(results(t2.actions)).toEqual([]);
    // dropped at 40 (20 ms of silence); one more inter-character timeout for a reply still on the wire
    expect(wakes(t2.actions)).toEqual([60]);
    expect(60).toBeLessThan(deadline);
    const t3 = acuStep(t2.state, { type: 'tick', at: 60 });
    expect(results(t3.actions)).toMatchObject([
      { result: { ok: false, error: { kind: 'bad_reply', stage: 'command' } } },
    ]);
  });
});

describe('acuStep: key custody (reference §3.6)', () => {
  const KEY = fromHex('00112233445566778899aabbccddeeff');

  it('refuses osdp_KEYSET outside a secure session: bad_request, nothing on the wire, no key bytes in the reason', () => {
    const s0 = acuInit({ address: 1 });
    const requests = [
      { type: 'send' as const, command: { kind: 'KEYSET' as const, keyType: 1, key: KEY }, at: 0 },
      {
        type: 'send' as const,
        command: { kind: 'KEYSET' as const, keyType: 1, key: KEY },
        secure: false,
        at: 0,
      },
      {
        type: 'send' as const,
        command: { kind: 'KEYSET' as const, keyType: 1, key: KEY },
        secure: true,
        at: 0,
      }, // no session
      {
        type: 'send' as const,
        command: { kind: 'unknown' as const, code: 0x75, data: Uint8Array.from([1, 16, ...KEY]) },
        at: 0,
      },
    ];
    for (const req of requests) {
      const t = acuStep(s0, req);
      expect(sendActs(t.actions)).toEqual([]);
      const [r] = results(t.actions);
      expect(r).toMatchObject({
        result: {
          ok: false,
          error: { kind: 'bad_request', reason: expect.stringMatching(/KEYSET.*secure channel/) },
        },
      });
      const error = (r as { result: { error: object } }).result.error;
      expect(JSON.stringify(error)).not.toMatch(/00112233/i);
      expect(Object.values(error).some((v) => v instanceof Uint8Array)).toBe(false);
      expect(t.state.phase.name).toBe('idle');
      expect(t.state.nextSqn).toBe(0);
    }
  });
});

// ───────────── property: the exchange survives any recoverable fault pattern ─────────────

type FaultKind =
  'ok' | 'drop_cmd' | 'corrupt_cmd' | 'drop_reply' | 'corrupt_reply' | 'late_reply' | 'busy';
const FAULTS: FaultKind[] = [
  'drop_cmd',
  'corrupt_cmd',
  'drop_reply',
  'corrupt_reply',
  'late_reply',
  'busy',
];

function faultOf(kind: FaultKind, sent: Uint8Array): Fault | undefined {
  const f = parsed(sent);
  switch (kind) {
    case 'ok':
      return undefined;
    case 'drop_cmd':
      return { command: null };
    case 'corrupt_cmd':
      return { command: corrupt(sent) };
    case 'drop_reply':
      return { reply: () => [] };
    case 'corrupt_reply':
      return { reply: (r) => r.map(corrupt) };
    case 'late_reply':
      return { turnaroundMs: 260 };
    case 'busy':
      return {
        command: null,
        reply: () => [
          buildFrame({
            address: f.address,
            reply: true,
            sqn: 0,
            check: 'crc',
            code: osdp_BUSY,
            data: new Uint8Array(0),
          }),
        ],
      };
  }
}

// 'resend': the PD answers a repeated SQN-0 frame from its cache; 'reprocess': it runs it again (so
// a retried CHLNG draws a second CCRYPT with a new RND.B).
describe.each(['resend', 'reprocess'] as const)(
  'property (PD sqn0Repeat: %s): every recoverable fault pattern still provisions',
  (sqn0Repeat) => {
    it('ID, SCBK-D session, secured POLL/LSTAT, KEYSET, new-key session, secured POLL', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(
            fc.oneof(
              { weight: 3, arbitrary: fc.constant<FaultKind>('ok') },
              { weight: 2, arbitrary: fc.constantFrom(...FAULTS) },
            ),
            {
              minLength: 1,
              maxLength: 80,
            },
          ),
          async (pattern) => {
            const line = new SimLine(workedSessionPd({ sqn0Repeat }));
            const trace: AcuTraceEvent[] = [];
            const link = new AcuDriver(
              line,
              { address: 1, baud: 9600, tries: 6, triesIfSilent: 6 },
              (e) => trace.push(e),
            );
            // At most 3 failures in a row (tries: 6) and 5 BUSYs in a row (maxBusy: 20), so every
            // exchange is recoverable.
            let run = 0;
            let busyRun = 0;
            line.fault = (n, sent) => {
              let k = pattern[n % pattern.length]!;
              if (k === 'busy') busyRun++;
              else if (k !== 'ok') run++;
              if (run > 3 || busyRun > 5) k = 'ok';
              if (k === 'ok') run = busyRun = 0;
              return faultOf(k, sent);
            };
            const newKey = fromHex(workedSession.keys_session2.scbk);
            // Against a PD that reruns a repeated SQN-0 CHLNG, a lost CCRYPT leaves the CP holding an
            // older RND.B than the PD: SCRYPT then draws NAK 0x05 — a typed failure, and the caller's
            // fresh handshake (new RND.A) must succeed. Against the caching PD no retry is allowed.
            let handshakes = 0;
            const handshake = async (kk: 0 | 1, key: Uint8Array) => {
              for (let attempt = 0; ; attempt++) {
                const rndA = Uint8Array.from(
                  { length: 8 },
                  (_, i) => 0xa0 + 16 * (handshakes % 6) + i,
                );
                handshakes++;
                const r = await link.handshake(kk, key, rndA);
                if (r.ok || sqn0Repeat === 'resend' || attempt === 2) return r;
                expect(r.error).toMatchObject({ kind: 'nak', stage: 'scrypt', code: 5 });
                expect(link.hasSession).toBe(false);
              }
            };
            const steps = [
              () => link.send({ kind: 'ID', reportType: 0 }),
              () => handshake(0, SCBK_D),
              () => link.send({ kind: 'POLL' }, { secure: true }),
              () => link.send({ kind: 'LSTAT' }, { secure: true }),
              () => link.send({ kind: 'KEYSET', keyType: 1, key: newKey }, { secure: true }),
              () => handshake(1, newKey),
              () => link.send({ kind: 'POLL' }, { secure: true }),
            ];
            for (const [i, step] of steps.entries()) {
              const r = await step();
              if (!r.ok) throw new Error(`step ${i} failed: ${JSON.stringify(r.error)}`);
            }
            // Every retransmission repeats the previous transmission byte for byte.
            const tx = trace.filter(
              (e): e is Extract<AcuTraceEvent, { dir: 'tx' }> => e.dir === 'tx',
            );
            for (let i = 1; i < tx.length; i++) {
              if (tx[i]!.retransmission) expect(toHex(tx[i]!.bytes)).toBe(toHex(tx[i - 1]!.bytes));
            }
            // New frames: SQN 0 on the first and on each CHLNG, then 1, 2, 3, 1, …; all carry CRC.
            const fresh = tx.filter((e) => !e.retransmission).map((e) => parsed(e.bytes));
            let expected = 0;
            for (const [i, f] of fresh.entries()) {
              if (f.scb?.type === 0x11) expected = 0;
              expect(f.sqn, `fresh frame ${i}`).toBe(expected);
              expected = expected === 3 ? 1 : expected + 1;
            }
            if (sqn0Repeat === 'resend')
              expect(fresh.map((f) => f.sqn)).toEqual([0, 0, 1, 2, 3, 1, 0, 1, 2]);
            expect(fresh.every((f) => f.check === 'crc')).toBe(true);
            expect(line.pd.scbk && toHex(line.pd.scbk)).toBe(toHex(newKey));
          },
        ),
        { numRuns: 200, seed: 0x05d9 },
      );
    });
  },
);
