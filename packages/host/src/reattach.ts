// Riding out a dropped link or a device restart: call reattach() until attached, backing off.
// `in_use` and `unreachable` right after a drop are usually passing (the device has not noticed
// the old link is gone yet, or is still booting), so they are retried; `incompatible` is not.

import type { DeviceSession } from './device-session.ts';
import type { SessionState } from './session-state.ts';

export interface ReattachLoopOptions {
  /** First wait between attempts (ms); doubles up to maxIntervalMs. Default 250. */
  intervalMs?: number;
  /** Default 2000. */
  maxIntervalMs?: number;
  /** Stops the loop (resolves with the last state). */
  signal?: AbortSignal;
  /** After every failed attempt, e.g. to print "device unreachable, retrying". */
  onAttempt?: (s: SessionState) => void;
}

/** Resolves with the state that ended the loop: attached, closed, incompatible, or the last one when aborted. */
export async function reattachUntilAttached(
  session: DeviceSession,
  opts: ReattachLoopOptions = {},
): Promise<SessionState> {
  let wait = opts.intervalMs ?? 250;
  const max = opts.maxIntervalMs ?? 2000;
  for (;;) {
    const s = await session.reattach();
    if (
      s.kind === 'attached' ||
      s.kind === 'closed' ||
      s.kind === 'incompatible' ||
      opts.signal?.aborted
    )
      return s;
    opts.onAttempt?.(s);
    const aborted = await new Promise<boolean>((resolve) => {
      const t = setTimeout(() => resolve(false), wait);
      opts.signal?.addEventListener(
        'abort',
        () => {
          clearTimeout(t);
          resolve(true);
        },
        { once: true },
      );
    });
    if (aborted) return session.state;
    wait = Math.min(max, wait * 2);
  }
}
