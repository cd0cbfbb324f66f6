// Which of a row's verbs a person may click, and which need a confirmation first. Legality is the
// device's own table (verbLegal from @osprio/host); while a clicked verb waits for the device's edge
// the row's buttons stay disabled, so a second click cannot race the first.

import type { Verb } from '@osprio/link';
import type { StepState } from '@osprio/provisioner';
import { verbLegal } from '@osprio/host';

export const ROW_VERBS: readonly Verb[] = ['try', 'retry', 'skip', 'reset'];

export interface VerbButton {
  verb: Verb;
  /** Legal for the row's state right now and nothing else is requested. */
  enabled: boolean;
  /** Why it is disabled, for the button's description (never empty when disabled). */
  why: string;
}

const LEGAL_FROM: Record<Verb, string> = {
  try: 'try is for a pending step',
  retry: 'retry is for a failed step',
  skip: 'skip is for a pending or failed step',
  reset: 'reset is always available',
};

export function verbButtons(
  row: { state: StepState; requested: Verb | null },
  busy = false,
): VerbButton[] {
  return ROW_VERBS.map((verb) => {
    if (row.requested)
      return { verb, enabled: false, why: `${row.requested} requested; waiting for the device` };
    if (busy) return { verb, enabled: false, why: 'waiting for the device' };
    const legal = verbLegal(row.state, verb);
    return {
      verb,
      enabled: legal,
      why: legal ? '' : `${LEGAL_FROM[verb]}; this one is ${row.state}`,
    };
  });
}

/** Resetting an attempting row throws away an attempt in progress: ask first, in plain words. */
export function confirmationFor(
  row: { state: StepState; address: number },
  verb: Verb,
): string | null {
  if (verb === 'reset' && row.state === 'attempting') {
    return `Reset the step for address ${row.address}? It is being attempted right now; the attempt ends and the step goes back to pending with its attempt count cleared.`;
  }
  return null;
}
