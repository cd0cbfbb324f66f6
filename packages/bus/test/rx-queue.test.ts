// The wall clock the real transports share: waits are measured on the bus clock, not trusted to
// Node's timers (which count from the event loop's cached time and can fire early after a long
// synchronous stretch — the drain before a baud change relies on never waking early).
import { describe, expect, it } from 'vitest';
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

  it('returns at once for a time already past', async () => {
    const t = wallNow();
    await sleepUntil(t - 100);
    expect(wallNow() - t).toBeLessThan(100);
  });
});
