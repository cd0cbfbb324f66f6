// The replay after `subscribe` as few frames as fit: {"event":"edges","queue":…,"edges":[…]}, each
// edge without its queue (the batch names it). Thousands of edges cross a reconnect, so the edge
// shape is checked by hand here — the same rules as `progressEdge` in schema-model.ts (a fuzz test
// holds the two equal) at a fraction of valibot's per-object cost.

import * as v from 'valibot';
import { STAGES, STAGE_STATUSES, STEP_STATES, isOutcome } from '@osprio/provisioner/stages';
import { MAX_ERROR_MESSAGE } from './errors.ts';
import { utf8Length } from './json-guard.ts';
import { MAX_DETAIL_LENGTH, MAX_FRAME_BYTES } from './messages.ts';
import type { LinkEvent } from './messages.ts';
import type { ProgressEdge, QueueRef } from './model.ts';
import { queueRef } from './schema-model.ts';

/** Most edges in one `edges` event (the frame size usually binds first: ~650 typical edges). */
export const MAX_EDGES_PER_BATCH = 2048;

const STATES: ReadonlySet<unknown> = new Set(STEP_STATES);
const STAGE_SET: ReadonlySet<unknown> = new Set([...STAGES, 'queued']);
const STATUS_SET: ReadonlySet<unknown> = new Set(STAGE_STATUSES);
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function isInt(x: unknown, min: number, max: number): x is number {
  return typeof x === 'number' && Number.isInteger(x) && x >= min && x <= max;
}

function badDetail(s: unknown): string | null {
  if (typeof s !== 'string') return 'expected string';
  if (s.length > MAX_DETAIL_LENGTH) return `expected <=${MAX_DETAIL_LENGTH} characters`;
  if (LONE_SURROGATE.test(s)) return 'not valid Unicode';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return 'no control characters';
  }
  return null;
}

/** The first field of `raw` that is not a legal edge (queue aside), as "field: expectation", or null. */
function edgeIssue(raw: unknown): string | null {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return 'expected Object';
  const e = raw as Record<string, unknown>;
  if (!isInt(e.seq, 0, Number.MAX_SAFE_INTEGER)) return 'seq: expected an integer >=0';
  if (!isInt(e.stepIndex, 0, 0x7fff_ffff)) return 'stepIndex: expected an integer 0..2147483647';
  if (!STATES.has(e.state)) return 'state: expected a step state';
  if (!isInt(e.attempts, 0, 0xffff_ffff)) return 'attempts: expected an integer 0..4294967295';
  if (
    e.outcome !== null &&
    !(typeof e.outcome === 'string' && e.outcome.length <= 43 && isOutcome(e.outcome))
  )
    return 'outcome: expected an outcome or null';
  const d = badDetail(e.detail);
  if (d) return `detail: ${d}`;
  if (e.stage !== null && !STAGE_SET.has(e.stage)) return 'stage: expected a stage or null';
  if (e.stageStatus !== null && !STATUS_SET.has(e.stageStatus))
    return 'stageStatus: expected a stage status or null';
  if (!isInt(e.at, 0, Number.MAX_SAFE_INTEGER)) return 'at: expected an integer >=0';
  return null;
}

/** A fresh edge of `queue` with exactly the protocol's fields (unknown keys dropped, like v.object). */
function edgeOf(queue: QueueRef, e: Record<string, unknown>): ProgressEdge {
  return {
    queue,
    seq: e.seq,
    stepIndex: e.stepIndex,
    state: e.state,
    attempts: e.attempts,
    outcome: e.outcome,
    detail: e.detail,
    stage: e.stage,
    stageStatus: e.stageStatus,
    at: e.at,
  } as ProgressEdge;
}

export type CheckedEdge = { ok: true; edge: ProgressEdge } | { ok: false; message: string };

