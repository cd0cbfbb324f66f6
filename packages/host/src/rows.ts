// The host's view of one queue (a slot or the live quick-step queue) as a pure reducer over device
// reads, progress edges and the host's own "requested" marks. The device is the source of truth:
// a read replaces the rows (and clears every mark), an edge patches one row, and an edge at or
// below the last applied sequence number is ignored, so a replay after a reconnect never applies
// an edge twice and a resync followed by a read gives exactly the rows of a fresh read.

import { countSteps, stepProgress } from '@osprio/link';
import { isTerminal } from '@osprio/provisioner';
import type {
  ProgressEdge,
  QueueRef,
  SlotCounters,
  SlotDetail,
  SlotState,
  StepRecord,
  StepTarget,
  Verb,
} from '@osprio/link';

/** One row: the device's record of a step, plus a verb the host sent and whose edge has not come yet. */
export interface Row extends StepRecord {
  requested: Verb | null;
}

export interface QueueSnapshot {
  queue: QueueRef;
  /** The slot's state: as read, and between reads a sealed slot follows its rows by the device's rule
   *  (complete when every step is success or skipped); a live queue is 'ready' while open. */
  slotState: SlotState;
  profileName: string | null;
  /** Ordered by step index. */
  rows: Row[];
  /** Always countSteps(rows). */
  counters: SlotCounters;
  /** Highest edge sequence number applied (or covered by the last read). */
  lastSeq: number;
  /** The device said `resync`: edges were lost, only a read restores the rows. */
  stale: boolean;
  /** stale, or an edge named a step not listed yet: the host should read the queue. */
  needsRead: boolean;
  /** Edges for steps not listed yet (a live quick-step whose reply is still on its way); placed by
   *  `add`, dropped by a read. */
  unplaced: ProgressEdge[];
}

/** What a read contributes (a getSlot reply, or any record list with its lastSeq). Never the seed. */
export interface QueueRead {
  steps: readonly StepRecord[];
  lastSeq: number;
  state?: SlotState;
  profileName?: string | null;
}

export type RowsAction =
  | { type: 'read'; slot: QueueRead }
  | { type: 'edge'; edge: ProgressEdge }
  /** Edges in seq order (a replay batch): exactly the same as an 'edge' action for each, in one pass. */
  | { type: 'edges'; edges: readonly ProgressEdge[] }
  | { type: 'resync' }
  /** A live quick-step the device accepted: its row, before or after its first edges. */
  | { type: 'add'; step: StepTarget }
  | { type: 'requested'; stepIndex: number; verb: Verb }
  | { type: 'request_failed'; stepIndex: number };

/** The device's verb table (device-protocol.md "Steps and verbs"), for enabling buttons: the link's
 *  one copy, which the device enforces. */
export { VERB_LEGAL_FROM, verbLegal } from '@osprio/link';

export function emptySnapshot(queue: QueueRef): QueueSnapshot {
  return {
    queue,
    slotState: 'slot' in queue ? 'empty' : 'ready',
    profileName: null,
    rows: [],
    counters: countSteps([]),
    lastSeq: 0,
    stale: false,
    needsRead: false,
    unplaced: [],
  };
}

/** The rows without the host's marks: exactly the device's step records. */
export function stepRecords(s: QueueSnapshot): StepRecord[] {
  return s.rows.map(({ requested: _r, ...rec }) => rec);
}

function withRows(
  s: QueueSnapshot,
  rows: Row[],
  patch: Partial<QueueSnapshot> = {},
): QueueSnapshot {
  return { ...s, rows, counters: countSteps(rows), ...patch };
}

/** A sealed slot is complete exactly when every step is terminal (the device's rule). */
function sealedState(s: QueueSnapshot, rows: readonly Row[]): SlotState {
  if (!('slot' in s.queue) || (s.slotState !== 'ready' && s.slotState !== 'complete'))
    return s.slotState;
  return rows.every((r) => isTerminal(r.state)) ? 'complete' : 'ready';
}

function toRow(r: StepRecord): Row {
  return {
    index: r.index,
    address: r.address,
    baud: r.baud,
    ...stepProgress(r),
    requested: null,
  };
}

