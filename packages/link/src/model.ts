// The device's data model as it crosses the link (see ../shared/design/device-protocol.md).
// The device owns these records; the host only renders them.

import type {
  Outcome,
  Profile,
  StageOrQueued,
  StageStatus,
  StepOptions,
  StepState,
} from '@osprio/provisioner';

export const SLOT_STATES = ['empty', 'staging', 'ready', 'complete'] as const;
export type SlotState = (typeof SLOT_STATES)[number];

export type DeviceModel = 'osprio-pro' | 'osprio-mini';

export interface DeviceIdentity {
  protocolVersion: number;
  model: DeviceModel;
  serialNumber: string;
  firmwareVersion: string;
}

export interface ProvisionerStatus {
  liveQuickStep: boolean;
  slots: boolean;
  offlineAutonomous: boolean;
  slotCount: number;
  maxStepsPerSlot: number;
}

/** A step as uploaded: its place in the slot and its target. */
export interface StepTarget {
  index: number;
  address: number;
  baud: number;
}

/** Where a step stands: what a slot read shows per row and what every edge carries. */
export interface StepProgress {
  state: StepState;
  attempts: number;
  outcome: Outcome | null;
  detail: string;
  stage: StageOrQueued | null;
  stageStatus: StageStatus | null;
}

/** The progress part of a record or an edge (a copy). */
export function stepProgress(x: StepProgress): StepProgress {
  return {
    state: x.state,
    attempts: x.attempts,
    outcome: x.outcome,
    detail: x.detail,
    stage: x.stage,
    stageStatus: x.stageStatus,
  };
}

export interface StepRecord extends StepTarget, StepProgress {}

export interface SlotCounters {
  total: number;
  provisioned: number;
  failed: number;
  skipped: number;
  pending: number;
}

/** A slot's counters, always recomputed from its steps (device and host count the same way). */
export function countSteps(steps: readonly StepRecord[]): SlotCounters {
  let provisioned = 0,
    failed = 0,
    skipped = 0,
    pending = 0;
  for (const s of steps) {
    if (s.state === 'success') provisioned++;
    else if (s.state === 'failure') failed++;
    else if (s.state === 'skipped') skipped++;
    else pending++;
  }
  return { total: steps.length, provisioned, failed, skipped, pending };
}

export interface SlotSummary {
  index: number;
  state: SlotState;
  profileName: string | null;
  sessionId: string | null;
  counters: SlotCounters;
  lastSeq: number;
}

/** Full slot contents; `seed` is 16 bytes. The seed crosses the link only in createSlot, this
 *  (getSlot) reply and openLive; the link's encoder drops it from every other message. */
export interface SlotDetail extends SlotSummary {
  header: Profile | null;
  seed: Uint8Array | null;
  steps: StepRecord[];
}

/** Which queue an edge belongs to: a slot index, or the live quick-step queue (its sessionId, a UUID). */
export type QueueRef = { slot: number } | { live: string };

/** The one string key of a queue, "slot:2" or "live:<sessionId>"; a UUID's case does not make another queue. */
export function queueKey(q: QueueRef): string {
  return 'slot' in q ? `slot:${q.slot}` : `live:${String(q.live).toLowerCase()}`;
}

/** One change of a step's state, outcome or stage milestone. */
export interface ProgressEdge extends StepProgress {
  queue: QueueRef;
  /** Per-queue sequence number; starts at 1 and only grows (0 = "nothing yet" in lastSeq/sinceSeq). */
  seq: number;
  stepIndex: number;
  /** Device timestamp, ms since the epoch. */
  at: number;
}

export type Verb = 'try' | 'retry' | 'skip' | 'reset';

export const VERBS: readonly Verb[] = ['try', 'retry', 'skip', 'reset'];

/** The verb legality table of device-protocol.md ("Steps and verbs"): the one copy, which the
 *  device enforces and the host uses to enable its buttons. */
export const VERB_LEGAL_FROM: Readonly<Record<Verb, readonly StepState[]>> = {
  try: ['pending'],
  retry: ['failure'],
  skip: ['pending', 'failure'],
  reset: ['pending', 'attempting', 'success', 'failure', 'skipped'],
};

/** Whether `verb` is legal on a step in `state` (false for anything that is not a verb). */
export function verbLegal(state: StepState, verb: Verb): boolean {
  return Object.hasOwn(VERB_LEGAL_FROM, verb) && VERB_LEGAL_FROM[verb].includes(state);
}

export type { StepOptions };
