// The commissioning sequence for ONE PD as a pure reducer (../shared/design/commissioning.md):
//   discover → comset → confirm → install_session → keyset → key_verify → [verify] → [capabilities]
// `startStep` gives the first operations; `nextStep` takes the result of the awaited operation (or
// an abort) and gives the next ones. Time comes in with every input; nothing here does I/O.
import type { StepOptions } from '../profile.ts';
import { MAX_PD_ADDRESS } from '../profile.ts';
import { OSDP_BAUDS } from '@osprio/osdp';
import type { MachineInput, OpResult } from './ops.ts';
import {
  DEFAULT_STEP_TIMEOUT_MS,
  REPLY_TIMEOUT_MS,
  completedText,
  fail,
  fork,
  keyOnPd,
  type Ctx,
  type MachineState,
  type Phase,
  type Transition,
} from './context.ts';
import { onComset, onConfirm, onDiscover, onLocate, startDiscover } from './addressing.ts';
import { onFindAddress } from './in-session.ts';
import {
  onCapsRead,
  onCapsSession,
  onInstallDerived,
  onInstallScbkd,
  onKeyVerify,
  onKeyset,
  onRecover,
  onVerifyId,
  onVerifyScbkd,
} from './keying.ts';
import { stageText } from './text.ts';
import { durationText } from '../duration.ts';

export interface StepConfig {
  /** The step's assigned address A and baud B. */
  address: number;
  baud: number;
  options: StepOptions;
  /** The baud this step last saw the PD at (an earlier attempt's `seenAtBaud`), tried first. */
  lastSeenBaud?: number;
  /** The port's current baud, when known (saves a needless set_baud). */
  portBaud?: number;
  /** The port cannot change speed (raw TCP bridge): discover only at this baud, and B must equal it. */
  fixedBaud?: number;
}

/** Discovery order: last seen, profile baud, factory-common 9600, then the rest of 9600…230400. */
export function discoveryOrder(lastSeenBaud: number | undefined, profileBaud: number): number[] {
  const list = [lastSeenBaud, profileBaud, 9600, ...OSDP_BAUDS];
  return [
    ...new Set(list.filter((b): b is number => b !== undefined && Number.isInteger(b) && b > 0)),
  ];
}

export function effectiveTimeoutMs(options: StepOptions): number {
  return options.timeoutMs > 0 ? options.timeoutMs : DEFAULT_STEP_TIMEOUT_MS;
}

export function startStep(cfg: StepConfig, now: number): Transition {
  const timeoutMs = effectiveTimeoutMs(cfg.options);
  const ctx: Ctx = {
    address: cfg.address,
    baud: cfg.baud,
    autoVerify: cfg.options.autoVerify,
    expectedCapabilities: [...cfg.options.expectedCapabilities],
    timeoutMs,
    deadline: now + timeoutMs,
    candidates:
      cfg.fixedBaud !== undefined ? [cfg.fixedBaud] : discoveryOrder(cfg.lastSeenBaud, cfg.baud),
    ...(cfg.lastSeenBaud !== undefined ? { lastSeenBaud: cfg.lastSeenBaud } : {}),
    portBaud: cfg.portBaud,
    stage: 'discover',
    completed: [],
    replyTimeoutMs: REPLY_TIMEOUT_MS,
    garbledAt: [],
    comsets: 0,
    recoveries: 0,
    keysetNaks: 0,
    addressing: 'comset',
    key: 'unknown',
    session: 'none',
  };
  if (!Number.isInteger(cfg.address) || cfg.address < 0 || cfg.address > MAX_PD_ADDRESS) {
    return fail(
      ctx,
      'internal_error',
      `invalid target address ${cfg.address} (must be 0–${MAX_PD_ADDRESS})`,
    );
  }
  if (!Number.isInteger(cfg.baud) || cfg.baud <= 0) {
    return fail(ctx, 'internal_error', `invalid target baud ${cfg.baud}`);
  }
  if (cfg.fixedBaud !== undefined && cfg.fixedBaud !== cfg.baud) {
    return fail(
      ctx,
      'baud_mismatch',
      `the port is fixed at ${cfg.fixedBaud} baud (raw TCP bridge) and cannot follow the PD to ${cfg.baud}; use an RFC 2217 bridge or a profile baud of ${cfg.fixedBaud}`,
    );
  }
  return startDiscover(ctx);
}

type Handler = (ctx: Ctx, phase: Phase, r: OpResult) => Transition;
const on = <N extends Phase['name']>(
  f: (ctx: Ctx, phase: Extract<Phase, { name: N }>, r: OpResult) => Transition,
): Handler => f as Handler;

/** The transition table: which handler consumes the result awaited in each phase. */
const TABLE: Record<Exclude<Phase['name'], 'done'>, Handler> = {
  discover: on<'discover'>(onDiscover),
  comset: on<'comset'>(onComset),
  find_address: on<'find_address'>(onFindAddress),
  confirm: on<'confirm'>(onConfirm),
  locate: on<'locate'>(onLocate),
  install_scbkd: (ctx, _p, r) => onInstallScbkd(ctx, r),
  install_derived: on<'install_derived'>(onInstallDerived),
  keyset: (ctx, _p, r) => onKeyset(ctx, r),
  key_verify: (ctx, _p, r) => onKeyVerify(ctx, r),
  recover: on<'recover'>(onRecover),
  verify_id: (ctx, _p, r) => onVerifyId(ctx, r),
  verify_scbkd: on<'verify_scbkd'>(onVerifyScbkd),
  caps_session: on<'caps_session'>(onCapsSession),
  caps_read: on<'caps_read'>(onCapsRead),
};

export function nextStep(state: MachineState, input: MachineInput): Transition {
  const { phase } = state;
  if (phase.name === 'done') return { state, ops: [] };
  const ctx = fork(state.ctx);
  if (input.type === 'abort') {
    return fail(
      ctx,
      'interrupted',
      `attempt interrupted during ${stageText(ctx.stage)} (${completedText(ctx)}); the PD may be partly programmed`,
    );
  }
  // A result that proves the key wins over the deadline, and so does everything after it: the PD
  // holds this step's key, and ending `timeout` would lose track of a keyed PD (keyOnPd).
  if (input.now >= ctx.deadline && !keyOnPd(ctx) && !provesKey(phase, input.result)) {
    return fail(
      ctx,
      'timeout',
      `step timeout (${durationText(ctx.timeoutMs)} of bus time) ran out during ${stageText(ctx.stage)} (${completedText(ctx)}); raise the profile timeout or check the line`,
    );
  }
  return TABLE[phase.name](ctx, phase, input.result);
}

/** A handshake with this step's key succeeded: the key is on the PD. */
function provesKey(phase: Phase, r: OpResult): boolean {
  return (
    r.kind === 'handshake_ok' && (phase.name === 'key_verify' || phase.name === 'install_derived')
  );
}

export function isDone(state: MachineState): boolean {
  return state.phase.name === 'done';
}

/** Bus time by which the attempt must end; the runner may cut a long operation short at it. */
export function deadlineOf(state: MachineState): number {
  return state.ctx.deadline;
}

export type { MachineState, Transition };
