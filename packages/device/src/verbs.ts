// What an accepted verb does to a step, as data. Which verbs are legal from which state is the
// link's one table (VERB_LEGAL_FROM in @osprio/link), shared with the host.

import type { Verb } from '@osprio/link';
import type { StepFields } from './slot-model.ts';

export { VERBS, VERB_LEGAL_FROM, verbLegal } from '@osprio/link';

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
      return {
        state: 'attempting',
        attempts: prev.attempts + 1,
        outcome: null,
        detail: '',
        stage: 'queued',
        stageStatus: null,
      };
    case 'skip':
      return {
        state: 'skipped',
        attempts: prev.attempts,
        outcome: 'user_skipped',
        detail: 'skipped by the operator',
        stage: prev.stage,
        stageStatus: prev.stageStatus,
      };
    case 'reset':
      return {
        state: 'pending',
        attempts: 0,
        outcome: null,
        detail: '',
        stage: null,
        stageStatus: null,
      };
  }
}
