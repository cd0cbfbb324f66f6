import { describe, expect, it } from 'vitest';
import { frameBatch } from '../../src/ops/frame-batch.ts';

describe('frameBatch', () => {
  it('delivers only the latest value of a burst, once per frame', () => {
    const frames: (() => void)[] = [];
    const seen: number[] = [];
    const b = frameBatch<number>(
      (v) => seen.push(v),
      (fn) => frames.push(fn),
    );
    for (let i = 1; i <= 10_000; i++) b.push(i);
    expect(frames).toHaveLength(1);
    expect(seen).toEqual([]);
    frames.shift()!();
    expect(seen).toEqual([10_000]);
    b.push(10_001);
    expect(frames).toHaveLength(1);
    frames.shift()!();
    expect(seen).toEqual([10_000, 10_001]);
  });
  it('delivers nothing after stop', () => {
    const frames: (() => void)[] = [];
    const seen: number[] = [];
    const b = frameBatch<number>(
      (v) => seen.push(v),
      (fn) => frames.push(fn),
    );
    b.push(1);
    b.stop();
    frames.forEach((f) => f());
    b.push(2);
    expect(seen).toEqual([]);
  });
});
