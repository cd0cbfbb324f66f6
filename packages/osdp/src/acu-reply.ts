// How the ACU link reducer classifies a valid frame that answers the transmission in flight:
// BUSY → resend later; NAK → result (0x04 restarts the link; a plaintext 0x02 to a frame every PD
// takes is first resent, see damagedHeader); otherwise per purpose — a command's
// reply (plain or secured, incl. the plaintext KEYSET-ACK), or the next handshake step.

import type { Bytes } from './bytes.ts';
import {
  NAK_CMD_LEN,
  NAK_SEQ_NUM,
  osdp_ACK,
  osdp_BUSY,
  osdp_CAP,
  osdp_CCRYPT,
  osdp_COM,
  osdp_COMSET,
  osdp_ID,
  osdp_KEYSET,
  osdp_LSTAT,
  osdp_LSTATR,
  osdp_NAK,
  osdp_PDCAP,
  osdp_PDID,
  osdp_RMAC_I,
} from './codes.ts';
import { BROADCAST, MARK, buildFrame, type Frame } from './frame.ts';
import { decodeReply } from './replies.ts';
import { cpCheckCcrypt, cpCheckRmacI, cpUnwrapReply, type ScSession } from './secure-channel.ts';
import type { AcuState, AcuTransition, Tx, TxPurpose } from './acu-types.ts';
import {
  fail,
  finish,
  maxTries,
  newTx,
  nextSqn,
  transmit,
  waitThenResend,
  withWake,
} from './acu-tx.ts';

/**
 * Does `frame` (already known to carry the reply bit) answer `tx`? The address must be the one we
 * sent to — for broadcast also 0x7F or the PD's own address, or any while the PD's address is
 * unknown — and the SQN ours, with a reply code that fits the command. Plaintext BUSY (sent with
 * SQN 0) and NAK (libosdp answers a sequence error with another SQN) are taken whatever their SQN.
 */
export function replyMatches(s: AcuState, tx: Tx, frame: Frame): boolean {
  const own = s.config.address;
  const addressOk =
    tx.address === BROADCAST
      ? frame.address === BROADCAST || own === BROADCAST || frame.address === own
      : frame.address === tx.address;
  if (!addressOk) return false;
  // BUSY goes out with SQN 0; libosdp sends NAK 0x04 with the SQN it expected. Any other NAK must
  // carry our SQN, or a late NAK to an earlier command would be taken for this one's answer.
  if (
    !frame.scb &&
    (frame.code === osdp_BUSY || (frame.code === osdp_NAK && frame.data[0] === NAK_SEQ_NUM))
  )
    return true;
  // A reply that cannot answer this command is stale (e.g. the PD's second answer to an SQN-0
  // command we retransmitted), even with our SQN: never let it near the MAC chain.
  return frame.sqn === tx.sqn && canAnswer(tx.purpose, frame.code);
}

/** Reply codes that can answer each command; commands not listed (POLL, unknown) take any reply. */
const ANSWERS: Readonly<Record<number, readonly number[]>> = {
  [osdp_ID]: [osdp_PDID],
  [osdp_CAP]: [osdp_PDCAP],
  [osdp_LSTAT]: [osdp_LSTATR],
  [osdp_COMSET]: [osdp_COM],
  [osdp_KEYSET]: [osdp_ACK],
};

function canAnswer(p: TxPurpose, code: number): boolean {
  if (code === osdp_NAK || code === osdp_BUSY) return true;
  switch (p.stage) {
    case 'chlng':
      return code === osdp_CCRYPT;
    case 'scrypt':
      return code === osdp_RMAC_I;
    case 'command': {
      const ok = ANSWERS[p.code];
      return ok === undefined || ok.includes(code);
    }
  }
}

