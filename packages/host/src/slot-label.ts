// How a slot reads in a list. A staging slot is an upload that never reached its seal (link lost,
// device restarted): the user sees it as unfinished and can delete it.

import type { SlotSummary } from '@osprio/link';

export function isUnfinishedUpload(s: Pick<SlotSummary, 'state'>): boolean {
  return s.state === 'staging';
}

/** A short label for a slot's state, e.g. for a list or `osprio slots`. */
export function slotLabel(s: Pick<SlotSummary, 'state'>): string {
  switch (s.state) {
    case 'empty':
      return 'empty';
    case 'staging':
      return 'unfinished upload (delete it to reuse the slot)';
    case 'ready':
      return 'ready';
    case 'complete':
      return 'complete';
  }
}

/** Why a slot's key export is not available yet (null when it is). */
export function exportBlocker(s: Pick<SlotSummary, 'state' | 'counters'>): string | null {
  if (s.state === 'complete') return null;
  if (s.state !== 'ready')
    return `the slot is ${slotLabel(s)}; the key export exists once the slot is complete`;
  const { pending, failed } = s.counters;
  const parts = [
    pending > 0 ? `${pending} pending` : '',
    failed > 0 ? `${failed} failed` : '',
  ].filter(Boolean);
  return `the slot is not complete: ${parts.join(' and ') || 'steps are still open'}; try, retry or skip them first`;
}
