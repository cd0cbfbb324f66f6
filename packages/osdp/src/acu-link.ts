// The ACU (CP) link to ONE PD as a pure reducer: acuStep(state, input) → { state, actions }.
// Phases and inputs form an explicit transition table (TABLE below); reply classification lives in
// acu-reply.ts. Rules (reference §2.6, §5.8, §5.9; commissioning.md guarantees 5 and 6):
// - SQN 0 on the first command and after a restart, then 1, 2, 3, 1, …; it advances only after a
//   valid reply. A missing or corrupt reply is answered by resending the IDENTICAL bytes.
// - Reply deadline = our frame's wire time at the current baud + replyTimeoutMs (200 ms).
// - osdp_BUSY (SQN 0): wait, resend the same bytes. NAK 0x04: restart the link.
// - Everything we send carries CRC-16; replies may use CRC or checksum.
// - Only frames with the reply bit count; replies to broadcast may come from 0x7F or the PD's address.
// - A partial frame the line went quiet on expires at its last byte + the inter-character timeout
//   (a wake is asked for then) and the bytes behind its SOM are rescanned: a reply may hide there.
// - osdp_KEYSET goes only inside an active session (reference §3.6): never the key in clear.
// Time and randomness come in with the inputs; nothing here does I/O.

import type { Bytes } from './bytes.ts';
import { encodeCommand } from './commands.ts';
import type { Payload } from './payload.ts';
import { BROADCAST, buildFrame, type FrameFields } from './frame.ts';
import { osdp_KEYSET } from './codes.ts';
import { cpChallenge, cpWrapCommand } from './secure-channel.ts';
import { FrameStreamParser, type DropReason, type StreamEvent } from './stream.ts';
import { classifyReply, onHeldCcrypt, replyMatches } from './acu-reply.ts';
import {
  EMPTY_RX,
  fail,
  lost,
  maxTries,
  newTx,
  transmit,
  waitThenResend,
  withWake,
} from './acu-tx.ts';
import {
  DEFAULT_ACU_CONFIG,
  type AcuAction,
  type AcuConfig,
  type AcuError,
  type AcuInput,
  type AcuPhase,
  type AcuState,
  type AcuTransition,
  type RequestPolicy,
  type ResolvedPolicy,
  type Tx,
} from './acu-types.ts';

export { nextSqn, wireTimeMs } from './acu-tx.ts';

export function acuInit(config: Partial<AcuConfig> & Pick<AcuConfig, 'address'>): AcuState {
  const c: AcuConfig = { ...DEFAULT_ACU_CONFIG, ...config };
  if (!Number.isInteger(c.address) || c.address < 0 || c.address > BROADCAST)
    throw new RangeError(`PD address out of range: ${c.address}`);
  if (!(c.baud > 0)) throw new RangeError(`baud must be positive: ${c.baud}`);
  if (!(c.tries >= 1) || !(c.triesIfSilent >= 1)) throw new RangeError('tries must be at least 1');
  return {
    config: c,
    baud: c.baud,
    nextSqn: 0,
    session: null,
    phase: { name: 'idle' },
    rx: EMPTY_RX,
    unsettled: false,
  };
}

export function isIdle(state: AcuState): boolean {
  return state.phase.name === 'idle';
}

export function hasSession(state: AcuState): boolean {
  return state.session !== null;
}

// ─────────────────────────── transition table ───────────────────────────

type Handler<T extends AcuInput['type']> = (
  s: AcuState,
  input: Extract<AcuInput, { type: T }>,
) => AcuTransition;
type PhaseHandlers = { [T in AcuInput['type']]: Handler<T> };

const TABLE: { readonly [P in AcuPhase['name']]: PhaseHandlers } = {
  idle: {
    rx: (s) => stay(s), // nobody asked: stale or foreign bytes
    tick: (s) => stay(s),
    send: startSend,
    handshake: startHandshake,
    restart: restart,
    set_baud: setBaud,
  },
  awaiting_reply: {
    rx: onRx,
    tick: onAwaitTick,
    send: (s) => busyLink(s),
    handshake: (s) => busyLink(s),
    restart: restart,
    set_baud: setBaud,
  },
  retry_wait: {
    rx: (s) => withWake(s, []), // a BUSY wait or guard: whatever arrives now is not our reply
    tick: onRetryTick,
    send: (s) => busyLink(s),
    handshake: (s) => busyLink(s),
    restart: restart,
    set_baud: setBaud,
  },
};

/** The reducer. Never throws on anything a peer sends. */
export function acuStep(state: AcuState, input: AcuInput): AcuTransition {
  const handler = TABLE[state.phase.name][input.type] as (
    s: AcuState,
    i: AcuInput,
  ) => AcuTransition;
  return handler(state, input);
}

