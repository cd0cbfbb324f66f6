// The message set of ../shared/design/device-protocol.md, in domain form (seed as bytes).
// Wire form: see schema.ts; conversion and JSON: codec.ts.

import type { Profile, StepOptions } from '@osprio/provisioner';
import type {
  DeviceIdentity,
  ProgressEdge,
  ProvisionerStatus,
  QueueRef,
  SlotDetail,
  SlotSummary,
  StepTarget,
  Verb,
} from './model.ts';
import type { WireError } from './errors.ts';

/** The protocol version this package speaks. */
export const PROTOCOL_VERSION = 1;
/** Versions a device built from this package can serve. */
export const SUPPORTED_PROTOCOL_VERSIONS: readonly number[] = [1];

/** Hard limit on one frame (a JSON text, in UTF-8 bytes), checked before parsing. The largest
 *  legal message, a full getSlot reply (126 steps, longest details), fits: see codec tests. */
export const MAX_FRAME_BYTES = 128 * 1024;
/** Deepest legal nesting of arrays/objects; checked before parsing. */
export const MAX_DEPTH = 16;
/** Most steps in one uploadSteps chunk. */
export const MAX_STEPS_PER_UPLOAD = 32;
/** Longest step/edge detail note, in UTF-16 code units. */
export const MAX_DETAIL_LENGTH = 200;

export interface HelloParams {
  protocolVersion: number;
  /** Free-form host description, e.g. "osprio-workspace/0.1" (for device logs). */
  host?: string;
}

export interface SlotParams {
  slot: number;
}

export interface CreateSlotParams {
  slot: number;
  header: Profile;
  sessionId: string;
  /** 16 bytes. One of the three places a seed crosses the link. */
  seed: Uint8Array;
}

export interface UploadStepsParams {
  slot: number;
  /** 1..MAX_STEPS_PER_UPLOAD steps, appended in order. */
  steps: StepTarget[];
}

export interface UploadStepsResult {
  /** How many steps the slot holds after this chunk. */
  uploaded: number;
}

export interface SealSlotParams {
  slot: number;
  stepCount: number;
}

/** A verb on a step of a slot, or of the open live queue (a quick-step row has the same verbs). */
export type VerbParams = { stepIndex: number; verb: Verb } & ({ slot: number } | { live: string });

/** A verb's immediate answer. A rejection is an error reply (verb_illegal, unknown_step, slot_not_ready…). */
export interface VerbResult {
  accepted: true;
}

export interface SubscribeParams {
  slot: number;
  /** Last sequence number the host applied for this slot; 0 = from the beginning. */
  sinceSeq: number;
}

/** `streaming`: stored edges after sinceSeq follow as `edges` events (batches), then live ones.
 *  `resync`: sinceSeq is older than the device keeps; nothing streams — re-read with getSlot and
 *  subscribe again from its lastSeq. */
export type SubscribeResult =
  | { status: 'streaming'; lastSeq: number }
  | { status: 'resync'; oldestSeq: number; lastSeq: number };

export interface OpenLiveParams {
  /** UUID; also names the live queue in edges ({ live: sessionId }). */
  sessionId: string;
  /** 16 bytes, fresh per live session (there is no slot to hold it). */
  seed: Uint8Array;
}

export interface OpenLiveResult {
  queue: QueueRef;
}

export interface QuickStepParams {
  address: number;
  baud: number;
  options: StepOptions;
}

export interface QuickStepResult {
  /** Index of this quick-step in the live queue; its edges carry it. */
  stepIndex: number;
}

export type Empty = Record<string, never>;

/** Every request: its params and its success result. */
export interface RequestMap {
  hello: { params: HelloParams; result: DeviceIdentity };
  status: { params: Empty; result: ProvisionerStatus };
  listSlots: { params: Empty; result: { slots: SlotSummary[] } };
  createSlot: { params: CreateSlotParams; result: SlotSummary };
  uploadSteps: { params: UploadStepsParams; result: UploadStepsResult };
  sealSlot: { params: SealSlotParams; result: SlotSummary };
  getSlot: { params: SlotParams; result: SlotDetail };
  deleteSlot: { params: SlotParams; result: SlotSummary };
  verb: { params: VerbParams; result: VerbResult };
  subscribe: { params: SubscribeParams; result: SubscribeResult };
  unsubscribe: { params: SlotParams; result: Empty };
  openLive: { params: OpenLiveParams; result: OpenLiveResult };
  quickStep: { params: QuickStepParams; result: QuickStepResult };
  closeLive: { params: Empty; result: Empty };
}
export type RequestType = keyof RequestMap;
export type ParamsOf<T extends RequestType> = RequestMap[T]['params'];
export type ResultOf<T extends RequestType> = RequestMap[T]['result'];

export const REQUEST_TYPES = [
  'hello',
  'status',
  'listSlots',
  'createSlot',
  'uploadSteps',
  'sealSlot',
  'getSlot',
  'deleteSlot',
  'verb',
  'subscribe',
  'unsubscribe',
  'openLive',
  'quickStep',
  'closeLive',
] as const satisfies readonly RequestType[];

export type Request = {
  [T in RequestType]: { id: number; type: T; params: ParamsOf<T> };
}[RequestType];

export type Reply =
  | { id: number; type: RequestType; ok: true; result: unknown }
  | { id: number | null; ok: false; error: WireError };

/** Device → host, unasked. `eventEdges` lists the edges of any of them. */
export type LinkEvent =
  | { event: 'edge'; edge: ProgressEdge }
  /** Several edges of one queue in seq order, as one frame (the replay after `subscribe`): the
   *  same as that many `edge` events. Every edge carries the batch's queue. */
  | { event: 'edges'; queue: QueueRef; edges: ProgressEdge[] }
  /** The device could not deliver every edge of this queue (e.g. its store dropped some); re-read
   *  with getSlot and subscribe again from its lastSeq. */
  | { event: 'resync'; queue: QueueRef; reason: string };

/** The edges an event carries, in order (none for a resync). */
export function eventEdges(ev: LinkEvent): readonly ProgressEdge[] {
  return ev.event === 'edge' ? [ev.edge] : ev.event === 'edges' ? ev.edges : [];
}
