// Pure view logic of one operational row (a slot step or a live quick-step): what the state chip,
// the last-outcome cell, the stage track and the verbs show. Components only render these values,
// so every rule here is unit-tested without a browser.

import type { StepRecord, Verb } from '@osprio/link';
import type { StepState } from '@osprio/provisioner';

/** A row as the host library's reducer hands it out: the device's record plus a clicked verb. */
export interface RowLike extends StepRecord {
  requested: Verb | null;
}

// ---- state chip: colour AND word AND a glyph, so it reads in greyscale and to a screen reader ----

export interface ChipView {
  word: StepState;
  glyph: string;
  /** CSS modifier; the colours live in ops.css. */
  tone: StepState;
}

const GLYPHS: Record<StepState, string> = {
  pending: '○',
  attempting: '◔',
  success: '✓',
  failure: '✕',
  skipped: '⊘',
};

export function chipView(state: StepState): ChipView {
  return { word: state, glyph: GLYPHS[state], tone: state };
}

// ---- last outcome ----

export interface OutcomeView {
  /** The device's outcome word, verbatim ('' when the step has not ended an attempt). */
  code: string;
  /** The detail note, verbatim. */
  detail: string;
  /** For scbk_rejected: whether the PD's address and baud were applied (the spec's "the detail note says which"). */
  addressing: string | null;
  /** The whole text a person can read on hover/focus. */
  full: string;
}

/** What the detail note says about address and baud (scbk_rejected and other keying failures carry it). */
export function addressingNote(detail: string): string | null {
  if (/address and baud were already set/i.test(detail)) return 'address and baud were already set';
  if (/address and baud applied/i.test(detail)) return 'address and baud applied';
  if (/address and baud (were )?not applied/i.test(detail)) return 'address and baud not applied';
  return null;
}

export function outcomeView(row: Pick<StepRecord, 'outcome' | 'detail' | 'state'>): OutcomeView {
  const code = row.outcome ?? '';
  const detail = row.detail ?? '';
  let addressing: string | null = null;
  if (code === 'scbk_rejected')
    addressing = addressingNote(detail) ?? 'address and baud: the device did not say';
  const full =
    code === ''
      ? row.state === 'attempting'
        ? 'attempt in progress'
        : 'no attempt yet'
      : detail
        ? `${code}: ${detail}`
        : code;
  return { code, detail, addressing, full };
}

// ---- stage-milestone track ----

export const CORE_STAGES = [
  'discover',
  'comset',
  'confirm',
  'install_session',
  'keyset',
  'key_verify',
] as const;
export type TrackStage = (typeof CORE_STAGES)[number] | 'verify' | 'capabilities';

export const STAGE_LABELS: Record<TrackStage, string> = {
  discover: 'discover',
  comset: 'comset',
  confirm: 'confirm',
  install_session: 'install session',
  keyset: 'keyset',
  key_verify: 'key verify',
  verify: 'verify',
  capabilities: 'capabilities',
};

export type MilestoneMark = 'todo' | 'passed' | 'done' | 'in_flight' | 'stalled';

export interface Milestone {
  stage: TrackStage;
  label: string;
  /** passed: reached and left behind; done/in_flight/stalled: the last stage attempted and how it stands. */
  mark: MilestoneMark;
  optional: boolean;
}

export interface TrackView {
  milestones: Milestone[];
  /** One line for the row and for a screen reader, e.g. "keyset stalled", "queued", "not attempted". */
  summary: string;
}

export interface TrackOptions {
  /** The profile (or quick-step options) enables auto-verify: the verify stage exists. */
  verify?: boolean;
  /** Expected capabilities were given: the capabilities stage exists. */
  capabilities?: boolean;
}

/** The stages a step goes through under these options, in order. */
export function trackStages(opts: TrackOptions, reached: string | null = null): TrackStage[] {
  const stages: TrackStage[] = [...CORE_STAGES];
  // A row the device reports at an optional stage has that stage, whatever the host knows of the options.
  if (opts.verify || reached === 'verify') stages.push('verify');
  if (opts.capabilities || reached === 'capabilities') stages.push('capabilities');
  return stages;
}

const STATUS_WORD: Record<'done' | 'in_flight' | 'stalled', string> = {
  done: 'done',
  in_flight: 'in flight',
  stalled: 'stalled',
};

export function trackView(
  row: Pick<StepRecord, 'stage' | 'stageStatus' | 'state'>,
  opts: TrackOptions = {},
): TrackView {
  const stages = trackStages(opts, row.stage);
  const at =
    row.stage === null || row.stage === 'queued' ? -1 : stages.indexOf(row.stage as TrackStage);
  const status = row.stageStatus ?? (row.state === 'attempting' ? 'in_flight' : 'done');
  const milestones = stages.map((stage, i): Milestone => {
    let mark: MilestoneMark = 'todo';
    if (at >= 0 && i < at) mark = 'passed';
    else if (i === at) mark = status;
    return {
      stage,
      label: STAGE_LABELS[stage],
      mark,
      optional: stage === 'verify' || stage === 'capabilities',
    };
  });
  let summary: string;
  if (row.stage === 'queued') summary = 'queued for the bus';
  else if (at < 0) summary = 'not attempted';
  else summary = `${STAGE_LABELS[stages[at]!]} ${STATUS_WORD[status]}`;
  return { milestones, summary };
}