/** Checks one edge (its queue included) as `progressEdge` would, without valibot's per-object cost. */
export function checkEdge(raw: unknown, path = 'edge'): CheckedEdge {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    return { ok: false, message: `${path}: expected Object` };
  const q = v.safeParse(queueRef, (raw as { queue?: unknown }).queue);
  if (!q.success) return { ok: false, message: `${path}.queue: expected { slot } or { live }` };
  const issue = edgeIssue(raw);
  if (issue) return { ok: false, message: `${path}.${issue}` };
  return { ok: true, edge: edgeOf(q.output, raw as Record<string, unknown>) };
}

export type CheckedEvent = { ok: true; event: LinkEvent } | { ok: false; message: string };

/** An `edges` event from the wire: its queue, 1..MAX_EDGES_PER_BATCH legal edges in growing seq
 *  order. Any flaw refuses the whole batch (with the first flaw's place), never part of it. */
export function checkEdgesEvent(raw: Record<string, unknown>): CheckedEvent {
  const q = v.safeParse(queueRef, raw.queue);
  if (!q.success) return { ok: false, message: 'message.queue: expected { slot } or { live }' };
  const list = raw.edges;
  if (!Array.isArray(list)) return { ok: false, message: 'message.edges: expected Array' };
  if (list.length === 0 || list.length > MAX_EDGES_PER_BATCH)
    return { ok: false, message: `message.edges: expected 1..${MAX_EDGES_PER_BATCH} edges` };
  const queue = q.output;
  const edges: ProgressEdge[] = new Array(list.length);
  let last = -1;
  for (let i = 0; i < list.length; i++) {
    const issue = edgeIssue(list[i]);
    if (issue) return { ok: false, message: `message.edges.${i}.${issue}` };
    const e = edgeOf(queue, list[i] as Record<string, unknown>);
    if (e.seq <= last)
      return { ok: false, message: `message.edges.${i}.seq: expected above the previous edge's` };
    last = e.seq;
    edges[i] = e;
  }
  return { ok: true, event: { event: 'edges', queue, edges } };
}

function wireEdge(e: ProgressEdge): string {
  // Field order fixed; the queue is the batch's.
  return JSON.stringify({
    seq: e.seq,
    stepIndex: e.stepIndex,
    state: e.state,
    attempts: e.attempts,
    outcome: e.outcome,
    detail: e.detail,
    stage: e.stage,
    stageStatus: e.stageStatus,
    at: e.at,
  });
}

export interface EncodedBatch {
  text: string;
  /** The last edge the frame carries (the link marks it sent once the frame is out). */
  last: ProgressEdge;
}

/** Encodes `edges` (all of `queue`, in seq order) as `edges` events of at most `maxBytes` each.
 *  An edge the protocol does not allow goes to `onInvalid` and is left out (the device's own data:
 *  a single bad record must not stop the replay). */
export function encodeEdgeBatches(
  queue: QueueRef,
  edges: readonly ProgressEdge[],
  onInvalid: (message: string) => void,
  maxBytes = MAX_FRAME_BYTES,
): EncodedBatch[] {
  const q = v.safeParse(queueRef, queue);
  if (!q.success) {
    if (edges.length > 0) onInvalid('edges: invalid queue');
    return [];
  }
  const head = `{"event":"edges","queue":${JSON.stringify(q.output)},"edges":[`;
  const tail = ']}';
  const fixed = utf8Length(head) + tail.length;
  const out: EncodedBatch[] = [];
  let parts: string[] = [];
  let bytes = fixed;
  let last: ProgressEdge | null = null;
  const flush = () => {
    if (parts.length > 0 && last) out.push({ text: head + parts.join(',') + tail, last });
    parts = [];
    bytes = fixed;
  };
  for (const e of edges) {
    const issue = edgeIssue(e);
    if (issue) {
      onInvalid(`edge ${String(e?.seq)}: ${issue}`.slice(0, MAX_ERROR_MESSAGE));
      continue;
    }
    const w = wireEdge(e);
    const n = utf8Length(w) + 1; // and its comma
    if (parts.length > 0 && (bytes + n > maxBytes || parts.length >= MAX_EDGES_PER_BATCH)) flush();
    parts.push(w);
    bytes += n;
    last = e;
  }
  flush();
  return out;
}
