// State of one commissioning attempt and the small helpers every phase uses to move on.
// The machine is a reducer: (state, input) → { state, ops }. `Phase` says which operation's result
// is awaited (control); `Ctx` holds what the attempt has learned so far (data for later decisions
// and for the technician's detail note).
import type { AttemptResult, Outcome, Stage } from '../stages.ts';
import type { ExpectedCapability } from '../profile.ts';
import type { CommandSpec, HandshakeFailure, KeyRef, LinkPolicy, Op, PdIdentity } from './ops.ts';
import { wireTimeMs } from '@osprio/osdp';
import { stageText } from './text.ts';

export const DEFAULT_STEP_TIMEOUT_MS = 30_000;
/** OSDP reply deadline (reference §1). */
export const REPLY_TIMEOUT_MS = 200;
/** Used once a PD proved slower than the spec allows, and while waiting for a PD to come back. */
export const PATIENT_REPLY_TIMEOUT_MS = 1_000;
export { BROADCAST } from '@osprio/osdp';
/**
 * Discovery's first pass listens this long past a PDID's own wire time: real PDs turn around in a
 * few ms (reference §1), so a wrong candidate baud costs ≤ 50 ms at any rate, not a 200 ms window.
 * It is the floor for what is learned once the PD answered (see earlyWindowMs).
 */
export const SHORT_TURNAROUND_MS = 15;
/** Bytes of an osdp_PDID reply with a MARK: what the short probe window must let arrive. */
const PDID_REPLY_BYTES = 21;
/** The longest reply a step reads (PDCAP, CCRYPT under a MARK): an early window lets it arrive whole. */
const LONGEST_REPLY_BYTES = 64;
/** Lost-link recoveries (re-find the PD at A/B, resume) allowed per attempt. */
export const MAX_RECOVERIES = 3;
/** COMSET transmissions per attempt when the PD neither answered nor moved. */
export const MAX_COMSETS = 2;

/** Why we are probing for the PD at A/B (or looking for it elsewhere). */
export type ConfirmCause =
  /** osdp_COM confirmed A/B. */
  | 'com'
  /** osdp_COM missing or garbled: probing the new settings. */
  | 'unconfirmed'
  /** osdp_COMSET was NAKed. */
  | 'nak'
  /** the PD already answered as A at B: COMSET skipped. */
  | 'preset';

/** Where to pick up after the PD was found again at A/B. */
export type Resume = 'install_session' | 'key_verify';

export type Phase =
  /**
   * Broadcast osdp_ID at `order[i]`. Pass 0 listens briefly at every candidate, pass 1 the spec's
   * 200 ms; then pass 2 patiently if something was heard, else pass 3 briefly once more.
   */
  | { name: 'discover'; pass: 0 | 1 | 2 | 3; i: number; order: readonly number[] }
  /** `secure`: COMSET went inside the install session (the PD enforces the secure channel). */
  | { name: 'comset'; secure: boolean }
  /** The PD needs a session but answered only as 0xFF: plaintext osdp_ID to `addrs[i]` at its baud. */
  | { name: 'find_address'; addrs: readonly number[]; i: number }
  /**
   * `recheck`: the PD just answered the broadcast at B, so this is the last ask at A.
   * `secure`: still inside the session COMSET went in (no SQN-0 restart since).
   */
  | { name: 'confirm'; cause: ConfirmCause; recheck?: boolean; secure?: boolean }
  /** Looking for the PD after it failed to answer at A/B; `patient`: the last, slow look at B. */
  | { name: 'locate'; cause: ConfirmCause; bauds: number[]; i: number; patient: boolean }
  | { name: 'install_scbkd' }
  | { name: 'install_derived'; scbkdFailure: HandshakeFailure }
  | { name: 'keyset' }
  | { name: 'key_verify' }
  | { name: 'recover'; resume: Resume; lost: Stage }
  | { name: 'verify_id' }
  /** SCBK-D must be refused now (guarantee 2); `silentBefore`: the previous try drew no reply. */
  | { name: 'verify_scbkd'; silentBefore: boolean }
  /** `retried`: osdp_CAP already failed once; this is the one fresh-session retry. */
  | { name: 'caps_session'; retried: boolean }
  | { name: 'caps_read'; retried: boolean }
  | { name: 'done'; result: AttemptResult };

/** What the attempt knows about the key on the PD. */
export type KeyKnowledge =
  /** Nothing yet: the PD may hold SCBK-D, another key or this step's key. */
  | 'unknown'
  /** osdp_KEYSET was acknowledged; no fresh handshake has proven the key yet. */
  | 'acked'
  /** This attempt keyed the PD and a handshake with this step's key succeeded on the wire. */
  | 'proven'
  /** The PD already held this step's key (an earlier attempt keyed it), proven by a handshake; KEYSET skipped. */
  | 'held';