// ─────────────────────────── helpers ───────────────────────────

function stay(s: AcuState): AcuTransition {
  return { state: s, actions: [] };
}

function busyLink(s: AcuState): AcuTransition {
  // The request is refused; the one in flight carries on.
  const t = withWake(s, []);
  return {
    state: t.state,
    actions: [
      { type: 'result', result: { ok: false, error: { kind: 'link_busy' } } },
      ...t.actions,
    ],
  };
}

function resolvePolicy(c: AcuConfig, p?: RequestPolicy): ResolvedPolicy {
  const replyTimeoutMs = p?.replyTimeoutMs ?? c.replyTimeoutMs;
  const early = p?.earlyTimeoutMs;
  const useEarly = early !== undefined && early >= 0 && early < replyTimeoutMs;
  return {
    tries: Math.max(1, p?.tries ?? c.tries),
    triesIfSilent: Math.max(1, p?.triesIfSilent ?? c.triesIfSilent),
    replyTimeoutMs,
    ...(useEarly ? { earlyTimeoutMs: early } : {}),
    earlyTries: useEarly ? Math.max(0, Math.floor(p?.earlyTries ?? 2)) : 0,
  };
}

// ─────────────────────────── requests ───────────────────────────

function targetAddress(s: AcuState, address: number | undefined): number | string {
  const a = address ?? s.config.address;
  return Number.isInteger(a) && a >= 0 && a <= BROADCAST ? a : `address out of range: ${String(a)}`;
}

function startSend(s: AcuState, input: Extract<AcuInput, { type: 'send' }>): AcuTransition {
  const address = targetAddress(s, input.address);
  if (typeof address === 'string') return fail(s, { kind: 'bad_request', reason: address });
  let payload: Payload;
  try {
    payload = encodeCommand(input.command);
  } catch (e) {
    return fail(s, {
      kind: 'bad_request',
      reason: e instanceof Error ? e.message : 'cannot encode command',
    });
  }
  const secure = input.secure === true;
  // Key custody (reference §3.6): the key would go on the wire in clear. libosdp's CP refuses too.
  if (payload.code === osdp_KEYSET && (!secure || !s.session)) {
    return fail(s, {
      kind: 'bad_request',
      reason:
        'osdp_KEYSET is only sent inside an active secure channel (secure: true after a handshake)',
    });
  }
  if (secure && !s.session) return fail(s, { kind: 'sc_no_session', stage: 'command' });
  if (secure && address === BROADCAST)
    return fail(s, { kind: 'bad_request', reason: 'no secure channel on broadcast' });
  const sqn = s.nextSqn;
  const fields: Omit<FrameFields, 'reply' | 'scb'> = {
    address,
    sqn,
    check: 'crc',
    mark: s.config.mark,
    code: payload.code,
    data: payload.data,
  };
  let bytes: Uint8Array;
  let session = null;
  if (secure) {
    const w = cpWrapCommand(s.session!, fields);
    bytes = w.bytes;
    session = w.session;
  } else {
    bytes = buildFrame({ ...fields, reply: false });
  }
  const tx = newTx(
    { stage: 'command', code: payload.code, secure, session },
    bytes,
    sqn,
    address,
    resolvePolicy(s.config, input.policy),
  );
  return transmit(s, tx, input.at, false);
}

function startHandshake(
  s: AcuState,
  input: Extract<AcuInput, { type: 'handshake' }>,
): AcuTransition {
  const address = targetAddress(s, input.address);
  if (typeof address === 'string') return fail(s, { kind: 'bad_request', reason: address });
  if (address === BROADCAST)
    return fail(s, { kind: 'bad_request', reason: 'no secure channel on broadcast' });
  if (input.kk !== 0 && input.kk !== 1)
    return fail(s, { kind: 'bad_request', reason: 'key indicator must be 0x00 or 0x01' });
  if (!isBytes(input.scbk, 16) || !isBytes(input.rndA, 8)) {
    return fail(s, {
      kind: 'bad_request',
      reason: 'handshake needs a 16-byte SCBK and an 8-byte RND.A',
    });
  }
  // Each handshake starts a new link: SQN 0, old session gone (libosdp cp_state_change; guarantee 5).
  const c = cpChallenge(input.kk, input.scbk, input.rndA);
  const bytes = buildFrame({
    address,
    reply: false,
    sqn: 0,
    check: 'crc',
    mark: s.config.mark,
    ...c.chlng,
  });
  const tx = newTx(
    { stage: 'chlng', cp: c.state },
    bytes,
    0,
    address,
    resolvePolicy(s.config, input.policy),
  );
  return transmit({ ...s, session: null, nextSqn: 0 }, tx, input.at, false);
}

