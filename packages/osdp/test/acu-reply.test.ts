// Which frames answer the request in flight (acu-reply.ts replyMatches), and what a plaintext
// answer that is wrong in shape does to the link — driven through the pure reducer with hand-built
// replies, so each rule is pinned on its own.
import { describe, expect, it } from 'vitest';
import { acuInit, acuStep } from '../src/acu-link.ts';
import type { AcuAction, AcuState, AcuTransition } from '../src/acu-types.ts';
import { NAK_SEQ_NUM, SCS_14, osdp_ACK, osdp_BUSY, osdp_NAK, osdp_PDID } from '../src/codes.ts';
import { buildFrame, type FrameFields, type Sqn } from '../src/frame.ts';
import { parsed } from './support/acu-sim.ts';

const sends = (a: readonly AcuAction[]) =>
  a.filter((x): x is Extract<AcuAction, { type: 'send' }> => x.type === 'send');
const results = (a: readonly AcuAction[]) =>
  a.filter((x): x is Extract<AcuAction, { type: 'result' }> => x.type === 'result');

/** The error of the one result among `a`, which must be a failure. */
function failure(a: readonly AcuAction[]) {
  const r = results(a);
  expect(r).toHaveLength(1);
  expect(r[0]!.result.ok).toBe(false);
  return r[0]!.result.ok ? undefined : r[0]!.result.error;
}

const PDID_DATA = Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12);

function reply(f: Partial<FrameFields> & { sqn: Sqn }): Uint8Array {
  return buildFrame({
    address: 1,
    check: 'crc',
    code: osdp_ACK,
    data: new Uint8Array(0),
    ...f,
    reply: true,
  });
}

/** Applies `command` to an idle link configured for address `own`, its next SQN `sqn`. */
function sent(own: number, command: Parameters<typeof acuStep>[1], sqn: Sqn = 1): AcuTransition {
  const s: AcuState = { ...acuInit({ address: own }), nextSqn: sqn };
  return acuStep(s, command);
}

const poll = (address?: number) =>
  ({
    type: 'send',
    command: { kind: 'POLL' },
    at: 0,
    ...(address === undefined ? {} : { address }),
  }) as const;

