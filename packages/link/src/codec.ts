// The one encoding of the link: a JSON text per frame, seeds as lowercase hex. Decoders never
// throw: whatever arrives becomes a typed message or a stable error code with a one-line reason
// that names a path and an expectation but never echoes the peer's values.

import * as v from 'valibot';
import { fromHex, toHex } from '@osprio/osdp/bytes';
import { LinkError, MAX_ERROR_MESSAGE, type ErrorCode, type WireError } from './errors.ts';
import { guardJson } from './json-guard.ts';
import type { LinkEvent, ParamsOf, Request, RequestType, ResultOf } from './messages.ts';
import {
  deviceEnvelope,
  paramsSchemas,
  requestEnvelope,
  requestTypeSchema,
  resultSchemas,
} from './schema.ts';
import { progressEdge, queueRef, text } from './schema-model.ts';
import { checkEdge, checkEdgesEvent, encodeEdgeBatches } from './edge-batch.ts';

/** The three messages that carry a seed, and where. */
const SEED_IN_PARAMS: ReadonlySet<RequestType> = new Set(['createSlot', 'openLive']);
const SEED_IN_RESULT: ReadonlySet<RequestType> = new Set(['getSlot']);

function clip(s: string): string {
  return s.length > MAX_ERROR_MESSAGE ? s.slice(0, MAX_ERROR_MESSAGE - 1) + '…' : s;
}

/** A one-line reason for the first issue: path and expectation, never the received value. */
export function describeIssues(issues: readonly v.BaseIssue<unknown>[], prefix: string): string {
  const issue = issues[0];
  if (!issue) return `${prefix}: invalid`;
  const path = [
    prefix,
    ...(issue.path ?? []).map((p) =>
      String(p.key)
        .replace(/[^\w$-]/g, '?')
        .slice(0, 32),
    ),
  ].join('.');
  let what: string;
  if (issue.type === 'strict_object' && issue.expected === 'never') what = 'unknown key';
  else if (
    issue.type === 'check' ||
    issue.type === 'custom' ||
    issue.type === 'regex' ||
    issue.type === 'uuid'
  )
    what = issue.message;
  else what = `expected ${issue.expected ?? issue.type}`;
  return clip(`${path}: ${what}`);
}

function withSeedHex<T extends { seed?: unknown }>(o: T): T {
  return o.seed instanceof Uint8Array ? { ...o, seed: toHex(o.seed) } : o;
}

function withSeedBytes<T extends { seed?: unknown }>(o: T): T {
  return typeof o.seed === 'string' ? { ...o, seed: fromHex(o.seed) } : o;
}

// ---- device side -------------------------------------------------------------------------

export type DecodedRequest =
  { ok: true; request: Request } | { ok: false; id: number | null; error: WireError };

function reject(id: number | null, code: ErrorCode, message: string): DecodedRequest {
  return { ok: false, id, error: { code, message: clip(message) } };
}

/** Decodes one inbound frame on the device. */
export function decodeRequest(data: string | Uint8Array): DecodedRequest {
  const g = guardJson(data);
  const raw = g.value;
  // Recover the id first, so even a bad request gets a reply its sender can match.
  const id =
    typeof raw === 'object' &&
    raw !== null &&
    !Array.isArray(raw) &&
    v.is(requestEnvelope.entries.id, (raw as { id?: unknown }).id)
      ? (raw as { id: number }).id
      : null;
  if (!g.ok) return reject(id, g.code, g.message);
  const env = v.safeParse(requestEnvelope, raw);
  if (!env.success) return reject(id, 'bad_request', describeIssues(env.issues, 'request'));
  const type = env.output.type;
  if (!v.is(requestTypeSchema, type)) return reject(id, 'unknown_type', 'unknown request type');
  const params = v.safeParse(paramsSchemas[type], env.output.params ?? {});
  if (!params.success) return reject(id, 'bad_request', describeIssues(params.issues, 'params'));
  const p = SEED_IN_PARAMS.has(type)
    ? withSeedBytes(params.output as { seed: string })
    : params.output;
  return { ok: true, request: { id: env.output.id, type, params: p } as Request };
}

/** Encodes a success reply; throws LinkError('internal') if the device's own result is not
 *  what the protocol allows (unknown keys are dropped, so nothing unlisted leaks). */
export function encodeReply<T extends RequestType>(
  type: T,
  id: number,
  result: ResultOf<T>,
): string {
  const wire = SEED_IN_RESULT.has(type) ? withSeedHex(result as { seed?: unknown }) : result;
  const r = v.safeParse(resultSchemas[type], wire);
  if (!r.success)
    throw new LinkError('internal', `invalid ${type} reply: ${describeIssues(r.issues, 'result')}`);
  return JSON.stringify({ id, type, ok: true, result: r.output });
}

