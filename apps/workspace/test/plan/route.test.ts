import { describe, expect, it } from 'vitest';
import type { Plan } from '@osprio/host';
import { emptyValues } from '../../src/plan/form-state.ts';
import { initialRoute, routeReducer, type Route } from '../../src/plan/route.ts';

const values = { ...emptyValues(), name: 'typed', deviceCount: '2' };
const plan = { profile: {}, steps: [{ index: 0, address: 1, baud: 9600 }] } as unknown as Plan;

describe('routeReducer', () => {
  it('opens on the screen the device status decided', () => {
    expect(initialRoute('mode-picker')).toEqual({ kind: 'mode-picker' });
    expect(initialRoute('quick-step')).toEqual({ kind: 'quick-step' });
    expect(initialRoute('slot-list')).toEqual({ kind: 'slot-list' });
    expect(initialRoute('unsupported')).toEqual({ kind: 'unsupported' });
  });

  it('the mode picker leads to either mode, and only a device offering both has it', () => {
    const picker: Route = { kind: 'mode-picker' };
    expect(routeReducer('mode-picker', picker, { type: 'choose-mode', mode: 'quick-step' })).toEqual({ kind: 'quick-step' });
    expect(routeReducer('mode-picker', picker, { type: 'choose-mode', mode: 'slot-list' })).toEqual({ kind: 'slot-list' });
    expect(routeReducer('slot-list', { kind: 'slot-list' }, { type: 'pick-mode' })).toEqual({ kind: 'slot-list' });
    expect(routeReducer('quick-step', { kind: 'quick-step' }, { type: 'slot-list' })).toEqual({ kind: 'quick-step' });
    expect(routeReducer('mode-picker', { kind: 'quick-step' }, { type: 'pick-mode' })).toEqual({ kind: 'mode-picker' });
  });

  it('create → review → Back keeps what was typed → review again → sealed opens the slot', () => {
    let r: Route = { kind: 'slot-list' };
    r = routeReducer('slot-list', r, { type: 'create', slot: 1, values: emptyValues() });
    expect(r).toEqual({ kind: 'form', slot: 1, values: emptyValues() });
    r = routeReducer('slot-list', r, { type: 'review', values, plan });
    expect(r).toEqual({ kind: 'review', slot: 1, values, plan });
    r = routeReducer('slot-list', r, { type: 'back' });
    expect(r).toEqual({ kind: 'form', slot: 1, values });
    r = routeReducer('slot-list', r, { type: 'review', values, plan });
    expect(routeReducer('slot-list', r, { type: 'sealed', slot: 2 })).toBe(r);
    expect(routeReducer('slot-list', r, { type: 'sealed', slot: 1 })).toEqual({ kind: 'slot', slot: 1 });
  });

  it('an imported file goes to review, and Back shows its values in the form', () => {
    let r: Route = routeReducer('slot-list', { kind: 'slot-list' }, { type: 'imported', slot: 3, values, plan });
    expect(r).toEqual({ kind: 'review', slot: 3, values, plan });
    r = routeReducer('slot-list', r, { type: 'back' });
    expect(r).toEqual({ kind: 'form', slot: 3, values });
    expect(routeReducer('slot-list', r, { type: 'back' })).toEqual({ kind: 'slot-list' });
  });

  it('open and back from a slot return to the list; actions out of place change nothing', () => {
    const slot = routeReducer('slot-list', { kind: 'slot-list' }, { type: 'open', slot: 0 });
    expect(slot).toEqual({ kind: 'slot', slot: 0 });
    expect(routeReducer('slot-list', slot, { type: 'back' })).toEqual({ kind: 'slot-list' });
    const form: Route = { kind: 'form', slot: 0, values };
    expect(routeReducer('slot-list', form, { type: 'open', slot: 1 })).toBe(form);
    expect(routeReducer('slot-list', form, { type: 'create', slot: 1, values: emptyValues() })).toBe(form);
    expect(routeReducer('slot-list', { kind: 'slot-list' }, { type: 'back' })).toEqual({ kind: 'slot-list' });
  });
});