/** Classifies a matching reply and moves the link on. */
export function classifyReply(s: AcuState, tx: Tx, frame: Frame, at: number): AcuTransition {
  const stage = tx.purpose.stage;
  if (!frame.scb && frame.code === osdp_BUSY) {
    const busy = tx.busy + 1;
    if (busy > s.config.maxBusy) return fail(s, { kind: 'busy', stage, count: busy });
    // Not processed yet: same SQN, same bytes, after a pause (§2.6).
    return waitThenResend(s, { ...tx, busy }, at + s.config.busyDelayMs, false);
  }
  if (!frame.scb && frame.code === osdp_NAK) {
    if (damagedHeader(tx, frame)) {
      const t: Tx = {
        ...tx,
        heardAny: true,
        busy: 0,
        held: undefined,
        extended: false,
        mismatch: undefined,
      };
      const delay = s.config.retryDelayMs;
      return delay > 0 ? waitThenResend(s, t, at + delay, true) : transmit(s, t, at, true);
    }
    // A NAK during the secure channel usually comes in plaintext: the PD has dropped the session.
    return onNak(s, tx, frame, frame.data, null);
  }
  const p = tx.purpose;
  switch (p.stage) {
    case 'command':
      return onCommandReply(s, tx, p, frame, at);
    case 'chlng': {
      if (s.phase.name !== 'awaiting_reply') return onHeldCcrypt(s, tx, frame, at);
      const risky = tx.copies > 1 || s.unsettled;
      if (risky && !cpCheckCcrypt(p.cp, frame).ok) {
        // Possibly a late CCRYPT to an earlier handshake (also SQN 0): keep listening for one that
        // verifies; if none comes by the deadline, the mismatch stands (acu-link.ts onAwaitTick).
        return withWake({ ...s, phase: { ...s.phase, tx: { ...tx, mismatch: frame } } }, []);
      }
      if (tx.copies > 1) {
        // A late CCRYPT to an earlier copy looks exactly like the answer to the last one, and a PD
        // that reruns a repeated SQN-0 CHLNG holds only its last RND.B. Take the last CCRYPT once
        // every copy is answered, else when the reply window ends (acu-link.ts onAwaitTick).
        const answers = (tx.answers ?? 0) + 1;
        if (answers < tx.copies)
          return withWake({ ...s, phase: { ...s.phase, tx: { ...tx, held: frame, answers } } }, []);
      }
      return onHeldCcrypt(s, tx, frame, at);
    }
    case 'scrypt': {
      const adv: AcuState = { ...s, nextSqn: nextSqn(tx.sqn) };
      const r = cpCheckRmacI(p.cp, frame);
      if (!r.ok) return fail(adv, { ...r.error, stage, frame });
      return finish(
        { ...adv, session: r.session },
        {
          ok: true,
          request: 'handshake',
          reply: { kind: 'RMAC_I', rmacI: frame.data.slice() },
          frame,
          from: frame.address,
          secure: true,
          sessionDropped: false,
          tries: tx.tries,
        },
      );
    }
  }
}

/** Every PD takes frames of up to 128 bytes (reference §1). */
const MIN_PD_RX = 128;

/**
 * Plaintext NAK 0x02 to a frame every PD can take: most likely the PD heard a header whose LEN was
 * hit by line noise (a PD NAKs an over-size header at once, reference §1, §3.2). Resend the
 * identical bytes while tries last; a NAK 0x02 that persists is the answer.
 */
function damagedHeader(tx: Tx, frame: Frame): boolean {
  const len = tx.bytes.length - (tx.bytes[0] === MARK ? 1 : 0);
  return frame.data[0] === NAK_CMD_LEN && len <= MIN_PD_RX && tx.tries < maxTries(tx.policy);
}

/** Checks a CCRYPT (the last one heard, see `Tx.held`) and sends SCRYPT. */
export function onHeldCcrypt(s: AcuState, tx: Tx, frame: Frame, at: number): AcuTransition {
  const p = tx.purpose;
  if (p.stage !== 'chlng')
    return fail(s, {
      kind: 'bad_reply',
      stage: p.stage,
      reason: 'internal: CCRYPT outside a handshake',
      tries: tx.tries,
      frame,
    });
  const adv: AcuState = { ...s, nextSqn: nextSqn(tx.sqn) };
  const r = cpCheckCcrypt(p.cp, frame);
  if (!r.ok) return fail(adv, { ...r.error, stage: 'chlng', frame });
  const bytes = buildFrame({
    address: tx.address,
    reply: false,
    sqn: adv.nextSqn,
    check: 'crc',
    mark: s.config.mark,
    ...r.scrypt,
  });
  return transmit(
    adv,
    newTx({ stage: 'scrypt', cp: r.state }, bytes, adv.nextSqn, tx.address, tx.policy),
    at,
    false,
  );
}