function isBytes(b: unknown, len: number): b is Bytes {
  return b instanceof Uint8Array && b.length === len;
}

function restart(s: AcuState): AcuTransition {
  const next: AcuState = { ...s, nextSqn: 0, session: null, phase: { name: 'idle' }, rx: EMPTY_RX };
  const actions: AcuAction[] =
    s.phase.name === 'idle'
      ? []
      : [{ type: 'result', result: { ok: false, error: { kind: 'cancelled' } } }];
  return { state: next, actions };
}

function setBaud(s: AcuState, input: Extract<AcuInput, { type: 'set_baud' }>): AcuTransition {
  if (!(input.baud > 0)) return withWake(s, []);
  // Bytes heard at the old rate are garbage at the new one.
  return withWake({ ...s, baud: input.baud, rx: EMPTY_RX }, []);
}

// ─────────────────────────── waiting ───────────────────────────

function onAwaitTick(s0: AcuState, input: Extract<AcuInput, { type: 'tick' }>): AcuTransition {
  if (s0.phase.name !== 'awaiting_reply') return withWake(s0, []);
  // The line went quiet: a partial frame that can no longer complete may hide a whole reply behind
  // its false SOM. Rescan before deciding anything (reference §2.1 resync).
  const x = expireRx(s0, input.at);
  let s = s0;
  if (x) {
    const r = onEvents({ ...s0, rx: x.rx }, x.events, input.at);
    if ('actions' in r) return r;
    s = r;
  }
  const p = s.phase;
  if (p.name !== 'awaiting_reply' || input.at < p.deadline) return withWake(s, []);
  if (p.tx.held) {
    // Some copy of the CHLNG is still unanswered: give its (late) CCRYPT one more reply window.
    if (!p.tx.extended && (p.tx.answers ?? 0) < p.tx.copies) {
      return withWake(
        {
          ...s,
          phase: {
            ...p,
            deadline: p.deadline + p.tx.policy.replyTimeoutMs,
            tx: { ...p.tx, extended: true },
          },
        },
        [],
      );
    }
    return onHeldCcrypt({ ...s, rx: EMPTY_RX }, p.tx, p.tx.held, input.at);
  }
  // Only CCRYPTs that failed the cryptogram check came back: now that is the answer.
  if (p.tx.mismatch) return onHeldCcrypt({ ...s, rx: EMPTY_RX }, p.tx, p.tx.mismatch, input.at);
  // A reply still arriving at the deadline may finish, as long as it keeps to the inter-character timeout.
  const lastAt = s.rx.lastAt;
  if (
    s.rx.pending.length > 0 &&
    lastAt !== undefined &&
    input.at < lastAt + s.config.interCharTimeoutMs
  ) {
    return withWake({ ...s, phase: { ...p, deadline: lastAt + s.config.interCharTimeoutMs } }, []);
  }
  return failedTry(s, p.tx, input.at, s.config.retryDelayMs);
}

function onRetryTick(s: AcuState, input: Extract<AcuInput, { type: 'tick' }>): AcuTransition {
  const p = s.phase;
  if (p.name !== 'retry_wait' || input.at < p.resendAt) return withWake(s, []);
  return transmit(s, p.tx, input.at, true, p.countTry);
}

/**
 * A transmission drew no valid reply by its deadline. Retransmit the same bytes after `delay`, or
 * give up: 'timeout' if nothing was ever heard, else 'bad_reply'. Either way the link is lost.
 */
function failedTry(s: AcuState, tx: Tx, at: number, delay: number): AcuTransition {
  const t: Tx = {
    ...tx,
    silentTries: tx.silentTries + (tx.heard ? 0 : 1),
    heardAny: tx.heardAny || tx.heard,
    busy: 0,
    held: undefined,
    extended: false,
    mismatch: undefined,
  };
  if (
    t.tries >= maxTries(t.policy) ||
    t.silentTries >= t.policy.triesIfSilent + t.policy.earlyTries
  ) {
    const stage = t.purpose.stage;
    const error: AcuError = t.heardAny
      ? {
          kind: 'bad_reply',
          stage,
          reason: 'no valid reply (garbled, wrong baud or wrong check)',
          tries: t.tries,
        }
      : { kind: 'timeout', stage, tries: t.tries };
    return fail({ ...lost(s), unsettled: true }, error);
  }
  if (delay > 0) return waitThenResend(s, t, at + delay, true);
  return transmit(s, t, at, true);
}

