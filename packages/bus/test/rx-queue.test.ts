// The wall clock the real transports share: waits are measured on the bus clock, not trusted to
// Node's timers (which count from the event loop's cached time and can fire early after a long
// synchronous stretch — the drain before a baud change relies on never waking early).
import { describe, expect, it, vi } from 'vitest';
import { sleepUntil, wallNow } from '../src/rx-queue.ts';

describe('sleepUntil (bus clock of the serial and TCP transports)', () => {
  it('never returns before the bus clock reaches its target, even after a synchronous stretch', async () => {
    const early: number[] = [];
    for (let i = 0; i < 60; i++) {
      await new Promise<void>((r) => setImmediate(r));
      const t = wallNow();
      while (wallNow() - t < 15) {
        // a long synchronous stretch (e.g. spawnSync) leaves the loop's cached time behind
      }
      const until = wallNow() + 5;
      await sleepUntil(until);
      const now = wallNow();
      if (now < until) early.push(until - now);
    }
    expect(early).toEqual([]);
  });

  it('returns at once for a time already past: no timer is set', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'performance'] });
    try {
      let done = false;
      void sleepUntil(wallNow() - 100).then(() => (done = true));
      // Microtasks only: a pending setTimeout would keep it from resolving (fake timers never fire on their own).
      for (let i = 0; i < 5; i++) await Promise.resolve();
      expect(done).toBe(true);
      expect(vi.getTimerCount()).toBe(0);
      // A time in the future does set a timer, and resolves only once the clock reaches it.
      let later = false;
      void sleepUntil(wallNow() + 50).then(() => (later = true));
      await vi.advanceTimersByTimeAsync(49);
      expect(later).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      expect(later).toBe(true);
    } finally {
      vi.useRealTimers();
    }
  });
});
