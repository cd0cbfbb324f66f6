import { describe, expect, it } from 'vitest';
import { durationText } from '@osprio/provisioner';

describe('durationText', () => {
  it('shows milliseconds under one second and seconds (one decimal at most) from one second on', () => {
    expect(durationText(50)).toBe('50 ms');
    expect(durationText(0)).toBe('0 ms');
    expect(durationText(999)).toBe('999 ms');
    expect(durationText(1000)).toBe('1 s');
    expect(durationText(1250)).toBe('1.3 s');
    expect(durationText(30_000)).toBe('30 s');
  });
});