export function encodeError(id: number | null, code: ErrorCode, message: string): string {
  const m = clip(String(message)).replace(/[\uD800-\uDFFF]/g, '?');
  return JSON.stringify({ id, ok: false, error: { code, message: m } });
}

const eventSchema = v.variant('event', [
  v.object({ event: v.literal('edge'), edge: progressEdge }),
  v.object({ event: v.literal('resync'), queue: queueRef, reason: text(MAX_ERROR_MESSAGE) }),
]);

export function encodeEvent(ev: LinkEvent): string {
  if (ev.event === 'edges') {
    // One frame or an error: a caller that wants chunks uses encodeEdgeBatches.
    const problems: string[] = [];
    const batches = encodeEdgeBatches(ev.queue, ev.edges, (m) => problems.push(m));
    if (problems.length > 0 || batches.length !== 1) {
      throw new LinkError(
        'internal',
        `invalid edges event: ${problems[0] ?? `${batches.length} frames`}`,
      );
    }
    return batches[0]!.text;
  }
  const r = v.safeParse(eventSchema, ev);
  if (!r.success)
    throw new LinkError(
      'internal',
      `invalid ${ev.event} event: ${describeIssues(r.issues, 'event')}`,
    );
  return JSON.stringify(r.output);
}

// ---- host side ---------------------------------------------------------------------------

/** Encodes a request on the host; throws LinkError('bad_request') if the params are not legal. */
export function encodeRequest<T extends RequestType>(
  id: number,
  type: T,
  params: ParamsOf<T>,
): string {
  const wire = SEED_IN_PARAMS.has(type) ? withSeedHex(params as { seed?: unknown }) : params;
  const r = v.safeParse(paramsSchemas[type], wire);
  if (!r.success) throw new LinkError('bad_request', describeIssues(r.issues, 'params'));
  return JSON.stringify({ id, type, params: r.output });
}

export type DeviceMessage =
  | { kind: 'reply'; id: number; type: RequestType; result: unknown }
  | { kind: 'error'; id: number | null; error: WireError }
  | { kind: 'event'; event: LinkEvent }
  | { kind: 'invalid'; id: number | null; message: string };

/** Decodes one frame from the device. `pendingType` says which request an id belongs to, so the
 *  result is checked against that request's result schema. */
export function decodeDeviceMessage(
  data: string | Uint8Array,
  pendingType: (id: number) => RequestType | undefined,
): DeviceMessage {
  const g = guardJson(data);
  const raw = g.value as { id?: unknown } | null;
  const id =
    typeof raw === 'object' &&
    raw !== null &&
    typeof raw.id === 'number' &&
    Number.isSafeInteger(raw.id)
      ? raw.id
      : null;
  if (!g.ok) return { kind: 'invalid', id, message: g.message };
  // Edges are most of the traffic (thousands after a reconnect): checked by hand, same rules.
  const ev =
    typeof raw === 'object' && raw !== null && !Array.isArray(raw)
      ? (raw as { event?: unknown }).event
      : undefined;
  if (ev === 'edges') {
    const c = checkEdgesEvent(raw as Record<string, unknown>);
    return c.ok
      ? { kind: 'event', event: c.event }
      : { kind: 'invalid', id, message: clip(c.message) };
  }
  if (ev === 'edge') {
    const c = checkEdge((raw as { edge?: unknown }).edge, 'message.edge');
    return c.ok
      ? { kind: 'event', event: { event: 'edge', edge: c.edge } }
      : { kind: 'invalid', id, message: clip(c.message) };
  }
  const env = v.safeParse(deviceEnvelope, raw);
  if (!env.success) return { kind: 'invalid', id, message: describeIssues(env.issues, 'message') };
  const m = env.output;
  if ('event' in m) return { kind: 'event', event: m as LinkEvent };
  if (m.ok === false) return { kind: 'error', id: m.id, error: m.error };
  const type = pendingType(m.id);
  if (type === undefined)
    return { kind: 'invalid', id: m.id, message: 'reply to no pending request' };
  if (type !== m.type)
    return { kind: 'invalid', id: m.id, message: `reply type ${m.type} to a ${type} request` };
  const r = v.safeParse(resultSchemas[type], m.result);
  if (!r.success) return { kind: 'invalid', id: m.id, message: describeIssues(r.issues, 'result') };
  const result = SEED_IN_RESULT.has(type)
    ? withSeedBytes(r.output as { seed?: unknown })
    : r.output;
  return { kind: 'reply', id: m.id, type, result };
}
