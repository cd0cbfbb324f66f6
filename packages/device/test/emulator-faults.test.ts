// The emulator's readers take every PD fault of the one grammar, enforce-secure included (issue 13).
import { describe, expect, it } from 'vitest';
import { FAULT_NAMES, faultsFor, parseFaultSpec, readerSetup } from '../src/emulator/faults.ts';

describe('emulator reader faults', () => {
  it('a reader can enforce the secure channel (--faults STEP:enforce-secure)', () => {
    expect(FAULT_NAMES).toContain('enforce-secure');
    const plan = parseFaultSpec('2:enforce-secure+slow:300');
    expect(readerSetup(faultsFor(plan, 2)).faults).toEqual([
      { kind: 'enforce_secure' },
      { kind: 'slow', replyDelayMs: 300 },
    ]);
    expect(readerSetup(faultsFor(plan, 1)).faults).toEqual([]);
  });
});
