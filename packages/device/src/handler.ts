// The Device as the link server sees it (packages/link DeviceHandler): results become replies,
// rejections become LinkErrors with the link's wire codes, and every edge goes to the attached host.

import { LinkError } from '@osprio/link';
import type {
  CreateSlotParams,
  DeviceHandler,
  DeviceIdentity,
  ErrorCode,
  HostSession,
  OpenLiveParams,
  ProvisionerStatus,
  QuickStepParams,
  QuickStepResult,
  SealSlotParams,
  SlotDetail,
  SlotSummary,
  SubscribeAnswer,
  SubscribeParams,
  UploadStepsParams,
  UploadStepsResult,
  VerbParams,
} from '@osprio/link';
import type { Device } from './device.ts';
import type { RejectCode, Result } from './verbs.ts';

const WIRE_CODE: Readonly<Record<RejectCode, ErrorCode>> = {
  not_supported: 'not_supported',
  bad_request: 'bad_request',
  invalid_params: 'invalid_params',
  unknown_slot: 'not_found',
  no_live_session: 'not_found',
  slot_not_empty: 'illegal_state',
  slot_not_staging: 'illegal_state',
  queue_full: 'illegal_state',
  slot_not_ready: 'slot_not_ready',
  unknown_step: 'unknown_step',
  illegal_state: 'verb_illegal',
};

export function wireCode(code: RejectCode): ErrorCode {
  return WIRE_CODE[code];
}

function must<T>(r: Result<T>): T {
  if (!r.ok) throw new LinkError(WIRE_CODE[r.code], r.reason);
  return r;
}

export class DeviceLinkHandler implements DeviceHandler {
  private session: HostSession | null = null;
  private unsubscribe: (() => void) | null = null;

  constructor(readonly device: Device) {}

  identity(): Omit<DeviceIdentity, 'protocolVersion'> {
    const { protocolVersion: _v, ...rest } = this.device.identity;
    return rest;
  }

  attach(session: HostSession): void {
    this.unsubscribe?.();
    this.session = session;
    this.unsubscribe = this.device.onEvent((ev) => {
      if (ev.type === 'edge') session.pushEdge(ev.edge);
    });
    void this.device.attachHost();
  }

  detach(session: HostSession): void {
    if (this.session !== session) return;
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.session = null;
    this.device.detachHost();
  }

  async status(): Promise<ProvisionerStatus> {
    return { ...this.device.status };
  }

  async listSlots(): Promise<SlotSummary[]> {
    return must(this.device.listSlots()).slots;
  }

  async createSlot(p: CreateSlotParams): Promise<SlotSummary> {
    must(this.device.createSlot(p.slot, p.header, p.sessionId, p.seed));
    return this.summary(p.slot);
  }

  async uploadSteps(p: UploadStepsParams): Promise<UploadStepsResult> {
    return { uploaded: must(this.device.uploadSteps(p.slot, p.steps)).uploaded };
  }

  async sealSlot(p: SealSlotParams): Promise<SlotSummary> {
    must(this.device.sealSlot(p.slot, p.stepCount));
    return this.summary(p.slot);
  }

  async getSlot(slot: number): Promise<SlotDetail> {
    return must(this.device.getSlot(slot)).slot;
  }

  async deleteSlot(slot: number): Promise<SlotSummary> {
    must(this.device.deleteSlot(slot));
    return this.summary(slot);
  }

  async verb(p: VerbParams): Promise<void> {
    must(this.device.verb('slot' in p ? { slot: p.slot } : { live: p.live }, p.stepIndex, p.verb));
  }

  async subscribe(p: SubscribeParams): Promise<SubscribeAnswer> {
    const r = must(this.device.since({ slot: p.slot }, p.sinceSeq));
    if (r.resync) return { status: 'resync', oldestSeq: r.oldestSeq, lastSeq: r.lastSeq };
    return {
      status: 'streaming',
      replay: r.edges,
      lastSeq: must(this.device.getSlot(p.slot)).slot.lastSeq,
    };
  }

  async openLive(p: OpenLiveParams, _session: HostSession): Promise<void> {
    must(this.device.openLive(p.sessionId, p.seed));
  }

  async quickStep(p: QuickStepParams): Promise<QuickStepResult> {
    return { stepIndex: must(this.device.quickStep(p.address, p.baud, p.options)).stepIndex };
  }

  async closeLive(): Promise<void> {
    this.device.closeLive();
  }

  private summary(slot: number): SlotSummary {
    return must(this.device.listSlots()).slots[slot]!;
  }
}
