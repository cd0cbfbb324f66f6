// A slot as the device holds it, and the journal records that change it. `applyRecord` is the one
// place a slot changes: the live store and the loader replay the same records, so what is reopened
// from flash is exactly what was acknowledged.

import {
  countSteps,
  stepProgress,
  type ProgressEdge,
  type SlotDetail,
  type SlotState,
  type SlotSummary,
  type StepRecord,
  type StepTarget,
} from '@osprio/link';
import { isTerminal, STAGES } from '@osprio/provisioner';
import type { Profile, Stage } from '@osprio/provisioner';
import { fromHex, toHex, wipe } from '@osprio/osdp';

/** `sealed` becomes `ready` or `complete` depending on the steps. */
export type SlotPhase = 'empty' | 'staging' | 'sealed';

export interface StepRuntime extends StepRecord {
  /** Stages that reached `done` in the current (or last) attempt: the detail of an interruption. */
  completed: Stage[];
  /** The baud discovery last saw this step's PD at (the cheapest first probe for a retry). */
  seenAtBaud: number | null;
}

export interface SlotData {
  index: number;
  phase: SlotPhase;
  header: Profile | null;
  sessionId: string | null;
  seed: Uint8Array | null;
  steps: StepRuntime[];
  lastSeq: number;
  /**
   * lastSeq when this plan was created: sequence numbers only grow across delete, so the plan's own
   * edges are those after baseSeq (a host that has seen nothing of it streams from there).
   */
  baseSeq: number;
  /** Every edge with seq > edgeFloor is in `edges`; older ones were dropped (bounded store). */
  edgeFloor: number;
  edges: ProgressEdge[];
}

/** The step fields an edge carries; an edge record sets them on its step. */
export type StepFields = Pick<
  StepRecord,
  'state' | 'attempts' | 'outcome' | 'detail' | 'stage' | 'stageStatus'
>;

interface SnapshotJson extends Omit<SlotData, 'seed'> {
  seed: string | null;
}

export type JournalRecord =
  | { t: 'snapshot'; slot: SnapshotJson }
  | { t: 'create'; header: Profile; sessionId: string; seed: string }
  | { t: 'steps'; steps: StepTarget[] }
  | { t: 'seal' }
  | { t: 'delete' }
  | { t: 'edge'; edge: ProgressEdge; completed: Stage[]; seenAtBaud: number | null };

export class RecordError extends Error {
  constructor(reason: string) {
    super(`journal record rejected: ${reason}`);
    this.name = 'RecordError';
  }
}

export function emptySlot(index: number): SlotData {
  return {
    index,
    phase: 'empty',
    header: null,
    sessionId: null,
    seed: null,
    steps: [],
    lastSeq: 0,
    baseSeq: 0,
    edgeFloor: 0,
    edges: [],
  };
}

export function newStep(t: StepTarget): StepRuntime {
  return {
    index: t.index,
    address: t.address,
    baud: t.baud,
    state: 'pending',
    attempts: 0,
    outcome: null,
    detail: '',
    stage: null,
    stageStatus: null,
    completed: [],
    seenAtBaud: null,
  };
}

/**
 * Applies one record to `slot` in place (the store owns its draft). Throws RecordError on a record
 * that does not fit the slot — the caller validated it before journaling, so on load that means a
 * corrupt journal.
 */
