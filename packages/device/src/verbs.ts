// The verb legality table of device-protocol.md and what an accepted verb does to a step, as data.

import type { Verb } from '@osprio/link';
import { STEP_STATES } from '@osprio/provisioner';
import type { StepState } from '@osprio/provisioner';
import type { StepFields } from './slot-model.ts';

export const VERBS: readonly Verb[] = ['try', 'retry', 'skip', 'reset'];

export const VERB_LEGAL_FROM: Readonly<Record<Verb, readonly StepState[]>> = {
  try: ['pending'],
  retry: ['failure'],
  skip: ['pending', 'failure'],
  reset: STEP_STATES,
};

export function verbLegal(state: StepState, verb: Verb): boolean {
  return VERB_LEGAL_FROM[verb].includes(state);
}

/** Stable codes for a refused request; the link maps them onto its error codes. */
export type RejectCode =
  | 'not_supported'
  | 'bad_request'
  | 'invalid_params'
  | 'unknown_slot'
  | 'slot_not_empty'
  | 'slot_not_staging'
  | 'slot_not_ready'
  | 'unknown_step'
  | 'illegal_state'
  | 'no_live_session'
  | 'queue_full';

export interface Rejected {
  ok: false;
  code: RejectCode;
  reason: string;
}
export type Result<T = object> = ({ ok: true } & T) | Rejected;

export function reject(code: RejectCode, reason: string): Rejected {
  return { ok: false, code, reason };
}

/** The step fields after an accepted verb (attempts count the attempt the verb starts). */
export function fieldsAfterVerb(prev: StepFields, verb: Verb): StepFields {
  switch (verb) {
    case 'try':
    case 'retry':
      return { state: 'attempting', attempts: prev.attempts + 1, outcome: null, detail: '', stage: 'queued', stageStatus: null };
    case 'skip':
      return { state: 'skipped', attempts: prev.attempts, outcome: 'user_skipped', detail: 'skipped by the operator', stage: prev.stage, stageStatus: prev.stageStatus };
    case 'reset':
      return { state: 'pending', attempts: 0, outcome: null, detail: '', stage: null, stageStatus: null };
  }
}
