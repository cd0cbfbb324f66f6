// Shared steps of the ACU link reducer (acu-link.ts, acu-reply.ts): transmitting a frame, waiting,
// finishing a request. Pure functions over AcuState.

import type { Sqn } from './frame.ts';
import type {
  AcuAction,
  AcuError,
  AcuResult,
  AcuState,
  AcuTransition,
  ResolvedPolicy,
  Tx,
  TxPurpose,
} from './acu-types.ts';

export const EMPTY_RX: AcuState['rx'] = { pending: new Uint8Array(0), lastAt: undefined };

/** The SQN after `sqn`: 0 is never part of the cycle (0 → 1 → 2 → 3 → 1). */
export function nextSqn(sqn: Sqn): Sqn {
  return sqn === 3 ? 1 : ((sqn + 1) as Sqn);
}

/** Wire time of `n` bytes at `baud`: 10 bit-times per byte (start, 8 data, stop). */
export function wireTimeMs(n: number, baud: number): number {
  return (n * 10 * 1000) / baud;
}

/** Appends the wake-up the current phase needs, so the driver always knows its next deadline. */
export function withWake(s: AcuState, actions: AcuAction[]): AcuTransition {
  const p = s.phase;
  if (p.name === 'awaiting_reply') {
    // A buffered partial frame goes stale at lastAt + the inter-character timeout; wake then, so a
    // reply behind a false SOM is found (acu-link.ts onAwaitTick) without waiting for the deadline.
    const { pending, lastAt } = s.rx;
    const stale =
      pending.length > 0 && lastAt !== undefined
        ? lastAt + s.config.interCharTimeoutMs
        : p.deadline;
    actions.push({ type: 'wake', at: Math.min(p.deadline, stale) });
  } else if (p.name === 'retry_wait') actions.push({ type: 'wake', at: p.resendAt });
  return { state: s, actions };
}

/** Ends the request in flight with `r`; the link goes idle. */
export function finish(s: AcuState, r: AcuResult): AcuTransition {
  const p = s.phase;
  const settled = r.ok && p.name !== 'idle' && p.tx.copies === 1;
  return {
    state: { ...s, phase: { name: 'idle' }, rx: EMPTY_RX, unsettled: s.unsettled && !settled },
    actions: [{ type: 'result', result: r }],
  };
}

export function fail(s: AcuState, error: AcuError): AcuTransition {
  return finish(s, { ok: false, error });
}

export function newTx(
  purpose: TxPurpose,
  bytes: Uint8Array,
  sqn: Sqn,
  address: number,
  policy: ResolvedPolicy,
): Tx {
  return {
    purpose,
    bytes,
    sqn,
    address,
    policy,
    tries: 0,
    copies: 0,
    silentTries: 0,
    heard: false,
    heardAny: false,
    busy: 0,
  };
}

/**
 * Puts `tx.bytes` on the wire and waits for the reply until our frame's wire time plus the reply
 * timeout. `countTry` is false for a resend after osdp_BUSY.
 */
export function transmit(
  s: AcuState,
  tx: Tx,
  at: number,
  retransmission: boolean,
  countTry = true,
): AcuTransition {
  const sent: Tx = {
    ...tx,
    tries: tx.tries + (countTry ? 1 : 0),
    copies: tx.copies + 1,
    heard: false,
  };
  const deadline = at + wireTimeMs(tx.bytes.length, s.baud) + replyWindow(sent);
  const state: AcuState = {
    ...s,
    phase: { name: 'awaiting_reply', tx: sent, deadline },
    rx: EMPTY_RX,
    unsettled: s.unsettled || retransmission,
  };
  return withWake(state, [{ type: 'send', bytes: tx.bytes, retransmission }]);
}

/** The reply window of a transmission: the early one while early silent tries are left. */
export function replyWindow(tx: Tx): number {
  const p = tx.policy;
  return p.earlyTimeoutMs !== undefined && tx.silentTries < p.earlyTries
    ? p.earlyTimeoutMs
    : p.replyTimeoutMs;
}

/** Transmissions a request may make: `tries`, plus the early ones. */
export function maxTries(p: ResolvedPolicy): number {
  return p.tries + p.earlyTries;
}

/** Waits until `resendAt`, then resends `tx` verbatim. */
export function waitThenResend(
  s: AcuState,
  tx: Tx,
  resendAt: number,
  countTry: boolean,
): AcuTransition {
  return withWake(
    { ...s, phase: { name: 'retry_wait', tx, resendAt, countTry }, rx: EMPTY_RX },
    [],
  );
}

/** The link is lost: the PD's state is unknown, so the next command restarts with SQN 0 and no session. */
export function lost(s: AcuState): AcuState {
  return { ...s, nextSqn: 0, session: null };
}
