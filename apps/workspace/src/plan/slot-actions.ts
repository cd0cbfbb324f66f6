// What the slot list offers per slot state, and the plain words it uses. Delete is legal in any
// state on the device; on an empty slot there is nothing to delete, so the button is disabled.

import type { SlotState, SlotSummary } from '@osprio/link';

export interface SlotActions {
  create: boolean;
  import: boolean;
  open: boolean;
  delete: boolean;
}

export function slotActions(state: SlotState): SlotActions {
  switch (state) {
    case 'empty':
      return { create: true, import: true, open: false, delete: false };
    case 'staging':
      // An unfinished upload cannot be run or resumed: the only way on is to delete it.
      return { create: false, import: false, open: false, delete: true };
    case 'ready':
    case 'complete':
      return { create: false, import: false, open: true, delete: true };
  }
}

/** One line under the state chip. */
export function stateNote(s: SlotSummary): string {
  switch (s.state) {
    case 'empty':
      return 'No profile written';
    case 'staging':
      return `Unfinished upload (${s.counters.total} step${s.counters.total === 1 ? '' : 's'} so far)`;
    case 'ready':
      return `Sealed; ${s.counters.pending} step${s.counters.pending === 1 ? '' : 's'} still to run`;
    case 'complete':
      return 'Every step has finished';
  }
}

export function slotTitle(s: Pick<SlotSummary, 'index'>): string {
  return `Slot ${s.index}`;
}

/** The confirmation question for Delete, in plain words: what is lost and what is not. */
export function deleteQuestion(s: SlotSummary): { title: string; body: string } {
  const name = s.profileName ? ` (“${s.profileName}”)` : '';
  const title = `Delete ${slotTitle(s).toLowerCase()}${name}?`;
  switch (s.state) {
    case 'empty':
      return { title, body: 'This slot is already empty; there is nothing to delete.' };
    case 'staging':
      return {
        title,
        body: 'The unfinished upload is discarded and the slot becomes empty. No PD has been touched by it.',
      };
    case 'ready': {
      const c = s.counters;
      return {
        title,
        body: `The plan and its progress are erased from the device and the slot becomes empty (${c.provisioned} provisioned, ${c.failed} failed, ${c.skipped} skipped, ${c.pending} still to run). PDs already provisioned keep their keys, but their keys can no longer be exported.`,
      };
    }
    case 'complete': {
      const n = s.counters.provisioned;
      const keep =
        n === 0
          ? 'No PD was provisioned, so there are no keys to export.'
          : n === 1
            ? 'Export the key of the 1 provisioned PD first if you still need it: after this it can no longer be exported.'
            : `Export the keys of the ${n} provisioned PDs first if you still need them: after this they can no longer be exported.`;
      return {
        title,
        body: `The plan and its results are erased from the device and the slot becomes empty. ${keep}`,
      };
    }
  }
}