describe('replyMatches: who may answer', () => {
  it('a PD-addressed request takes a reply from that address only', () => {
    const t = sent(1, poll());
    const other = acuStep(t.state, { type: 'rx', bytes: reply({ address: 2, sqn: 1 }), at: 5 });
    expect(results(other.actions)).toEqual([]);
    expect(other.state.phase.name).toBe('awaiting_reply');
    const bcast = acuStep(t.state, { type: 'rx', bytes: reply({ address: 0x7f, sqn: 1 }), at: 5 });
    expect(results(bcast.actions)).toEqual([]);
    const own = acuStep(t.state, { type: 'rx', bytes: reply({ address: 1, sqn: 1 }), at: 5 });
    expect(results(own.actions)).toMatchObject([{ result: { ok: true, from: 1 } }]);
  });

  it('a broadcast takes a reply from 0x7F or the PD’s own address, not from another PD', () => {
    const t = sent(5, poll(0x7f));
    for (const [address, answered] of [
      [0x7f, true],
      [5, true],
      [6, false],
    ] as const) {
      const r = acuStep(t.state, { type: 'rx', bytes: reply({ address, sqn: 1 }), at: 5 });
      expect(results(r.actions).length, `from 0x${address.toString(16)}`).toBe(answered ? 1 : 0);
      if (answered)
        expect(results(r.actions)[0]!.result).toMatchObject({ ok: true, from: address });
    }
  });

  it('while the PD’s address is unknown (configured 0x7F), a broadcast takes a reply from any address', () => {
    const t = sent(0x7f, poll());
    const r = acuStep(t.state, { type: 'rx', bytes: reply({ address: 0x33, sqn: 1 }), at: 5 });
    expect(results(r.actions)).toMatchObject([{ result: { ok: true, from: 0x33 } }]);
  });

  it('a reply with another SQN is stale and ignored; so is a reply code the command cannot get', () => {
    const t = sent(1, { type: 'send', command: { kind: 'ID', reportType: 0 }, at: 0 }, 2);
    for (const bytes of [
      reply({ sqn: 1, code: osdp_PDID, data: PDID_DATA }), // another SQN
      reply({ sqn: 2, code: osdp_ACK }), // ID is answered by PDID (or NAK/BUSY), never ACK
    ]) {
      const r = acuStep(t.state, { type: 'rx', bytes, at: 5 });
      expect(results(r.actions)).toEqual([]);
      expect(r.state.phase.name).toBe('awaiting_reply');
      expect(r.state.nextSqn).toBe(2);
    }
    const r = acuStep(t.state, {
      type: 'rx',
      bytes: reply({ sqn: 2, code: osdp_PDID, data: PDID_DATA }),
      at: 5,
    });
    expect(results(r.actions)).toMatchObject([{ result: { ok: true, reply: { kind: 'PDID' } } }]);
    expect(r.state.nextSqn).toBe(3);
  });

  it('NAK 0x04 and BUSY are taken whatever their SQN; any other NAK needs ours', () => {
    const t = sent(1, poll(), 2);
    const stale = acuStep(t.state, {
      type: 'rx',
      bytes: reply({ sqn: 1, code: osdp_NAK, data: Uint8Array.of(0x03) }),
      at: 5,
    });
    expect(results(stale.actions)).toEqual([]);
    const seq = acuStep(t.state, {
      type: 'rx',
      bytes: reply({ sqn: 1, code: osdp_NAK, data: Uint8Array.of(NAK_SEQ_NUM) }),
      at: 5,
    });
    expect(failure(seq.actions)).toMatchObject({ kind: 'nak', code: NAK_SEQ_NUM, restarted: true });
    expect(seq.state.nextSqn).toBe(0);
    const busy = acuStep(t.state, { type: 'rx', bytes: reply({ sqn: 0, code: osdp_BUSY }), at: 5 });
    expect(results(busy.actions)).toEqual([]);
    expect(busy.state.phase.name).toBe('retry_wait');
    const own = acuStep(t.state, {
      type: 'rx',
      bytes: reply({ sqn: 2, code: osdp_NAK, data: Uint8Array.of(0x03, 0xaa) }),
      at: 5,
    });
    expect(failure(own.actions)).toMatchObject({
      kind: 'nak',
      code: 3,
      detail: Uint8Array.of(0xaa),
      restarted: false,
      sessionDropped: false,
    });
    expect(own.state.nextSqn).toBe(3);
  });
});

