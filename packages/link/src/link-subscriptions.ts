// Which queues the host follows on this link, and the last sequence number sent for each: an edge
// goes out only for a followed queue, in seq order, never twice.

import { queueKey, type ProgressEdge, type QueueRef } from './model.ts';

export class Subscriptions {
  /** Per followed queue, the last sequence number sent (or the host's sinceSeq). */
  private readonly last = new Map<string, number>();
  private liveKey: string | null = null;

  /** Follows `queue` from just after `sinceSeq`. */
  follow(queue: QueueRef, sinceSeq: number): void {
    this.last.set(queueKey(queue), sinceSeq);
  }

  /** Stops following `queue`; false if it was not followed. */
  drop(queue: QueueRef): boolean {
    return this.last.delete(queueKey(queue));
  }

  /** The live queue is followed from its start; a new live session replaces the previous one. */
  followLive(queue: QueueRef): void {
    this.dropLive();
    this.liveKey = queueKey(queue);
    this.last.set(this.liveKey, 0);
  }

  dropLive(): void {
    if (this.liveKey) this.last.delete(this.liveKey);
    this.liveKey = null;
  }

  /** Whether `edge` is new for a followed queue (past the last one sent). */
  wants(edge: ProgressEdge): boolean {
    const last = this.last.get(queueKey(edge.queue));
    return last !== undefined && edge.seq > last;
  }

  /** Of `edges` (all of `queue`), those past the last one sent, each above the one before: what a
   *  replay may send without repeating or reordering anything. */
  unsent(queue: QueueRef, edges: readonly ProgressEdge[]): ProgressEdge[] {
    let last = this.last.get(queueKey(queue));
    if (last === undefined) return [];
    const out: ProgressEdge[] = [];
    for (const e of edges) {
      if (e.seq > last) {
        out.push(e);
        last = e.seq;
      }
    }
    return out;
  }

  /** `edge` went out: nothing at or before its seq is sent again. */
  sent(edge: ProgressEdge): void {
    this.last.set(queueKey(edge.queue), edge.seq);
  }

  clear(): void {
    this.last.clear();
    this.liveKey = null;
  }
}
