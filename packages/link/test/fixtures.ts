// Sample records and a small in-memory DeviceHandler for the link tests (the real device core
// lives in packages/device; this one only has to exercise the link).

import type { Profile } from '@osprio/provisioner';
import {
  LinkError,
  type DeviceHandler,
  type HostSession,
  type ProgressEdge,
  type SlotDetail,
  type SlotSummary,
  type StepRecord,
  type SubscribeAnswer,
  type VerbParams,
} from '../src/index.ts';

export const SEED = Uint8Array.from({ length: 16 }, (_, i) => 0xa0 + i);
export const SEED_HEX = 'a0a1a2a3a4a5a6a7a8a9aaabacadaeaf';
export const SESSION_ID = '3f2b8c1e-9a4d-4c6b-8e2f-1a2b3c4d5e6f';
export const LIVE_ID = '7d1e2f3a-4b5c-4d6e-9f70-8192a3b4c5d6';

export const PROFILE: Profile = {
  name: 'Lobby readers',
  deviceCount: 3,
  addressStrategy: 'sequential',
  startAddress: 1,
  manualAddresses: [],
  baud: 115200,
  expectedCapabilities: [{ functionCode: 9, minCompliance: 1, minCount: 1 }],
  timeoutMs: 0,
  autoVerify: true,
};

export function step(index: number, over: Partial<StepRecord> = {}): StepRecord {
  return {
    index,
    address: index + 1,
    baud: 115200,
    state: 'pending',
    attempts: 0,
    outcome: null,
    detail: '',
    stage: null,
    stageStatus: null,
    ...over,
  };
}

export function summary(index: number, over: Partial<SlotSummary> = {}): SlotSummary {
  return {
    index,
    state: 'empty',
    profileName: null,
    sessionId: null,
    counters: { total: 0, provisioned: 0, failed: 0, skipped: 0, pending: 0 },
    lastSeq: 0,
    ...over,
  };
}

export function edge(slot: number, seq: number, over: Partial<ProgressEdge> = {}): ProgressEdge {
  return {
    queue: { slot },
    seq,
    stepIndex: 0,
    state: 'attempting',
    attempts: 1,
    outcome: null,
    detail: '',
    stage: 'discover',
    stageStatus: 'in_flight',
    at: 1_700_000_000_000 + seq,
    ...over,
  };
}

interface Slot {
  detail: SlotDetail;
  edges: ProgressEdge[];
}

/** Slots in memory, edges kept per slot (the oldest `keep` only), a verb makes one edge. */
export class FakeDevice implements DeviceHandler {
  session: HostSession | null = null;
  attaches = 0;
  detaches = 0;
  calls: string[] = [];
  slots: Slot[];
  liveSeq = 0;
  liveStep = 0;
  liveId: string | null = null;
  /** Oldest seq still stored per slot (edges before it were dropped). */
  oldestKept = new Map<number, number>();
  failNext: unknown = null;

  constructor(slotCount = 4) {
    this.slots = Array.from({ length: slotCount }, (_, i) => ({
      detail: { ...summary(i), header: null, seed: null, steps: [] },
      edges: [],
    }));
  }

  private slot(i: number): Slot {
    const s = this.slots[i];
    if (!s) throw new LinkError('not_found', `no slot ${i}`);
    return s;
  }

  private trip(name: string): void {
    this.calls.push(name);
    if (this.failNext) {
      const e = this.failNext;
      this.failNext = null;
      throw e;
    }
  }

