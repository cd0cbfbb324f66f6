// The per-device Web Lock: taken only if free (never queued behind another tab), held until
// released, and then free for the next tab.
import { describe, expect, it } from 'vitest';
import { deviceLockName, tryLockDevice } from '../src/shell/device-lock.ts';

/** A LockManager with the semantics of `request(name, { ifAvailable: true }, cb)`. */
function fakeLocks() {
  const held = new Set<string>();
  const calls: { name: string; options: LockOptions }[] = [];
  const locks = {
    async request(name: string, options: LockOptions, cb: (lock: Lock | null) => Promise<void>) {
      calls.push({ name, options });
      if (held.has(name)) return cb(null);
      held.add(name);
      try {
        return await cb({ name, mode: 'exclusive' } as Lock);
      } finally {
        held.delete(name);
      }
    },
  } as unknown as LockManager;
  return { locks, held, calls };
}

describe('device lock', () => {
  it('one holder per device; released, the next tab gets it', async () => {
    const f = fakeLocks();
    const a = await tryLockDevice('osprio-pro:OPP-1', f.locks);
    expect(a.ok).toBe(true);
    expect(f.calls[0]).toEqual({
      name: deviceLockName('osprio-pro:OPP-1'),
      options: { ifAvailable: true },
    });
    expect((await tryLockDevice('osprio-pro:OPP-1', f.locks)).ok).toBe(false);
    // Another device is not affected.
    expect((await tryLockDevice('osprio-mini:OPM-1', f.locks)).ok).toBe(true);
    if (a.ok) a.release();
    await expect.poll(() => f.held.has(deviceLockName('osprio-pro:OPP-1'))).toBe(false);
    expect((await tryLockDevice('osprio-pro:OPP-1', f.locks)).ok).toBe(true);
  });

  it('a failing lock manager refuses rather than throwing', async () => {
    const locks = {
      request: () => Promise.reject(new Error('SecurityError')),
    } as unknown as LockManager;
    expect(await tryLockDevice('x', locks)).toEqual({ ok: false });
  });
});
