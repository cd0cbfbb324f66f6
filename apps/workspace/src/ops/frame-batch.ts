// Coalesces a burst of snapshots (10,000 backfilled edges after a reconnect arrive as many
// onChange calls) into at most one render per animation frame: the screen shows the latest
// snapshot, never a queue of stale ones.

export type Schedule = (fn: () => void) => unknown;

export const nextFrame: Schedule = (fn) =>
  typeof requestAnimationFrame === 'function'
    ? requestAnimationFrame(() => fn())
    : setTimeout(fn, 16);

export function frameBatch<T>(
  deliver: (value: T) => void,
  schedule: Schedule = nextFrame,
): { push(value: T): void; flush(): void; stop(): void } {
  let pending: { value: T } | null = null;
  let scheduled = false;
  let stopped = false;
  function flush(): void {
    scheduled = false;
    if (stopped || pending === null) return;
    const { value } = pending;
    pending = null;
    deliver(value);
  }
  return {
    push(value) {
      if (stopped) return;
      pending = { value };
      if (!scheduled) {
        scheduled = true;
        schedule(flush);
      }
    },
    flush,
    stop() {
      stopped = true;
      pending = null;
    },
  };
}
