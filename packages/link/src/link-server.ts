// The device side of one link: decodes requests, serves them one at a time through a
// DeviceHandler, and forwards the handler's progress edges to what the host subscribed to.
// The pieces: link-session.ts (who holds the device, the HostSession), link-dispatch.ts (one
// request → the handler → its reply), link-subscriptions.ts (which queues the host follows, up to
// which seq), link-outbox.ts (edges made while a request is served wait for its reply).

import { CLOSE_CODES, type LinkConnection } from './connection.ts';
import { decodeRequest, encodeError, encodeEvent, encodeReply } from './codec.ts';
import { encodeEdgeBatches } from './edge-batch.ts';
import { LinkError, isErrorCode, type ErrorCode } from './errors.ts';
import type { DeviceHandler, HostSession } from './device-handler.ts';
import {
  MAX_FRAME_BYTES,
  SUPPORTED_PROTOCOL_VERSIONS,
  type Request,
  type RequestType,
  type ResultOf,
} from './messages.ts';
import { dispatch } from './link-dispatch.ts';
import type { ProgressEdge, QueueRef } from './model.ts';
import { claimDevice, openSession, releaseDevice, type LinkSession } from './link-session.ts';
import { Outbox } from './link-outbox.ts';
import { Subscriptions } from './link-subscriptions.ts';

export interface LinkServerOptions {
  /** Close a link that has not said hello within this time (it would hold the device). Default 10 s. */
  helloTimeoutMs?: number;
  /** Requests waiting to be served before new ones get `busy`. Default 64. */
  maxQueued?: number;
  /** Versions served; default SUPPORTED_PROTOCOL_VERSIONS. */
  supportedVersions?: readonly number[];
  /** Target size of one replay frame (`edges` event), at most MAX_FRAME_BYTES. Default 32 KiB:
   *  in Chromium a backfill of 10,000 edges is current sooner in 32 KiB frames than in 128 KiB ones
   *  (measured by apps/workspace/bench/ops-screen.bench.ts). */
  replayBatchBytes?: number;
  /** Where unexpected handler failures go (the host only sees `internal`). */
  onInternalError?: (err: unknown, type: RequestType) => void;
}

export interface LinkServer {
  /** False when the link was refused (device in use). */
  readonly accepted: boolean;
  /** The host session, once hello succeeded. */
  readonly session: HostSession | null;
  close(reason?: string): void;
}

/** Default target size of a replay frame (see LinkServerOptions.replayBatchBytes). */
export const REPLAY_BATCH_BYTES = 32 * 1024;

