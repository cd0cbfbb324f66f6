// The device side of one link: decodes requests, serves them one at a time through a
// DeviceHandler, and forwards the handler's progress edges to what the host subscribed to.
// One host per device: a second link to the same handler is refused with device_in_use.

import { CLOSE_CODES, type LinkConnection } from './connection.ts';
import { decodeRequest, encodeError, encodeEvent, encodeReply } from './codec.ts';
import { LinkError, isErrorCode, type ErrorCode } from './errors.ts';
import type { DeviceHandler, HostSession } from './device-handler.ts';
import { SUPPORTED_PROTOCOL_VERSIONS, type Request, type RequestMap, type RequestType } from './messages.ts';
import type { ProgressEdge, QueueRef } from './model.ts';

export interface LinkServerOptions {
  /** Close a link that has not said hello within this time (it would hold the device). Default 10 s. */
  helloTimeoutMs?: number;
  /** Requests waiting to be served before new ones get `busy`. Default 64. */
  maxQueued?: number;
  /** Versions served; default SUPPORTED_PROTOCOL_VERSIONS. */
  supportedVersions?: readonly number[];
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

const owners = new WeakMap<DeviceHandler, object>();
let nextSessionId = 1;

function queueKey(q: QueueRef): string {
  return 'slot' in q ? `slot:${q.slot}` : `live:${q.live}`;
}

type Reply<T extends RequestType> = RequestMap[T]['result'];

// eslint-disable-next-line max-lines-per-function -- split into session, subscription and outbox pieces is issue 14 work of h-defects; drop this line when it lands
export function createLinkServer(handler: DeviceHandler, conn: LinkConnection, options: LinkServerOptions = {}): LinkServer {
  const supported = options.supportedVersions ?? SUPPORTED_PROTOCOL_VERSIONS;
  const maxQueued = options.maxQueued ?? 64;

  if (owners.has(handler)) {
    conn.send(encodeError(null, 'device_in_use', 'another host is connected to this device'));
    conn.close(CLOSE_CODES.deviceInUse, 'device in use');
    return { accepted: false, session: null, close: () => {} };
  }
  const token = {};
  owners.set(handler, token);

  let session: (HostSession & { alive: boolean }) | null = null;
  const queue: Request[] = [];
  let serving = false;
  /** Per subscribed queue, the last sequence number sent. */
  const subs = new Map<string, number>();
  /** Edges made while a request is being served wait here, so a reply precedes what it caused. */
  let outbox: ProgressEdge[] = [];
  let liveKey: string | null = null;

  const helloTimer = setTimeout(() => {
    if (!session) conn.close(CLOSE_CODES.helloTimeout, 'no hello');
  }, options.helloTimeoutMs ?? 10_000);

  function sendEdge(edge: ProgressEdge): void {
    // The device's own edges; still, a malformed one must not break the link.
    try {
      const key = queueKey(edge.queue);
      const last = subs.get(key);
      if (last === undefined || !(edge.seq > last)) return;
      const text = encodeEvent({ event: 'edge', edge });
      subs.set(key, edge.seq);
      conn.send(text);
    } catch (err) {
      options.onInternalError?.(err, 'subscribe');
    }
  }

  function flushOutbox(): void {
    const held = outbox;
    outbox = [];
    for (const e of held) sendEdge(e);
  }

  function fail(id: number | null, err: unknown, type: RequestType): void {
    // Duck-typed so a LinkError from another copy of this module (or a { code, message } value)
    // still keeps its code.
    const e = err as { code?: unknown; message?: unknown } | null;
    if (typeof e === 'object' && e !== null && isErrorCode(e.code) && typeof e.message === 'string') {
      if (e.code === 'internal') options.onInternalError?.(err, type);
      conn.send(encodeError(id, e.code, e.message));
    } else {
      options.onInternalError?.(err, type);
      conn.send(encodeError(id, 'internal', `the device failed to serve ${type}`));
    }
  }

  function reply<T extends RequestType>(type: T, id: number, result: Reply<T>): void {
    conn.send(encodeReply(type, id, result));
  }

  function openSession(): HostSession & { alive: boolean } {
    const s = {
      id: nextSessionId++,
      alive: true,
      pushEdge(edge: ProgressEdge): void {
        if (!s.alive) return;
        if (serving) outbox.push(edge);
        else sendEdge(edge);
      },
      pushResync(q: QueueRef, reason: string): void {
        if (!s.alive || !subs.has(queueKey(q))) return;
        subs.delete(queueKey(q));
        try {
          conn.send(encodeEvent({ event: 'resync', queue: q, reason }));
        } catch (err) {
          options.onInternalError?.(err, 'subscribe');
        }
      },
    };
    return s;
  }

  async function serve(req: Request): Promise<void> {
    const { id } = req;
    if (req.type === 'hello') {
      const v = req.params.protocolVersion;
      if (!supported.includes(v)) {
        throw new LinkError('version_unsupported', `protocol version ${v} is not served; this device speaks ${supported.join(', ')}`);
      }
      const ident = handler.identity();
      if (!session) {
        session = openSession();
        clearTimeout(helloTimer);
        try {
          const r = handler.attach(session);
          if (r instanceof Promise) r.catch((err: unknown) => options.onInternalError?.(err, 'hello'));
        } catch (err) {
          options.onInternalError?.(err, 'hello');
        }
      }
      reply('hello', id, { ...ident, protocolVersion: v });
      return;
    }
    if (!session) throw new LinkError('hello_required', 'send hello first');
    switch (req.type) {
      case 'status':
        return reply('status', id, await handler.status());
      case 'listSlots':
        return reply('listSlots', id, { slots: await handler.listSlots() });
      case 'createSlot':
        return reply('createSlot', id, await handler.createSlot(req.params));
      case 'uploadSteps':
        return reply('uploadSteps', id, await handler.uploadSteps(req.params));
      case 'sealSlot':
        return reply('sealSlot', id, await handler.sealSlot(req.params));
      case 'getSlot':
        return reply('getSlot', id, await handler.getSlot(req.params.slot));
      case 'deleteSlot':
        return reply('deleteSlot', id, await handler.deleteSlot(req.params.slot));
      case 'verb':
        await handler.verb(req.params);
        return reply('verb', id, { accepted: true });
      case 'subscribe': {
        const ans = await handler.subscribe(req.params);
        const key = queueKey({ slot: req.params.slot });
        if (ans.status === 'resync') {
          subs.delete(key);
          return reply('subscribe', id, { status: 'resync', oldestSeq: ans.oldestSeq, lastSeq: ans.lastSeq });
        }
        reply('subscribe', id, { status: 'streaming', lastSeq: ans.lastSeq });
        subs.set(key, req.params.sinceSeq);
        for (const e of ans.replay) if (queueKey(e.queue) === key) sendEdge(e);
        return;
      }
      case 'unsubscribe':
        subs.delete(queueKey({ slot: req.params.slot }));
        return reply('unsubscribe', id, {});
      case 'openLive': {
        await handler.openLive(req.params, session);
        const queue = { live: req.params.sessionId };
        if (liveKey) subs.delete(liveKey);
        liveKey = queueKey(queue);
        subs.set(liveKey, 0);
        return reply('openLive', id, { queue });
      }
      case 'quickStep':
        return reply('quickStep', id, await handler.quickStep(req.params));
      case 'closeLive':
        await handler.closeLive();
        if (liveKey) subs.delete(liveKey);
        liveKey = null;
        return reply('closeLive', id, {});
    }
  }

  async function pump(): Promise<void> {
    if (serving) return;
    serving = true;
    while (queue.length > 0 && !conn.closed) {
      const req = queue.shift()!;
      try {
        await serve(req);
      } catch (err) {
        if (!conn.closed) fail(req.id, err, req.type);
      }
      if (!conn.closed) flushOutbox();
    }
    serving = false;
  }

  function onFrame(data: string | Uint8Array): void {
    const d = decodeRequest(data);
    if (!d.ok) {
      conn.send(encodeError(d.id, d.error.code, d.error.message));
      return;
    }
    if (queue.length >= maxQueued) {
      conn.send(encodeError(d.request.id, 'busy' satisfies ErrorCode, 'too many requests outstanding'));
      return;
    }
    queue.push(d.request);
    void pump();
  }

  function teardown(): void {
    clearTimeout(helloTimer);
    queue.length = 0;
    outbox = [];
    subs.clear();
    if (owners.get(handler) === token) owners.delete(handler);
    if (session) {
      session.alive = false;
      const s = session;
      try {
        handler.detach(s);
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
