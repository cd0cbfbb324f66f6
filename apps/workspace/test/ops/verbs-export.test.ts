import { describe, expect, it, vi } from 'vitest';
import type { Verb } from '@osprio/link';
import { STEP_STATES } from '@osprio/provisioner';
import { confirmationFor, verbButtons } from '../../src/ops/verbs.ts';
import {
  currentSlotState,
  liveExportAvailability,
  slotExportAvailability,
} from '../../src/ops/export-view.ts';
import { saveKeyFile } from '../../src/ops/download.ts';

const LEGAL: Record<string, Verb[]> = {
  pending: ['try', 'skip', 'reset'],
  attempting: ['reset'],
  success: ['reset'],
  failure: ['retry', 'skip', 'reset'],
  skipped: ['reset'],
};

describe('verbButtons', () => {
  it('enables exactly the legal verbs of every state, and says why the others are off', () => {
    for (const state of STEP_STATES) {
      const b = verbButtons({ state, requested: null });
      expect(b.filter((x) => x.enabled).map((x) => x.verb)).toEqual(LEGAL[state]);
      for (const x of b.filter((y) => !y.enabled)) expect(x.why).toContain(state);
    }
  });
  it('disables every verb of a row while a clicked verb waits for the device', () => {
    const b = verbButtons({ state: 'pending', requested: 'try' });
    expect(b.every((x) => !x.enabled)).toBe(true);
    expect(b[0]!.why).toMatch(/try requested/);
  });
  it('asks before resetting an attempting row, and only then', () => {
    expect(confirmationFor({ state: 'attempting', address: 9 }, 'reset')).toMatch(
      /address 9.*being attempted/,
    );
    for (const state of STEP_STATES.filter((s) => s !== 'attempting'))
      expect(confirmationFor({ state, address: 9 }, 'reset')).toBeNull();
    expect(confirmationFor({ state: 'attempting', address: 9 }, 'skip')).toBeNull();
  });
});

const counters = (
  o: Partial<{
    total: number;
    provisioned: number;
    failed: number;
    skipped: number;
    pending: number;
  }>,
) => ({
  total: 0,
  provisioned: 0,
  failed: 0,
  skipped: 0,
  pending: 0,
  ...o,
});

describe('export availability', () => {
  it('is available on a complete slot with successes', () => {
    expect(
      slotExportAvailability('complete', counters({ total: 3, provisioned: 2, skipped: 1 })),
    ).toEqual({ available: true, entries: 2 });
  });
  it('says how many steps are pending and failed before complete', () => {
    const a = slotExportAvailability(
      'ready',
      counters({ total: 10, provisioned: 5, failed: 2, pending: 3 }),
    );
    expect(a.available).toBe(false);
    if (!a.available)
      expect(a.reason).toBe(
        'Export is available once the slot is complete: 3 steps are pending or attempting and 2 steps have failed (retry or skip them).',
      );
    const one = slotExportAvailability('ready', counters({ total: 2, provisioned: 1, failed: 1 }));
    if (!one.available) expect(one.reason).toMatch(/1 step has failed \(retry or skip it\)/);
  });
  it('has nothing to export on a complete slot without success, or a live queue before its first success', () => {
    expect(slotExportAvailability('complete', counters({ total: 2, skipped: 2 })).available).toBe(
      false,
    );
    expect(liveExportAvailability(counters({ total: 1, failed: 1 })).available).toBe(false);
    expect(liveExportAvailability(counters({ total: 1, provisioned: 1 }))).toEqual({
      available: true,
      entries: 1,
    });
  });
});

describe('saveKeyFile', () => {
  function file() {
    const bytes = new TextEncoder().encode(
      'pd_address,baudrate,scbk\n1,9600,00112233445566778899aabbccddeeff\n',
    );
    return { fileName: 'k.csv', mediaType: 'text/csv', bytes, wipe: () => bytes.fill(0) };
  }
  it('hands over exactly the file bytes, then wipes them and revokes the URL', async () => {
    const f = file();
    const expected = new TextDecoder().decode(f.bytes);
    let blob: Blob | null = null;
    const deferred: (() => void)[] = [];
    const env = {
      createObjectURL: (b: Blob) => ((blob = b), 'blob:x'),
      revokeObjectURL: vi.fn(),
      click: vi.fn(),
      later: (fn: () => void) => deferred.push(fn),
    };
    saveKeyFile(f, env);
    expect(env.click).toHaveBeenCalledWith('blob:x', 'k.csv');
    expect(f.bytes.every((b) => b === 0)).toBe(true);
    expect(await blob!.text()).toBe(expected);
    expect(blob!.type).toBe('text/csv');
    expect(env.revokeObjectURL).not.toHaveBeenCalled();
    deferred.forEach((fn) => fn());
    expect(env.revokeObjectURL).toHaveBeenCalledWith('blob:x');
  });
  it('wipes the bytes even when the browser refuses the download', () => {
    const f = file();
    const env = {
      createObjectURL: () => 'blob:y',
      revokeObjectURL: vi.fn(),
      click: () => {
        throw new Error('blocked');
      },
      later: (fn: () => void) => fn(),
    };
    expect(() => saveKeyFile(f, env)).toThrow('blocked');
    expect(f.bytes.every((b) => b === 0)).toBe(true);
    expect(env.revokeObjectURL).toHaveBeenCalledWith('blob:y');
  });
});

describe('currentSlotState', () => {
  it('follows the rows between reads: complete once every step is terminal, ready again after a reset', () => {
    expect(currentSlotState('ready', counters({ total: 3, provisioned: 2, skipped: 1 }))).toBe(
      'complete',
    );
    expect(currentSlotState('complete', counters({ total: 3, provisioned: 2, pending: 1 }))).toBe(
      'ready',
    );
    expect(currentSlotState('ready', counters({ total: 3, provisioned: 2, failed: 1 }))).toBe(
      'ready',
    );
  });
  it('keeps empty and staging as read', () => {
    expect(currentSlotState('empty', counters({}))).toBe('empty');
    expect(currentSlotState('staging', counters({ total: 3, provisioned: 3 }))).toBe('staging');
  });
});
