// Host view of one queue (a slot or the live quick-step queue) as a reducer over device reads and
// progress edges. The device is the source of truth: a read replaces the view, an edge patches one
// row, and an edge at or below the last applied sequence number is ignored (a replay after a
// reconnect must never apply an edge twice).

import { stepProgress, type ProgressEdge, type SlotDetail, type StepRecord } from '@osprio/link';

export interface QueueView {
  steps: StepRecord[];
  /** Highest edge sequence number applied (or covered by the last read). */
  lastSeq: number;
  /** Set when an edge arrived for a step this view does not know, or the device said "resync". */
  needsRead: boolean;
}

export type QueueAction =
  | { type: 'read'; slot: Pick<SlotDetail, 'steps' | 'lastSeq'> }
  | { type: 'edge'; edge: ProgressEdge }
  | { type: 'resync' };

export const emptyQueue: QueueView = { steps: [], lastSeq: 0, needsRead: false };

export function queueReducer(view: QueueView, action: QueueAction): QueueView {
  switch (action.type) {
    case 'read':
      return { steps: action.slot.steps.map((s) => ({ ...s })), lastSeq: action.slot.lastSeq, needsRead: false };
    case 'resync':
      return { ...view, needsRead: true };
    case 'edge': {
      const e = action.edge;
      if (e.seq <= view.lastSeq) return view;
      const i = view.steps.findIndex((s) => s.index === e.stepIndex);
      if (i < 0) {
        // Live queues grow by edges: a new quick-step appears with its first edge.
        return { ...view, needsRead: true, lastSeq: e.seq };
      }
      const steps = view.steps.slice();
      steps[i] = { ...steps[i]!, ...stepProgress(e) };
      return { steps, lastSeq: e.seq, needsRead: view.needsRead };
    }
  }
}