// eslint-disable-next-line max-lines-per-function -- the per-link closure that wires the pieces (link-session, link-dispatch, link-subscriptions, link-outbox) to one connection; what is left is its request pump and teardown
export function createLinkServer(
  handler: DeviceHandler,
  conn: LinkConnection,
  options: LinkServerOptions = {},
): LinkServer {
  const supported = options.supportedVersions ?? SUPPORTED_PROTOCOL_VERSIONS;
  const maxQueued = options.maxQueued ?? 64;
  const replayBatchBytes = Math.min(
    options.replayBatchBytes ?? REPLAY_BATCH_BYTES,
    MAX_FRAME_BYTES,
  );

  if (!claimDevice(handler, conn, () => teardown())) {
    conn.send(encodeError(null, 'device_in_use', 'another host is connected to this device'));
    conn.close(CLOSE_CODES.deviceInUse, 'device in use');
    return { accepted: false, session: null, close: () => {} };
  }

  let session: LinkSession | null = null;
  const queue: Request[] = [];
  let serving = false;
  const subs = new Subscriptions();
  const outbox = new Outbox(sendEdge);
  const helloTimer = setTimeout(() => {
    if (!session) conn.close(CLOSE_CODES.helloTimeout, 'no hello');
  }, options.helloTimeoutMs ?? 10_000);

  // The device's own events; still, a malformed one must not break the link.
  function sendEdge(edge: ProgressEdge): void {
    try {
      if (!subs.wants(edge)) return;
      const text = encodeEvent({ event: 'edge', edge });
      subs.sent(edge); // only once it could be encoded
      conn.send(text);
    } catch (err) {
      options.onInternalError?.(err, 'subscribe');
    }
  }

  // The replay after subscribe: the edges the host still wants, in as few frames as fit.
  function sendEdges(q: QueueRef, edges: readonly ProgressEdge[]): void {
    const fresh = subs.unsent(q, edges);
    const batches = encodeEdgeBatches(
      q,
      fresh,
      (message) => options.onInternalError?.(new LinkError('internal', message), 'subscribe'),
      replayBatchBytes,
    );
    for (const b of batches) {
      if (conn.closed) return;
      subs.sent(b.last);
      conn.send(b.text);
    }
  }

  function sendResync(q: QueueRef, reason: string): void {
    if (!subs.drop(q)) return;
    try {
      conn.send(encodeEvent({ event: 'resync', queue: q, reason }));
    } catch (err) {
      options.onInternalError?.(err, 'subscribe');
    }
  }

  function fail(id: number | null, err: unknown, type: RequestType): void {
    // Duck-typed so a LinkError from another copy of this module (or a { code, message } value)
    // still keeps its code.
    const e = err as { code?: unknown; message?: unknown } | null;
    if (
      typeof e === 'object' &&
      e !== null &&
      isErrorCode(e.code) &&
      typeof e.message === 'string'
    ) {
      if (e.code === 'internal') options.onInternalError?.(err, type);
      conn.send(encodeError(id, e.code, e.message));
    } else {
      options.onInternalError?.(err, type);
      conn.send(encodeError(id, 'internal', `the device failed to serve ${type}`));
    }
  }

  function reply<T extends RequestType>(type: T, id: number, result: ResultOf<T>): void {
    conn.send(encodeReply(type, id, result));
  }

  function hello(id: number, v: number): void {
    if (!supported.includes(v)) {
      throw new LinkError(
        'version_unsupported',
        `protocol version ${v} is not served; this device speaks ${supported.join(', ')}`,
      );
    }
    const ident = handler.identity();
    if (!session) {
      session = openSession({ edge: (e) => outbox.push(e), resync: sendResync });
      clearTimeout(helloTimer);
      try {
        const r = handler.attach(session);
        if (r instanceof Promise)
          r.catch((err: unknown) => options.onInternalError?.(err, 'hello'));
      } catch (err) {
        options.onInternalError?.(err, 'hello');
      }
    }
    reply('hello', id, { ...ident, protocolVersion: v });
  }

  async function serve(req: Request): Promise<void> {
    if (req.type === 'hello') return hello(req.id, req.params.protocolVersion);
    if (!session) throw new LinkError('hello_required', 'send hello first');
    return dispatch(req, { handler, session, subs, reply, sendEdges });
  }

  async function pump(): Promise<void> {
    if (serving) return;
    serving = true;
    outbox.hold();
    while (queue.length > 0 && !conn.closed) {
      const req = queue.shift()!;
      try {
        await serve(req);
      } catch (err) {
        if (!conn.closed) fail(req.id, err, req.type);
      }
      if (!conn.closed) outbox.flush();
    }
    outbox.release();
    serving = false;
  }

  function onFrame(data: string | Uint8Array): void {
    const d = decodeRequest(data);
    if (!d.ok) {
      conn.send(encodeError(d.id, d.error.code, d.error.message));
      return;
    }
    if (queue.length >= maxQueued) {
      conn.send(
        encodeError(d.request.id, 'busy' satisfies ErrorCode, 'too many requests outstanding'),
      );
      return;
    }
    queue.push(d.request);
    void pump();
  }

  let tornDown = false;
  function teardown(): void {
    if (tornDown) return;
    tornDown = true;
    clearTimeout(helloTimer);
    queue.length = 0;
    outbox.clear();
    subs.clear();
    releaseDevice(handler, conn);
    if (session) {
      session.alive = false;
      try {
        handler.detach(session);
      } catch (err) {
        options.onInternalError?.(err, 'hello');
      }
    }
  }

  conn.onMessage(onFrame);
  conn.onClose(teardown);

  return {
    accepted: true,
    get session() {
      return session;
    },
    close(reason = 'device closed the link') {
      conn.close(CLOSE_CODES.normal, reason);
    },
  };
}