export function applyRecord(slot: SlotData, rec: JournalRecord, edgeLimit: number): void {
  switch (rec.t) {
    case 'snapshot': {
      const s = rec.slot;
      if (s.index !== slot.index) throw new RecordError('snapshot of another slot');
      // A snapshot from before baseSeq existed: its floor is the conservative base (resync as before).
      const baseSeq = typeof s.baseSeq === 'number' ? s.baseSeq : s.edgeFloor;
      Object.assign(slot, {
        ...s,
        baseSeq,
        seed: s.seed === null ? null : fromHex(s.seed),
        steps: s.steps.map((x) => ({ ...x })),
        edges: s.edges.slice(),
      });
      return;
    }
    case 'create':
      if (slot.phase !== 'empty') throw new RecordError('create on a non-empty slot');
      slot.phase = 'staging';
      slot.header = rec.header;
      slot.sessionId = rec.sessionId;
      slot.seed = fromHex(rec.seed);
      slot.steps = [];
      slot.baseSeq = slot.lastSeq;
      return;
    case 'steps':
      if (slot.phase !== 'staging') throw new RecordError('steps outside staging');
      // Check the whole chunk before touching the slot: a record applies entirely or not at all.
      if (!rec.steps.every((t, i) => t.index === slot.steps.length + i))
        throw new RecordError('non-contiguous step index');
      for (const t of rec.steps) slot.steps.push(newStep(t));
      return;
    case 'seal':
      if (slot.phase !== 'staging') throw new RecordError('seal outside staging');
      slot.phase = 'sealed';
      return;
    case 'delete':
      if (slot.seed) wipe(slot.seed);
      Object.assign(slot, {
        phase: 'empty',
        header: null,
        sessionId: null,
        seed: null,
        steps: [],
        edges: [],
        edgeFloor: slot.lastSeq,
        baseSeq: slot.lastSeq,
      });
      return;
    case 'edge': {
      const e = rec.edge;
      const step = slot.steps[e.stepIndex];
      if (!step || e.seq <= slot.lastSeq)
        throw new RecordError('edge for an unknown step or out of sequence');
      setFields(step, e);
      step.completed = rec.completed.slice();
      step.seenAtBaud = rec.seenAtBaud;
      slot.lastSeq = e.seq;
      slot.edges.push(e);
      trimEdges(slot, edgeLimit);
      return;
    }
  }
}

function setFields(step: StepRuntime, f: StepFields): void {
  step.state = f.state;
  step.attempts = f.attempts;
  step.outcome = f.outcome;
  step.detail = f.detail;
  step.stage = f.stage;
  step.stageStatus = f.stageStatus;
}

export function trimEdges(q: { edges: ProgressEdge[]; edgeFloor: number }, limit: number): void {
  if (q.edges.length <= limit) return;
  const drop = q.edges.length - limit;
  q.edgeFloor = q.edges[drop - 1]!.seq;
  q.edges.splice(0, drop);
}

export function snapshotRecord(slot: SlotData): JournalRecord {
  const { seed, ...rest } = slot;
  return {
    t: 'snapshot',
    slot: {
      ...rest,
      seed: seed === null ? null : toHex(seed),
      steps: slot.steps.map((s) => ({ ...s })),
      edges: slot.edges.slice(),
    },
  };
}

export function slotState(slot: SlotData): SlotState {
  if (slot.phase !== 'sealed') return slot.phase;
  return slot.steps.every((s) => isTerminal(s.state)) ? 'complete' : 'ready';
}

export function toRecord(s: StepRuntime): StepRecord {
  return { index: s.index, address: s.address, baud: s.baud, ...stepProgress(s) };
}

export function summarize(slot: SlotData): SlotSummary {
  return {
    index: slot.index,
    state: slotState(slot),
    profileName: slot.header?.name ?? null,
    sessionId: slot.sessionId,
    counters: countSteps(slot.steps),
    lastSeq: slot.lastSeq,
  };
}

/** The full slot, seed included (getSlot is one of the two places the seed crosses the link). */
export function detail(slot: SlotData): SlotDetail {
  return {
    ...summarize(slot),
    header: slot.header,
    seed: slot.seed ? slot.seed.slice() : null,
    steps: slot.steps.map(toRecord),
  };
}

/** "which stages had completed", for a technician: the PD may be partly programmed. */
export function describeCompleted(completed: readonly Stage[]): string {
  const ordered = STAGES.filter((s) => completed.includes(s));
  return ordered.length === 0
    ? 'no stage had completed'
    : `completed stages: ${ordered.join(', ')}`;
}
