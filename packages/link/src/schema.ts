// valibot schemas of every message in wire form. Requests are strict (an unknown key is a
// bad_request, so nothing unexpected — a stray seed, "__proto__" — is ever accepted); replies and
// events drop unknown keys. Only createSlot, openLive and the getSlot reply have a `seed` entry:
// a test walks these schemas to keep it that way.

import * as v from 'valibot';
import { MAX_STEPS_PER_UPLOAD, REQUEST_TYPES, type RequestType } from './messages.ts';
import { ERROR_CODES, MAX_ERROR_MESSAGE } from './errors.ts';
import {
  deviceIdentity,
  int,
  pdAddress,
  baud,
  profile,
  progressEdge,
  provisionerStatus,
  queueRef,
  seedHex,
  seq,
  slotDetail,
  slotIndex,
  anyStepIndex,
  slotSummary,
  stepOptions,
  stepTarget,
  text,
  uuid,
} from './schema-model.ts';
import { MAX_STEPS_PER_SLOT } from '@osprio/provisioner/profile';

const empty = v.strictObject({});
const verbName = v.picklist(['try', 'retry', 'skip', 'reset'] as const);
const slotOnly = v.strictObject({ slot: slotIndex });

export const paramsSchemas = {
  hello: v.strictObject({ protocolVersion: int(0, 0xffff), host: v.optional(text(64)) }),
  status: empty,
  listSlots: empty,
  createSlot: v.strictObject({ slot: slotIndex, header: profile, sessionId: uuid, seed: seedHex }),
  uploadSteps: v.strictObject({
    slot: slotIndex,
    steps: v.pipe(v.array(stepTarget), v.minLength(1), v.maxLength(MAX_STEPS_PER_UPLOAD)),
  }),
  sealSlot: v.strictObject({ slot: slotIndex, stepCount: int(0, MAX_STEPS_PER_SLOT) }),
  getSlot: slotOnly,
  deleteSlot: slotOnly,
  // One object with a check rather than a union: a union's error would not say which field is wrong.
  verb: v.pipe(
    v.strictObject({
      slot: v.optional(slotIndex),
      live: v.optional(uuid),
      stepIndex: anyStepIndex,
      verb: verbName,
    }),
    v.check(
      (p) => (p.slot === undefined) !== (p.live === undefined),
      'name exactly one queue: slot or live',
    ),
    v.forward(
      v.check(
        (p) => p.slot === undefined || p.stepIndex < MAX_STEPS_PER_SLOT,
        `expected <=${MAX_STEPS_PER_SLOT - 1} in a slot`,
      ),
      ['stepIndex'],
    ),
  ),
  subscribe: v.strictObject({ slot: slotIndex, sinceSeq: seq }),
  unsubscribe: slotOnly,
  openLive: v.strictObject({ sessionId: uuid, seed: seedHex }),
  quickStep: v.strictObject({ address: pdAddress, baud, options: stepOptions }),
  closeLive: empty,
} satisfies Record<RequestType, v.GenericSchema>;

export const resultSchemas = {
  hello: deviceIdentity,
  status: provisionerStatus,
  listSlots: v.object({ slots: v.pipe(v.array(slotSummary), v.maxLength(256)) }),
  createSlot: slotSummary,
  uploadSteps: v.object({ uploaded: int(0, MAX_STEPS_PER_SLOT) }),
  sealSlot: slotSummary,
  getSlot: slotDetail,
  deleteSlot: slotSummary,
  verb: v.object({ accepted: v.literal(true) }),
  subscribe: v.variant('status', [
    v.object({ status: v.literal('streaming'), lastSeq: seq }),
    v.object({ status: v.literal('resync'), oldestSeq: seq, lastSeq: seq }),
  ]),
  unsubscribe: v.object({}),
  openLive: v.object({ queue: queueRef }),
  quickStep: v.object({ stepIndex: anyStepIndex }),
  closeLive: v.object({}),
} satisfies Record<RequestType, v.GenericSchema>;

export const requestId = int(0, Number.MAX_SAFE_INTEGER);

/** First look at an inbound request: enough to name it in an error reply. */
export const requestEnvelope = v.strictObject({
  id: requestId,
  type: v.pipe(v.string(), v.maxLength(32)),
  // valibot's object schemas accept an array (it is an object with no keys): params must be a plain object.
  params: v.optional(
    v.pipe(
      v.custom<object>(
        (p) => typeof p === 'object' && p !== null && !Array.isArray(p),
        'must be an object',
      ),
      v.looseObject({}),
    ),
  ),
});

export const requestTypeSchema = v.picklist(REQUEST_TYPES);

export const wireError = v.object({
  code: v.picklist(ERROR_CODES),
  message: text(MAX_ERROR_MESSAGE),
});

/** First look at a device → host message. */
export const deviceEnvelope = v.union([
  v.object({ id: requestId, type: requestTypeSchema, ok: v.literal(true), result: v.unknown() }),
  v.object({ id: v.nullable(requestId), ok: v.literal(false), error: wireError }),
  v.object({ event: v.literal('edge'), edge: progressEdge }),
  v.object({ event: v.literal('resync'), queue: queueRef, reason: text(MAX_ERROR_MESSAGE) }),
]);