describe('classifyReply: plaintext answers that are wrong in shape', () => {
  it('an osdp_NAK without an error code is a bad reply; the SQN still advances', () => {
    const t = sent(1, poll(), 3);
    const r = acuStep(t.state, { type: 'rx', bytes: reply({ sqn: 3, code: osdp_NAK }), at: 5 });
    expect(failure(r.actions)).toMatchObject({
      kind: 'bad_reply',
      stage: 'command',
      reason: 'osdp_NAK without an error code',
      tries: 1,
    });
    expect(r.state.nextSqn).toBe(1);
    expect(r.state.phase.name).toBe('idle');
  });

  it('a secured reply to a plaintext command is a bad reply, not a session', () => {
    const t = sent(1, poll(), 1);
    const bytes = reply({
      sqn: 1,
      scb: { type: SCS_14, data: Uint8Array.of(1) },
      data: new Uint8Array(16),
    });
    expect(parsed(bytes).scb?.type).toBe(SCS_14);
    const r = acuStep(t.state, { type: 'rx', bytes, at: 5 });
    expect(failure(r.actions)).toMatchObject({
      kind: 'bad_reply',
      stage: 'command',
      reason: 'secured reply to a plaintext command',
    });
    expect(r.state.nextSqn).toBe(2);
    expect(r.state.session).toBeNull();
  });

  it('a reply whose payload does not decode is a bad reply naming the field', () => {
    const t = sent(1, { type: 'send', command: { kind: 'ID', reportType: 0 }, at: 0 }, 1);
    const r = acuStep(t.state, {
      type: 'rx',
      bytes: reply({ sqn: 1, code: osdp_PDID, data: PDID_DATA.subarray(0, 5) }),
      at: 5,
    });
    const error = failure(r.actions);
    expect(error).toMatchObject({ kind: 'bad_reply', stage: 'command' });
    expect(error?.kind === 'bad_reply' && error.reason).toMatch(/PDID/);
    expect(sends(r.actions)).toEqual([]);
  });

  it('BUSY beyond maxBusy gives up with the count; within it, the same bytes go again after busyDelayMs', () => {
    let t = acuStep(acuInit({ address: 1, maxBusy: 2, busyDelayMs: 30 }), poll());
    const first = sends(t.actions)[0]!.bytes;
    let at = 5;
    for (let n = 1; n <= 2; n++) {
      t = acuStep(t.state, { type: 'rx', bytes: reply({ sqn: 0, code: osdp_BUSY }), at });
      expect(t.actions).toEqual([{ type: 'wake', at: at + 30 }]);
      t = acuStep(t.state, { type: 'tick', at: at + 30 });
      expect(sends(t.actions)[0]!.bytes).toEqual(first);
      at += 100;
    }
    t = acuStep(t.state, { type: 'rx', bytes: reply({ sqn: 0, code: osdp_BUSY }), at });
    expect(failure(t.actions)).toEqual({ kind: 'busy', stage: 'command', count: 3 });
  });
});

describe('classifyReply: NAK 0x02 (command length) to a frame every PD takes is a damaged header', () => {
  // An unknown command of n data bytes makes a frame of 8 + n bytes (header, code, CRC-16).
  const nak02 = (mark: boolean, n: number) => {
    const t = acuStep(acuInit({ address: 1, mark, tries: 3, triesIfSilent: 3 }), {
      type: 'send',
      command: { kind: 'unknown', code: 0x80, data: new Uint8Array(n) },
      at: 0,
    });
    const first = sends(t.actions)[0]!.bytes;
    expect(first.length).toBe(8 + n + (mark ? 1 : 0));
    const r = acuStep(t.state, {
      type: 'rx',
      bytes: reply({ sqn: 0, code: osdp_NAK, data: Uint8Array.of(0x02) }),
      at: 5,
    });
    return { resent: sends(r.actions).map((s) => s.bytes), results: results(r.actions), first };
  };

  it.each([
    { mark: false, n: 120, resent: true }, // 128 bytes: every PD takes it
    { mark: false, n: 121, resent: false }, // 129 bytes: the PD may really be too small
    { mark: true, n: 120, resent: true }, // 129 on the wire, but the MARK is not counted
    { mark: true, n: 121, resent: false },
  ])('MARK $mark, $n data bytes: resent $resent', ({ mark, n, resent }) => {
    const r = nak02(mark, n);
    if (resent) {
      expect(r.resent).toEqual([r.first]);
      expect(r.results).toEqual([]);
    } else {
      expect(r.resent).toEqual([]);
      expect(r.results).toMatchObject([
        { result: { ok: false, error: { kind: 'nak', code: 2, restarted: false } } },
      ]);
    }
  });
});

describe('classifyReply: a plaintext answer is reported as such', () => {
  it('request send, not secure, no session dropped, the tries it took', () => {
    const t = sent(1, poll(), 1);
    const r = acuStep(t.state, { type: 'rx', bytes: reply({ sqn: 1 }), at: 5 });
    const [res] = results(r.actions);
    expect(res!.result).toMatchObject({
      ok: true,
      request: 'send',
      reply: { kind: 'ACK' },
      from: 1,
      secure: false,
      sessionDropped: false,
      tries: 1,
    });
  });
});