  identity() {
    return { model: 'osprio-pro' as const, serialNumber: 'OP-0001', firmwareVersion: '1.2.3' };
  }
  attach(s: HostSession) {
    this.session = s;
    this.attaches++;
  }
  detach() {
    this.session = null;
    this.liveId = null;
    this.detaches++;
  }
  async status() {
    this.trip('status');
    return {
      liveQuickStep: true,
      slots: true,
      offlineAutonomous: true,
      slotCount: this.slots.length,
      maxStepsPerSlot: 126,
    };
  }
  async listSlots() {
    this.trip('listSlots');
    // Returns full details on purpose: the link must strip them to summaries (no seed).
    return this.slots.map((s) => s.detail);
  }
  async createSlot(p: { slot: number; header: Profile; sessionId: string; seed: Uint8Array }) {
    this.trip('createSlot');
    const s = this.slot(p.slot);
    if (s.detail.state !== 'empty') throw new LinkError('illegal_state', 'slot is not empty');
    s.detail = {
      ...s.detail,
      state: 'staging',
      header: p.header,
      profileName: p.header.name,
      sessionId: p.sessionId,
      seed: p.seed.slice(),
    };
    return s.detail;
  }
  async uploadSteps(p: {
    slot: number;
    steps: { index: number; address: number; baud: number }[];
  }) {
    this.trip('uploadSteps');
    const s = this.slot(p.slot);
    if (s.detail.state !== 'staging') throw new LinkError('illegal_state', 'slot is not staging');
    for (const t of p.steps) s.detail.steps.push(step(t.index, t));
    return { uploaded: s.detail.steps.length };
  }
  async sealSlot(p: { slot: number; stepCount: number }) {
    this.trip('sealSlot');
    const s = this.slot(p.slot);
    if (s.detail.steps.length !== p.stepCount)
      throw new LinkError('illegal_state', 'step count does not match');
    s.detail.state = 'ready';
    const n = s.detail.steps.length;
    s.detail.counters = { total: n, provisioned: 0, failed: 0, skipped: 0, pending: n };
    return s.detail;
  }
  async getSlot(slot: number) {
    this.trip('getSlot');
    return this.slot(slot).detail;
  }
  async deleteSlot(slot: number) {
    this.trip('deleteSlot');
    const s = this.slot(slot);
    s.detail = {
      ...summary(slot, { lastSeq: s.detail.lastSeq }),
      header: null,
      seed: null,
      steps: [],
    };
    return s.detail;
  }
  /** Makes an edge as the device core would, and hands it to the session. */
  emit(slot: number, over: Partial<ProgressEdge> = {}): ProgressEdge {
    const s = this.slot(slot);
    const e = edge(slot, ++s.detail.lastSeq, over);
    s.edges.push(e);
    this.session?.pushEdge(e);
    return e;
  }
  async verb(p: VerbParams) {
    this.trip('verb');
    if ('live' in p) {
      if (p.live !== this.liveId) throw new LinkError('no_live_session', 'no such live session');
      if (p.stepIndex >= this.liveStep)
        throw new LinkError('unknown_step', `no quick-step ${p.stepIndex}`);
      this.session?.pushEdge({
        ...edge(0, ++this.liveSeq, { stepIndex: p.stepIndex, stage: 'queued' }),
        queue: { live: this.liveId },
      });
      return;
    }
    const s = this.slot(p.slot);
    if (s.detail.state !== 'ready' && s.detail.state !== 'complete')
      throw new LinkError('slot_not_ready', 'slot is not ready');
    const st = s.detail.steps[p.stepIndex];
    if (!st) throw new LinkError('unknown_step', `no step ${p.stepIndex}`);
    if (p.verb === 'try' && st.state !== 'pending')
      throw new LinkError('verb_illegal', `try is not legal from ${st.state}`);
    // The edge is made before the verb resolves: the link must still send the reply first.
    st.state = 'attempting';
    st.attempts++;
    this.emit(p.slot, { stepIndex: p.stepIndex, stage: 'queued', attempts: st.attempts });
  }
  async subscribe(p: { slot: number; sinceSeq: number }): Promise<SubscribeAnswer> {
    this.trip('subscribe');
    const s = this.slot(p.slot);
    const oldest = this.oldestKept.get(p.slot) ?? 1;
    if (p.sinceSeq + 1 < oldest)
      return { status: 'resync', oldestSeq: oldest, lastSeq: s.detail.lastSeq };
    return {
      status: 'streaming',
      replay: s.edges.filter((e) => e.seq > p.sinceSeq),
      lastSeq: s.detail.lastSeq,
    };
  }
  async openLive(p: { sessionId: string; seed: Uint8Array }) {
    this.trip('openLive');
    this.liveId = p.sessionId;
  }
  async quickStep() {
    this.trip('quickStep');
    if (!this.liveId) throw new LinkError('illegal_state', 'no live session');
    const stepIndex = this.liveStep++;
    this.session?.pushEdge({
      ...edge(0, ++this.liveSeq, { stepIndex, stage: 'queued' }),
      queue: { live: this.liveId },
    });
    return { stepIndex };
  }
  async closeLive() {
    this.trip('closeLive');
    this.liveId = null;
  }
}

export function tick(ms = 0): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