/** How the PD came to answer at A/B. */
export type Addressing =
  /** osdp_COMSET in plaintext (the usual order). */
  | 'comset'
  /** The PD already answered as A at B; COMSET was skipped. */
  | 'preset'
  /**
   * The PD refused plaintext osdp_COMSET with NAK 0x06 (it enforces the secure channel): the install
   * session is opened first at its old settings, and COMSET goes inside it (reference §3.5).
   */
  | 'in_session';

/** The secure-channel session open on the link right now (any SQN-0 restart closes it). */
export type LinkSession = 'none' | 'scbk_d' | 'derived';

export interface Ctx {
  readonly address: number;
  readonly baud: number;
  readonly autoVerify: boolean;
  readonly expectedCapabilities: readonly ExpectedCapability[];
  readonly timeoutMs: number;
  readonly deadline: number;
  readonly candidates: readonly number[];
  /** The baud this step last saw the PD at (an earlier attempt), if any. */
  readonly lastSeenBaud?: number;
  /** The local port's baud as far as the machine knows (set_baud is emitted only on a change). */
  portBaud: number | undefined;
  stage: Stage;
  completed: Stage[];
  /** Where discovery heard the PD: baud, the address it answered from (0x7F = as 0xFF), its PDID. */
  found?: { baud: number; from: number; id?: PdIdentity };
  seenAtBaud?: number;
  replyTimeoutMs: number;
  /** Slowest turnaround the PD has shown (reply start after our frame), once it answered at all. */
  turnaroundMs?: number;
  /** Bauds at which something was heard that never made a valid reply (noise, wiring). */
  garbledAt: number[];
  comsets: number;
  comsetNak?: number;
  recoveries: number;
  /** KEYSETs refused with NAK 0x06 (session lost): one fresh session is worth a second try. */
  keysetNaks: number;
  addressing: Addressing;
  /**
   * Once the key is on the PD ('proven' or 'held') the step deadline no longer ends the attempt (a
   * `timeout` would hide a keyed PD); what is left is a verification tail bounded by its retry
   * budgets (the runner allows one try per exchange past it).
   */
  key: KeyKnowledge;
  session: LinkSession;
  /** The PD answered an osdp_CHLNG in this attempt (anything but silence): it speaks the secure channel. */
  chlngAnswered?: true;
}

/** The PD enforces the secure channel and has not been confirmed at A/B yet: it is at its old settings. */
export function comsetPending(ctx: Ctx): boolean {
  return ctx.addressing === 'in_session' && !ctx.completed.includes('confirm');
}

/** Where the PD answers now: its old settings while an in-session COMSET is pending, else A/B. */
export function reach(ctx: Ctx): { address: number; baud: number } {
  const f = ctx.found;
  return comsetPending(ctx) && f
    ? { address: f.from, baud: f.baud }
    : { address: ctx.address, baud: ctx.baud };
}

/** Ops that move the port to `baud` (if needed) and keep the link (and its session) as it is. */
export function moveLink(ctx: Ctx, baud: number): Op[] {
  if (ctx.portBaud === baud) return [];
  ctx.portBaud = baud;
  return [{ op: 'set_baud', baud }];
}

/** A handshake with this step's key succeeded on the wire: the PD holds it. */
export function keyOnPd(ctx: Ctx): boolean {
  return ctx.key === 'proven' || ctx.key === 'held';
}

/**
 * Spends one lost-link recovery if the attempt has any left. Every retry rule of the machine draws
 * on this one budget (MAX_RECOVERIES), so a bad line cannot make an attempt loop.
 */
export function spendRecovery(ctx: Ctx): boolean {
  if (ctx.recoveries >= MAX_RECOVERIES) return false;
  ctx.recoveries++;
  return true;
}

export interface MachineState {
  readonly ctx: Ctx;
  readonly phase: Phase;
}

export interface Transition {
  state: MachineState;
  /** Executed in order; the last one is awaited (command/handshake) or `done`. */
  ops: Op[];
}

export function probePolicy(ctx: Ctx): LinkPolicy {
  // A silent candidate costs exactly one reply timeout; a garbled one is worth a retransmission.
  return { replyTimeoutMs: ctx.replyTimeoutMs, tries: 3, triesIfSilent: 1 };
}

/** Discovery's first pass: one short look per candidate (a PDID's wire time + SHORT_TURNAROUND_MS). */
export function shortProbePolicy(baud: number): LinkPolicy {
  return {
    replyTimeoutMs: wireTimeMs(PDID_REPLY_BYTES, baud) + SHORT_TURNAROUND_MS,
    tries: 3,
    triesIfSilent: 1,
  };
}

