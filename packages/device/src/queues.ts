// One queue — a slot or the live session — as the verb and attempt code sees it: its steps, what an
// attempt needs, and where an edge goes (journal + listeners for a slot, memory + listeners for live).

import { queueKey } from '@osprio/link';
import type { ProgressEdge, QueueRef } from '@osprio/link';
import type { StepOptions } from '@osprio/provisioner';
import type { StepChange } from './attempts.ts';
import type { SlotJournal } from './journal.ts';
import type { LiveSession } from './live.ts';
import { slotState } from './slot-model.ts';
import type { StepRuntime } from './slot-model.ts';

export interface Queue {
  ref: QueueRef;
  key: string;
  steps(): StepRuntime[];
  seed(): Uint8Array;
  sessionId(): string;
  options(stepIndex: number): StepOptions;
  lastSeq(): number;
  /** Persists (slot) or records (live) the change, then announces the edge. */
  commit(stepIndex: number, change: StepChange, edge: ProgressEdge): void;
  /** Stored edges (all with seq > floor) and `base`, the seq before the queue's first edge. */
  edgeWindow(): { floor: number; base: number; edges: ProgressEdge[] };
}

export interface QueueNotify {
  edge(edge: ProgressEdge): void;
  slotStateChanged(index: number): void;
}

export function slotQueue(j: SlotJournal, notify: QueueNotify): Queue {
  const index = j.slot.index;
  return {
    ref: { slot: index },
    key: queueKey({ slot: index }),
    steps: () => j.slot.steps,
    seed: () => j.slot.seed!,
    sessionId: () => j.slot.sessionId!,
    options: () => ({
      timeoutMs: j.slot.header!.timeoutMs,
      autoVerify: j.slot.header!.autoVerify,
      expectedCapabilities: j.slot.header!.expectedCapabilities,
    }),
    lastSeq: () => j.slot.lastSeq,
    edgeWindow: () => ({ floor: j.slot.edgeFloor, base: j.slot.baseSeq, edges: j.slot.edges }),
    commit: (_i, change, edge) => {
      const before = slotState(j.slot);
      j.append({ t: 'edge', edge, completed: change.completed, seenAtBaud: change.seenAtBaud });
      notify.edge(edge); // only after the record is durable
      if (slotState(j.slot) !== before) notify.slotStateChanged(index);
    },
  };
}

export function liveQueue(l: LiveSession, notify: QueueNotify): Queue {
  return {
    ref: { live: l.sessionId },
    key: queueKey({ live: l.sessionId }),
    steps: () => l.steps,
    seed: () => l.seed,
    sessionId: () => l.sessionId,
    options: (i) => l.options[i]!,
    lastSeq: () => l.lastSeq,
    edgeWindow: () => ({ floor: l.edgeFloor, base: 0, edges: l.edges }),
    commit: (i, change, edge) => {
      l.apply(i, change, edge);
      notify.edge(edge);
    },
  };
}