function scan(
  s: AcuState,
  bytes: Uint8Array,
  at: number,
): { events: StreamEvent[]; rx: AcuState['rx'] } {
  // The parser is rebuilt from the pending bytes each time, so the state stays a plain value.
  const p = new FrameStreamParser({
    accept: 'replies',
    interCharTimeoutMs: s.config.interCharTimeoutMs,
  });
  if (s.rx.pending.length > 0) p.push(s.rx.pending, s.rx.lastAt);
  const events = p.push(bytes, at);
  const all = new Uint8Array(s.rx.pending.length + bytes.length);
  all.set(s.rx.pending);
  all.set(bytes, s.rx.pending.length);
  return { events, rx: { pending: all.slice(all.length - p.pending), lastAt: at } };
}

/** The partial frame is stale at `at` (silence for the inter-character timeout): expire it, rescan the rest. */
function expireRx(
  s: AcuState,
  at: number,
): { events: StreamEvent[]; rx: AcuState['rx'] } | undefined {
  const { pending, lastAt } = s.rx;
  if (pending.length === 0 || lastAt === undefined || at < lastAt + s.config.interCharTimeoutMs)
    return undefined;
  const p = new FrameStreamParser({
    accept: 'replies',
    interCharTimeoutMs: s.config.interCharTimeoutMs,
  });
  const events = [...p.push(pending, lastAt), ...p.expire(at)];
  return { events, rx: { pending: pending.slice(pending.length - p.pending), lastAt } };
}

function onRx(s: AcuState, input: Extract<AcuInput, { type: 'rx' }>): AcuTransition {
  const p = s.phase;
  if (p.name !== 'awaiting_reply') return withWake(s, []);
  const { events, rx } = scan(s, input.bytes, input.at);
  const r = onEvents({ ...s, rx }, events, input.at);
  if ('actions' in r) return r;
  // A partial frame is something heard; our reply may still complete it.
  const ph = r.phase;
  const state =
    ph.name === 'awaiting_reply' && rx.pending.length > 0
      ? { ...r, phase: { ...ph, tx: { ...ph.tx, heard: true } } }
      : r;
  return withWake(state, []);
}

/**
 * A reply that failed its check is answered at once with the same bytes and SQN (reference §2.6:
 * a PD that did answer resends its cached reply), rather than waiting out the reply window: the
 * deadline moves to the end of the damaged frame — or, for bytes without a frame's shape, to the
 * inter-character timeout after them, so a reply still on the wire is not talked over. A damaged
 * CCRYPT counts as the answer to its CHLNG copy, so the copy resent for it is the last awaited.
 * Not while a CCRYPT is held or mismatched: that logic needs its window.
 */
function resendSoon(s: AcuState, tx: Tx, reason: DropReason, at: number, deadline: number): number {
  if (tx.held || tx.mismatch) return deadline;
  const complete = reason === 'bad_check' || reason === 'bad_scb';
  return Math.min(deadline, complete ? at : at + s.config.interCharTimeoutMs);
}

/**
 * Received frames and drops, in order. Returns the transition if the request finished or moved on
 * to another frame (the rest is then stale), else the state to keep waiting in.
 */
function onEvents(
  s: AcuState,
  events: readonly StreamEvent[],
  at: number,
): AcuTransition | AcuState {
  let state = s;
  for (const ev of events) {
    const ph = state.phase;
    if (ph.name !== 'awaiting_reply') break;
    let tx: Tx = { ...ph.tx, heard: true };
    if (ev.type === 'dropped') {
      // Frames without the reply bit (another master, or our own echo) are not an answer.
      if (ev.reason === 'wrong_direction') continue;
      // A damaged frame voids a held CCRYPT: the PD has said something newer.
      if (ev.reason !== 'garbage') tx = { ...tx, held: undefined };
      if (
        tx.purpose.stage === 'chlng' &&
        !tx.mismatch &&
        (ev.reason === 'bad_check' || ev.reason === 'bad_scb')
      )
        tx = { ...tx, answers: (tx.answers ?? 0) + 1 };
      state = {
        ...state,
        phase: { ...ph, tx, deadline: resendSoon(state, tx, ev.reason, at, ph.deadline) },
      };
      continue;
    }
    state = { ...state, phase: { ...ph, tx } };
    if (!replyMatches(state, tx, ev.frame)) continue; // another PD, or a stale reply
    const t = classifyReply(state, tx, ev.frame, at);
    const next = t.state.phase;
    // Finished, sent again or moved on to another frame (SCRYPT, a BUSY wait): the rest of this chunk is stale.
    if (
      next.name !== 'awaiting_reply' ||
      next.tx.bytes !== ph.tx.bytes ||
      t.actions.some((a) => a.type === 'send')
    )
      return t;
    state = t.state; // a held CCRYPT: keep listening
  }
  return state;
}
