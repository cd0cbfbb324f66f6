// What a device implements to be served over the link (packages/device implements it; the link
// server in link-server.ts calls it). Every params object has already passed the schema: types
// and structural bounds are guaranteed (slot 0..255, ≤ MAX_STEPS_PER_UPLOAD steps, seed exactly
// 16 bytes, sessionId a UUID); meaning is the device's to check (does the slot exist, is the
// profile expandable, is the state legal).
//
// To reject a request, throw `new LinkError(code, message)` with a wire code (errors.ts):
//   not_found, illegal_state, verb_illegal, unknown_step, slot_not_ready, not_supported, bad_request…
// Anything else thrown becomes `internal` with a generic message (the thrown value goes to the
// server's onInternalError, never to the host). Messages must not carry key material.

import type {
  DeviceIdentity,
  ProgressEdge,
  ProvisionerStatus,
  QueueRef,
  SlotDetail,
  SlotSummary,
} from './model.ts';
import type {
  CreateSlotParams,
  OpenLiveParams,
  QuickStepParams,
  QuickStepResult,
  SealSlotParams,
  SubscribeParams,
  UploadStepsParams,
  UploadStepsResult,
  VerbParams,
} from './messages.ts';

/** The attached host, as the device sees it. Valid from `attach` until `detach`. */
export interface HostSession {
  /** Distinguishes sessions in device logs; not a secret. */
  readonly id: number;
  /** Hands the link a progress edge. Call it for EVERY edge the device makes while the session is
   *  attached (any slot, and the live queue): the link forwards only those of queues the host
   *  subscribed to, in order, never twice, and never before the reply to the request that caused it. */
  pushEdge(edge: ProgressEdge): void;
  /** Tells the host it missed edges of a queue (it re-reads the slot and subscribes again). */
  pushResync(queue: QueueRef, reason: string): void;
}

/** What `subscribe` answers: the stored edges after sinceSeq, or that they are no longer kept. */
export type SubscribeAnswer =
  | { status: 'streaming'; replay: ProgressEdge[]; lastSeq: number }
  | { status: 'resync'; oldestSeq: number; lastSeq: number };

export interface DeviceHandler {
  /** Model, serial, firmware; `protocolVersion` is filled in by the link. */
  identity(): Omit<DeviceIdentity, 'protocolVersion'>;

  /** A host opened a session (after a successful hello). With offlineAutonomous, finish the
   *  attempt in flight and hand control to the verbs. The hello reply does not wait for a returned
   *  promise (an attempt may take longer than a host waits for hello); verbs accepted meanwhile
   *  queue behind the attempt on the bus. A rejection goes to onInternalError. */
  attach(session: HostSession): void | Promise<void>;
  /** The session ended (host closed, link dropped). Close its live session, if any; autonomous
   *  work may resume. `session` is no longer usable. */
  detach(session: HostSession): void;

  status(): Promise<ProvisionerStatus>;
  /** Every slot's summary, in index order. */
  listSlots(): Promise<SlotSummary[]>;
  /** Legal when the slot is empty → staging; stores the seed. */
  createSlot(p: CreateSlotParams): Promise<SlotSummary>;
  /** Legal when staging; appends steps (their `index` continues the slot's sequence). */
  uploadSteps(p: UploadStepsParams): Promise<UploadStepsResult>;
  /** Legal when staging and stepCount matches → ready. */
  sealSlot(p: SealSlotParams): Promise<SlotSummary>;
  /** Always legal; includes the seed (null when empty). */
  getSlot(slot: number): Promise<SlotDetail>;
  /** Any state → empty; cancels an attempt in flight. */
  deleteSlot(slot: number): Promise<SlotSummary>;
  /** Immediate accept (resolve) or reject (throw LinkError: verb_illegal, unknown_step,
   *  slot_not_ready, unknown_slot, no_live_session). `p` names a slot or the live queue
   *  ({ live: sessionId }). What happens on the bus follows as edges via pushEdge. */
  verb(p: VerbParams): Promise<void>;
  /** The stored edges of the slot after sinceSeq, in order, or `resync` if sinceSeq is older than
   *  the store keeps. The link sends the reply, then the replay, then live edges. */
  subscribe(p: SubscribeParams): Promise<SubscribeAnswer>;
  /** Live quick-step session (needs status().liveQuickStep). Edges go on { live: sessionId }. */
  openLive(p: OpenLiveParams, session: HostSession): Promise<void>;
  /** Queues one quick-step in the open live session. */
  quickStep(p: QuickStepParams): Promise<QuickStepResult>;
  closeLive(): Promise<void>;
}
