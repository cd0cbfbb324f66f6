// Pacing of the emulator's simulated bus, on a fake wall clock (performance, setTimeout,
// setImmediate): deterministic, with no wall-clock bounds. Its own file, so the fake timers never
// touch an emulator another suite keeps running.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createSimBus } from '@osprio/bus';
import { PacedBus } from '../src/emulator/index.ts';

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['performance', 'setTimeout', 'clearTimeout', 'setImmediate'] });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('pacing of the simulated bus', () => {
  it('at speed 10, 500 ms of bus time take 50 ms of wall time; idle wall time is caught up', async () => {
    const bus = new PacedBus(createSimBus(), 10);
    let slept = false;
    void bus.sleep(bus.now() + 500).then(() => (slept = true));
    await vi.advanceTimersByTimeAsync(45);
    expect(slept).toBe(false);
    await vi.advanceTimersByTimeAsync(10);
    expect(slept).toBe(true);
    const before = bus.inner.now();
    await vi.advanceTimersByTimeAsync(60);
    // The paced clock is never behind speed × wall time: 60 ms idle × 10 count at once (issue 8 #1)…
    expect(bus.now() - before).toBeGreaterThanOrEqual(600);
    const w = bus.write(Uint8Array.of(0xff));
    await vi.advanceTimersByTimeAsync(1);
    await w;
    // …and the line itself ran that idle time before the write went out.
    expect(bus.inner.now() - before).toBeGreaterThanOrEqual(600);
  });

  it('at max speed bus time runs ahead of the wall', async () => {
    const bus = new PacedBus(createSimBus(), Infinity);
    const t0 = performance.now();
    let slept = false;
    void bus.sleep(bus.now() + 60_000).then(() => (slept = true));
    await vi.advanceTimersByTimeAsync(20);
    expect(slept).toBe(true);
    expect(bus.now()).toBeGreaterThanOrEqual(60_000);
    expect(performance.now() - t0).toBeLessThanOrEqual(20); // fake wall ms: 60 s of bus time in ≤ 20 ms
  });
});
