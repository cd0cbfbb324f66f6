// The vocabulary of one provisioning step, shared by the device, the link and the host.
// Names follow ../shared/design/commissioning.md.

export const STAGES = [
  'discover',
  'comset',
  'confirm',
  'install_session',
  'keyset',
  'key_verify',
  'verify',
  'capabilities',
] as const;
export type Stage = (typeof STAGES)[number];

/** "queued" is the stage shown for an accepted attempt waiting for the bus. */
export type StageOrQueued = Stage | 'queued';

export const STAGE_STATUSES = ['in_flight', 'done', 'stalled'] as const;
export type StageStatus = (typeof STAGE_STATUSES)[number];

/** Outcomes named by the product spec; the device may also surface sc_* outcomes verbatim. */
export const OUTCOMES = [
  'ok',
  'no_response',
  'wrong_address',
  'scbk_rejected',
  'baud_mismatch',
  'keyset_failed',
  'user_skipped',
  'verify_failed',
  'capability_mismatch',
  'timeout',
  'interrupted',
  'internal_error',
] as const;
export type NamedOutcome = (typeof OUTCOMES)[number];
/** Secure-channel outcomes are surfaced verbatim, e.g. "sc_cryptogram_mismatch", "sc_nak_05". */
export type ScOutcome = `sc_${string}`;
export type Outcome = NamedOutcome | ScOutcome;

export function isOutcome(s: string): s is Outcome {
  return (OUTCOMES as readonly string[]).includes(s) || /^sc_[a-z0-9_]{1,40}$/.test(s);
}

export const STEP_STATES = ['pending', 'attempting', 'success', 'failure', 'skipped'] as const;
export type StepState = (typeof STEP_STATES)[number];

export function isTerminal(s: StepState): boolean {
  return s === 'success' || s === 'skipped';
}

/** A milestone reported while an attempt runs. */
export interface StageEvent {
  stage: StageOrQueued;
  status: StageStatus;
}

/** How an attempt ended. `detail` is a note a technician can act on; it never carries key material. */
export interface AttemptResult {
  outcome: Outcome;
  detail: string;
  /** The last stage reached and its status when the attempt ended. */
  stage: Stage;
  stageStatus: StageStatus;
  /** Stages that completed ("done") during this attempt, in order. */
  completed: Stage[];
  /** What discovery learned about the PD, when anything (baud it was last seen at). */
  seenAtBaud?: number;
}
