// One request of an open session → the DeviceHandler → its reply, and what it changes in the host's
// subscriptions. A rejection is a thrown LinkError (the link server turns it into an error reply).

import type { DeviceHandler, HostSession } from './device-handler.ts';
import type { Request, RequestType, ResultOf } from './messages.ts';
import { queueKey, type ProgressEdge, type QueueRef } from './model.ts';
import type { Subscriptions } from './link-subscriptions.ts';

export interface DispatchContext {
  handler: DeviceHandler;
  session: HostSession;
  subs: Subscriptions;
  reply<T extends RequestType>(type: T, id: number, result: ResultOf<T>): void;
  /** Sends the edges of `queue` the host still wants, batched (`edges` events). */
  sendEdges(queue: QueueRef, edges: readonly ProgressEdge[]): void;
}

/** Serves every request but hello (the link server opens the session with that). */
export async function dispatch(
  req: Exclude<Request, { type: 'hello' }>,
  ctx: DispatchContext,
): Promise<void> {
  const { handler, subs, reply } = ctx;
  const { id } = req;
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
      const q = { slot: req.params.slot };
      if (ans.status === 'resync') {
        subs.drop(q);
        return reply('subscribe', id, {
          status: 'resync',
          oldestSeq: ans.oldestSeq,
          lastSeq: ans.lastSeq,
        });
      }
      // The reply first, then the replay (batched), then live edges (the outbox holds those until we return).
      reply('subscribe', id, { status: 'streaming', lastSeq: ans.lastSeq });
      subs.follow(q, req.params.sinceSeq);
      const key = queueKey(q);
      ctx.sendEdges(
        q,
        ans.replay.filter((e) => queueKey(e.queue) === key),
      );
      return;
    }
    case 'unsubscribe':
      subs.drop({ slot: req.params.slot });
      return reply('unsubscribe', id, {});
    case 'openLive': {
      await handler.openLive(req.params, ctx.session);
      const live = { live: req.params.sessionId };
      subs.followLive(live);
      return reply('openLive', id, { queue: live });
    }
    case 'quickStep':
      return reply('quickStep', id, await handler.quickStep(req.params));
    case 'closeLive':
      await handler.closeLive();
      subs.dropLive();
      return reply('closeLive', id, {});
  }
}
