// Where a connected Provisioner tab is, as an explicit reducer: the opening screen (decided by the
// device's status alone), then the planning screens and the operational view of a slot.

import type { OpeningScreen, Plan } from '@osprio/host';
import type { FormValues } from './form-state.ts';

export type Mode = 'quick-step' | 'slot-list';

export type Route =
  | { kind: 'unsupported' }
  | { kind: 'mode-picker' }
  | { kind: 'quick-step' }
  | { kind: 'slot-list' }
  /** The profile form for an empty slot; `values` is what was typed (kept across Back). */
  | { kind: 'form'; slot: number; values: FormValues }
  /** The expanded plan, exactly as it will be uploaded; `values` is what Back returns to. */
  | { kind: 'review'; slot: number; values: FormValues; plan: Plan }
  | { kind: 'slot'; slot: number };

export type RouteAction =
  | { type: 'choose-mode'; mode: Mode }
  | { type: 'pick-mode' }
  | { type: 'create'; slot: number; values: FormValues }
  | { type: 'review'; values: FormValues; plan: Plan }
  /** An imported file goes straight to review; Back then shows its values in the form. */
  | { type: 'imported'; slot: number; values: FormValues; plan: Plan }
  | { type: 'back' }
  | { type: 'sealed'; slot: number }
  | { type: 'open'; slot: number }
  | { type: 'slot-list' };

export function initialRoute(screen: OpeningScreen): Route {
  switch (screen) {
    case 'mode-picker':
      return { kind: 'mode-picker' };
    case 'quick-step':
      return { kind: 'quick-step' };
    case 'slot-list':
      return { kind: 'slot-list' };
    case 'unsupported':
      return { kind: 'unsupported' };
  }
}

/** Whether the device offers the slot screens at all (so no action can reach them otherwise). */
function offersSlots(screen: OpeningScreen): boolean {
  return screen === 'slot-list' || screen === 'mode-picker';
}

export function routeReducer(screen: OpeningScreen, r: Route, a: RouteAction): Route {
  switch (a.type) {
    case 'choose-mode':
      if (screen !== 'mode-picker') return r;
      return a.mode === 'quick-step' ? { kind: 'quick-step' } : { kind: 'slot-list' };
    case 'pick-mode':
      return screen === 'mode-picker' ? { kind: 'mode-picker' } : r;
    case 'create':
      return r.kind === 'slot-list' ? { kind: 'form', slot: a.slot, values: a.values } : r;
    case 'imported':
      return r.kind === 'slot-list'
        ? { kind: 'review', slot: a.slot, values: a.values, plan: a.plan }
        : r;
    case 'review':
      return r.kind === 'form'
        ? { kind: 'review', slot: r.slot, values: a.values, plan: a.plan }
        : r;
    case 'back':
      if (r.kind === 'review') return { kind: 'form', slot: r.slot, values: r.values };
      if (r.kind === 'form' || r.kind === 'slot') return { kind: 'slot-list' };
      return r;
    case 'sealed':
      return r.kind === 'review' && r.slot === a.slot ? { kind: 'slot', slot: a.slot } : r;
    case 'open':
      return r.kind === 'slot-list' ? { kind: 'slot', slot: a.slot } : r;
    case 'slot-list':
      return offersSlots(screen) ? { kind: 'slot-list' } : r;
  }
}