/**
 * The reply window for every silent try but the last, learned from the PD's turnaround (bounded
 * below by SHORT_TURNAROUND_MS) plus the wire time of the longest reply: a command that line noise
 * destroyed draws no reply, and a resend (same bytes, same SQN) beats waiting out 200 ms.
 */
export function earlyWindowMs(ctx: Ctx, baud: number): number | undefined {
  if (ctx.turnaroundMs === undefined) return undefined;
  return (
    Math.max(SHORT_TURNAROUND_MS, 4 * ctx.turnaroundMs) + wireTimeMs(LONGEST_REPLY_BYTES, baud)
  );
}

/** Records the turnaround a reply showed (the slowest one seen counts). */
export function learnTurnaround(ctx: Ctx, turnaroundMs: number | undefined): void {
  if (turnaroundMs === undefined || !Number.isFinite(turnaroundMs) || turnaroundMs < 0) return;
  ctx.turnaroundMs = Math.max(ctx.turnaroundMs ?? 0, turnaroundMs);
}

export function exchangePolicy(ctx: Ctx): LinkPolicy {
  // Once the PD is known to be there, garbage is worth several retransmissions (noisy drops).
  const early = ctx.portBaud === undefined ? undefined : earlyWindowMs(ctx, ctx.portBaud);
  return {
    replyTimeoutMs: ctx.replyTimeoutMs,
    tries: 6,
    triesIfSilent: 3,
    ...(early !== undefined && early < ctx.replyTimeoutMs ? { earlyTimeoutMs: early } : {}),
  };
}

export function patientPolicy(): LinkPolicy {
  return { replyTimeoutMs: PATIENT_REPLY_TIMEOUT_MS, tries: 6, triesIfSilent: 3 };
}

/** Ops that move the port to `baud` (if needed) and start a new link at SQN 0. */
export function newLink(ctx: Ctx, baud: number): Op[] {
  const ops: Op[] = [];
  if (ctx.portBaud !== baud) ops.push({ op: 'set_baud', baud });
  ctx.portBaud = baud;
  ctx.session = 'none';
  ops.push({ op: 'restart' });
  return ops;
}

export function command(
  address: number,
  cmd: CommandSpec,
  secure: boolean,
  policy: LinkPolicy,
): Op {
  return { op: 'command', address, command: cmd, secure, policy };
}

export function handshake(address: number, kk: 0 | 1, key: KeyRef, policy: LinkPolicy): Op {
  return { op: 'handshake', address, kk, key, policy };
}

export function enter(ctx: Ctx, stage: Stage): Op[] {
  ctx.stage = stage;
  return [{ op: 'stage', stage, status: 'in_flight' }];
}

export function pass(ctx: Ctx): Op[] {
  if (!ctx.completed.includes(ctx.stage)) ctx.completed.push(ctx.stage);
  return [{ op: 'stage', stage: ctx.stage, status: 'done' }];
}

export function go(ctx: Ctx, phase: Phase, ops: Op[]): Transition {
  return { state: { ctx, phase }, ops };
}

function result(
  ctx: Ctx,
  outcome: Outcome,
  detail: string,
  status: 'done' | 'stalled',
): AttemptResult {
  const r: AttemptResult = {
    outcome,
    detail,
    stage: ctx.stage,
    stageStatus: status,
    completed: [...ctx.completed],
  };
  if (ctx.seenAtBaud !== undefined) r.seenAtBaud = ctx.seenAtBaud;
  return r;
}

/** Ends the attempt at the current stage, which stalls. */
export function fail(ctx: Ctx, outcome: Outcome, detail: string, pre: Op[] = []): Transition {
  const r = result(ctx, outcome, detail, 'stalled');
  return go(ctx, { name: 'done', result: r }, [
    ...pre,
    { op: 'stage', stage: ctx.stage, status: 'stalled' },
    { op: 'done', result: r },
  ]);
}

/** Ends the attempt successfully; the current stage must already be `done`. */
export function succeed(ctx: Ctx, detail: string, pre: Op[]): Transition {
  const r = result(ctx, 'ok', detail, 'done');
  return go(ctx, { name: 'done', result: r }, [...pre, { op: 'done', result: r }]);
}

export function completedText(ctx: Ctx): string {
  return ctx.completed.length
    ? `completed: ${ctx.completed.map(stageText).join(', ')}`
    : 'no stage completed';
}

/** Mutable working copy of the context for one transition (states stay immutable to callers). */
export function fork(ctx: Ctx): Ctx {
  return { ...ctx, completed: [...ctx.completed], garbledAt: [...ctx.garbledAt] };
}
