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
    expect(
      routeReducer('mode-picker', picker, { type: 'choose-mode', mode: 'quick-step' }),
    ).toEqual({ kind: 'quick-step' });
    expect(routeReducer('mode-picker', picker, { type: 'choose-mode', mode: 'slot-list' })).toEqual(
      { kind: 'slot-list' },
    );
    expect(routeReducer('slot-list', { kind: 'slot-list' }, { type: 'pick-mode' })).toEqual({
      kind: 'slot-list',
    });
    expect(routeReducer('quick-step', { kind: 'quick-step' }, { type: 'slot-list' })).toEqual({
      kind: 'quick-step',
    });
    expect(routeReducer('mode-picker', { kind: 'quick-step' }, { type: 'pick-mode' })).toEqual({
      kind: 'mode-picker',
    });
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
    expect(routeReducer('slot-list', r, { type: 'sealed', slot: 1 })).toEqual({
      kind: 'slot',
      slot: 1,
    });
  });

  it('an imported file goes to review, and Back shows its values in the form', () => {
    let r: Route = routeReducer(
      'slot-list',
      { kind: 'slot-list' },
      { type: 'imported', slot: 3, values, plan },
    );
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
    expect(
      routeReducer('slot-list', form, { type: 'create', slot: 1, values: emptyValues() }),
    ).toBe(form);
    expect(routeReducer('slot-list', { kind: 'slot-list' }, { type: 'back' })).toEqual({
      kind: 'slot-list',
    });
  });
});

describe('reviewSummary', () => {
  it('states the plan in the form’s words, with the addresses as steps hold them', async () => {
    const { reviewSummary } = await import('../../src/plan/review-summary.ts');
    const profile = {
      name: 'Site',
      deviceCount: 3,
      addressStrategy: 'random',
      startAddress: 1,
      manualAddresses: [],
      baud: 19200,
      expectedCapabilities: [],
      timeoutMs: 0,
      autoVerify: true,
    };
    const steps = [5, 6, 7].map((address, index) => ({ index, address, baud: 19200 }));
    const facts = Object.fromEntries(
      reviewSummary({ profile, steps } as unknown as Plan).map((f) => [f.label, f.value]),
    );
    expect(facts).toMatchObject({
      'Profile name': 'Site',
      'Device count': '3',
      Addresses: '5-7',
      'Baud rate': '19200',
      'Expected capabilities': 'none (check skipped)',
      'Provisioning timeout': 'firmware default',
      'Auto-verify': 'on',
    });
    const many = Array.from({ length: 20 }, (_, i) => ({ index: i, address: i * 3, baud: 9600 }));
    expect(
      reviewSummary({ profile, steps: many } as unknown as Plan).find(
        (f) => f.label === 'Addresses',
      )?.value,
    ).toBe('0 to 57 (20 addresses)');
  });
});
