// Who holds a device, and the HostSession a handler sees. One host per device: a second link is
// refused with device_in_use until the first lets go — and a host that closed cleanly has let go,
// even while its transport is still winding down (a CLI reconnect or a tab reload right after a
// close must not meet device_in_use).

import type { LinkConnection } from './connection.ts';
import type { DeviceHandler, HostSession } from './device-handler.ts';
import type { ProgressEdge, QueueRef } from './model.ts';

interface Holder {
  conn: LinkConnection;
  release: () => void;
}

const holders = new WeakMap<DeviceHandler, Holder>();
let nextSessionId = 1;

/**
 * Claims `handler` for `conn`; false when another live link holds it. A holder whose link is already
 * closing is released first. `release` is the claimant's teardown (it must call `releaseDevice`).
 */
export function claimDevice(
  handler: DeviceHandler,
  conn: LinkConnection,
  release: () => void,
): boolean {
  const holder = holders.get(handler);
  if (holder?.conn.closing) holder.release();
  if (holders.has(handler)) return false;
  holders.set(handler, { conn, release });
  return true;
}

/** Lets go of `handler` if `conn` still holds it. */
export function releaseDevice(handler: DeviceHandler, conn: LinkConnection): void {
  if (holders.get(handler)?.conn === conn) holders.delete(handler);
}

export interface LinkSession extends HostSession {
  alive: boolean;
}

/** Where a session's pushes go; the link server supplies these (see link-outbox.ts, link-subscriptions.ts). */
export interface SessionSink {
  edge(edge: ProgressEdge): void;
  resync(queue: QueueRef, reason: string): void;
}

/** A HostSession that goes quiet once `alive` is false (after detach, late pushes are dropped). */
export function openSession(sink: SessionSink): LinkSession {
  const s: LinkSession = {
    id: nextSessionId++,
    alive: true,
    pushEdge(edge) {
      if (s.alive) sink.edge(edge);
    },
    pushResync(queue, reason) {
      if (s.alive) sink.resync(queue, reason);
    },
  };
  return s;
}
