// The live quick-step queue: no slot, nothing in flash. The seed lives in memory for the session only.

import type { ProgressEdge, StepRecord } from '@osprio/link';
import type { StepOptions } from '@osprio/provisioner';
import type { StepChange } from './attempts.ts';
import { newStep, toRecord, trimEdges } from './slot-model.ts';
import type { StepRuntime } from './slot-model.ts';

export class LiveSession {
  readonly seed: Uint8Array;
  readonly steps: StepRuntime[] = [];
  readonly options: StepOptions[] = [];
  lastSeq = 0;
  edgeFloor = 0;
  edges: ProgressEdge[] = [];

  constructor(
    readonly sessionId: string,
    seed: Uint8Array,
    private readonly edgeLimit: number,
  ) {
    this.seed = seed.slice();
  }

  add(address: number, baud: number, options: StepOptions): number {
    const index = this.steps.length;
    this.steps.push(newStep({ index, address, baud }));
    this.options.push(options);
    return index;
  }

  apply(stepIndex: number, change: StepChange, edge: ProgressEdge): void {
    const step = this.steps[stepIndex]!;
    Object.assign(step, change.fields, {
      completed: change.completed,
      seenAtBaud: change.seenAtBaud,
    });
    this.lastSeq = edge.seq;
    this.edges.push(edge);
    trimEdges(this, this.edgeLimit);
  }

  records(): StepRecord[] {
    return this.steps.map(toRecord);
  }

  close(): void {
    this.seed.fill(0);
  }
}