export function rowsReducer(s: QueueSnapshot, a: RowsAction): QueueSnapshot {
  switch (a.type) {
    case 'read': {
      const rows = a.slot.steps.map(toRow).sort((x, y) => x.index - y.index);
      return withRows(s, rows, {
        lastSeq: a.slot.lastSeq,
        slotState: a.slot.state ?? s.slotState,
        profileName: a.slot.profileName === undefined ? s.profileName : a.slot.profileName,
        stale: false,
        needsRead: false,
        unplaced: [],
      });
    }
    case 'resync':
      return s.stale ? s : { ...s, stale: true, needsRead: true };
    case 'edge': {
      const e = a.edge;
      if (e.seq <= s.lastSeq) return s;
      const i = s.rows.findIndex((r) => r.index === e.stepIndex);
      if (i < 0) return { ...s, lastSeq: e.seq, needsRead: true, unplaced: [...s.unplaced, e] };
      const rows = s.rows.slice();
      rows[i] = { ...rows[i]!, ...stepProgress(e), requested: null };
      return withRows(s, rows, { lastSeq: e.seq, slotState: sealedState(s, rows) });
    }
    case 'edges':
      return applyEdges(s, a.edges);
    case 'add': {
      if (s.rows.some((r) => r.index === a.step.index)) return s;
      let row: Row = toRow({
        ...a.step,
        state: 'pending',
        attempts: 0,
        outcome: null,
        detail: '',
        stage: null,
        stageStatus: null,
      });
      // Held edges arrived in order; the last one for this step is where it stands.
      for (const e of s.unplaced)
        if (e.stepIndex === a.step.index) row = { ...row, ...stepProgress(e) };
      const unplaced = s.unplaced.filter((e) => e.stepIndex !== a.step.index);
      const rows = [...s.rows, row].sort((x, y) => x.index - y.index);
      return withRows(s, rows, { unplaced, needsRead: s.stale || unplaced.length > 0 });
    }
    case 'requested':
    case 'request_failed': {
      const i = s.rows.findIndex((r) => r.index === a.stepIndex);
      if (i < 0) return s;
      const requested = a.type === 'requested' ? a.verb : null;
      if (s.rows[i]!.requested === requested) return s;
      const rows = s.rows.slice();
      rows[i] = { ...rows[i]!, requested };
      return { ...s, rows };
    }
  }
}

/** Many edges in one pass: the rows array and each touched row are copied once, counters and the
 *  slot state computed once at the end (they depend on the final rows only). */
function applyEdges(s: QueueSnapshot, edges: readonly ProgressEdge[]): QueueSnapshot {
  let lastSeq = s.lastSeq;
  let rows: Row[] | null = null;
  let unplaced: ProgressEdge[] | null = null;
  let where: Map<number, number> | null = null;
  const copied = new Set<number>();
  for (const e of edges) {
    if (e.seq <= lastSeq) continue;
    lastSeq = e.seq;
    if (!where) {
      where = new Map();
      s.rows.forEach((r, i) => {
        if (!where!.has(r.index)) where!.set(r.index, i);
      });
    }
    const i = where.get(e.stepIndex);
    if (i === undefined) {
      (unplaced ??= [...s.unplaced]).push(e);
      continue;
    }
    rows ??= s.rows.slice();
    if (!copied.has(i)) {
      copied.add(i);
      rows[i] = { ...rows[i]! };
    }
    Object.assign(rows[i]!, stepProgress(e), { requested: null });
  }
  if (lastSeq === s.lastSeq) return s;
  const patch: Partial<QueueSnapshot> = { lastSeq };
  if (unplaced) Object.assign(patch, { unplaced, needsRead: true });
  if (!rows) return { ...s, ...patch };
  return withRows(s, rows, { ...patch, slotState: sealedState(s, rows) });
}

/** A slot read as the reducer takes it: never the seed. */
export function slotRead(
  d: Pick<SlotDetail, 'steps' | 'lastSeq' | 'state' | 'profileName'>,
): QueueRead {
  return { steps: d.steps, lastSeq: d.lastSeq, state: d.state, profileName: d.profileName };
}