/**
 * osdp_NAK: a valid reply, so the SQN advances — except NAK 0x04, which restarts the link. A
 * plaintext NAK (`secured` null) ends the session; a secured one keeps it, chain advanced.
 */
function onNak(
  s: AcuState,
  tx: Tx,
  frame: Frame,
  data: Bytes,
  secured: ScSession | null,
): AcuTransition {
  const stage = tx.purpose.stage;
  const code = data[0];
  if (code === undefined)
    return fail(
      { ...s, nextSqn: nextSqn(tx.sqn) },
      {
        kind: 'bad_reply',
        stage,
        reason: 'osdp_NAK without an error code',
        tries: tx.tries,
        frame,
      },
    );
  const restarted = code === NAK_SEQ_NUM;
  const session = restarted ? null : secured;
  const next: AcuState = { ...s, nextSqn: restarted ? 0 : nextSqn(tx.sqn), session };
  return fail(next, {
    kind: 'nak',
    stage,
    code,
    detail: data.slice(1),
    sessionDropped: s.session !== null && session === null,
    restarted,
    frame,
  });
}

function onCommandReply(
  s: AcuState,
  tx: Tx,
  p: Extract<TxPurpose, { stage: 'command' }>,
  frame: Frame,
  at: number,
): AcuTransition {
  const stage = 'command';
  const adv: AcuState = { ...s, nextSqn: nextSqn(tx.sqn) };
  const ok = (
    state: AcuState,
    code: number,
    data: Bytes,
    secure: boolean,
    sessionDropped: boolean,
  ): AcuTransition => {
    const d = decodeReply(code, data);
    if (!d.ok)
      return fail(state, {
        kind: 'bad_reply',
        stage,
        reason: d.error.message,
        tries: tx.tries,
        frame,
      });
    return finish(state, {
      ok: true,
      request: 'send',
      reply: d.value,
      frame,
      from: frame.address,
      secure,
      sessionDropped,
      tries: tx.tries,
    });
  };
  if (!p.secure) {
    if (frame.scb)
      return fail(adv, {
        kind: 'bad_reply',
        stage,
        reason: 'secured reply to a plaintext command',
        tries: tx.tries,
        frame,
      });
    return ok(adv, frame.code, frame.data, false, false);
  }
  const keyset = p.code === osdp_KEYSET;
  if (!frame.scb) {
    // HID readers acknowledge KEYSET in plaintext, having already dropped the session (§5.9, LOi#194).
    if (keyset && frame.code === osdp_ACK && frame.data.length === 0)
      return ok({ ...adv, session: null }, osdp_ACK, frame.data, false, true);
    return fail({ ...adv, session: null }, { kind: 'sc_not_secured', stage, frame });
  }
  const u = cpUnwrapReply(p.session!, frame);
  // A MAC that fails on a frame whose CRC held is rare on a line, but then the cure is the same as
  // for a bad CRC: resend the identical bytes at once (same SQN; the PD answers with its cached,
  // correctly MAC'd reply). Our session is untouched: nothing was chained on the failed reply. A
  // real key or chain mismatch fails every try and ends as before.
  if (!u.ok && u.error.kind === 'sc_mac_mismatch' && tx.tries < maxTries(tx.policy)) {
    return transmit(s, { ...tx, heardAny: true, busy: 0 }, at, true);
  }
  if (!u.ok) return fail({ ...adv, session: null }, { ...u.error, stage, frame });
  if (u.code === osdp_NAK) return onNak(s, tx, frame, u.data, u.session);
  // After acknowledging KEYSET the PD drops the session; the new key is proven by a fresh handshake.
  return ok({ ...adv, session: keyset ? null : u.session }, u.code, u.data, true, keyset);
}
