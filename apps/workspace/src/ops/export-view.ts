// When the key export may be offered, and in plain words why not yet. Mirrors the host library's
// rule (a slot's export exists only when the slot is complete; a live queue exports its successes).

import type { SlotCounters, SlotState } from '@osprio/link';

/**
 * The slot's state as its rows stand: a read gives the device's word, but edges carry only steps,
 * so ready ↔ complete follows the rows in between (complete = every step terminal, the device's rule).
 */
export function currentSlotState(read: SlotState, c: SlotCounters): SlotState {
  if (read !== 'ready' && read !== 'complete') return read;
  return c.total > 0 && c.pending === 0 && c.failed === 0 ? 'complete' : 'ready';
}

export type ExportAvailability =
  { available: true; entries: number } | { available: false; reason: string };

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

export function slotExportAvailability(slotState: SlotState, c: SlotCounters): ExportAvailability {
  if (slotState === 'complete') {
    if (c.provisioned === 0)
      return { available: false, reason: 'Nothing to export: no step of this slot succeeded.' };
    return { available: true, entries: c.provisioned };
  }
  if (slotState === 'empty')
    return { available: false, reason: 'The slot is empty: there is nothing to export.' };
  if (slotState === 'staging')
    return {
      available: false,
      reason: 'The slot is still being written; export comes once every step has ended.',
    };
  const open: string[] = [];
  if (c.pending > 0)
    open.push(`${plural(c.pending, 'step is', 'steps are')} pending or attempting`);
  if (c.failed > 0)
    open.push(
      `${plural(c.failed, 'step has', 'steps have')} failed (retry or skip ${c.failed === 1 ? 'it' : 'them'})`,
    );
  return {
    available: false,
    reason: `Export is available once the slot is complete: ${open.length ? open.join(' and ') : 'some steps have not ended'}.`,
  };
}

export function liveExportAvailability(c: SlotCounters): ExportAvailability {
  if (c.provisioned === 0)
    return {
      available: false,
      reason: 'Export becomes available after the first successful quick-step.',
    };
  return { available: true, entries: c.provisioned };
}

export const KEY_MATERIAL_WARNING =
  "The exported file is key material: it holds every provisioned PD's secure-channel key.";
