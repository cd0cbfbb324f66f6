// What a stage milestone, the end of an attempt, or an interruption does to a step — pure.

import { isOutcome } from '@osprio/provisioner';
import type { Stage, StageEvent } from '@osprio/provisioner';
import type { AttemptEnd } from './scheduler.ts';
import { describeCompleted } from './slot-model.ts';
import type { StepFields, StepRuntime } from './slot-model.ts';

export interface StepChange {
  fields: StepFields;
  completed: Stage[];
  seenAtBaud: number | null;
}

const MAX_DETAIL = 200;

/** A detail note is for a technician: bounded, and never a long hex run (which could be key material). */
export function safeDetail(text: string): string {
  const clean = text.replace(/[0-9a-fA-F]{16,}/g, '[redacted]').replace(/[\r\n\t]+/g, ' ');
  return clean.length > MAX_DETAIL ? `${clean.slice(0, MAX_DETAIL - 1)}…` : clean;
}

export function onStage(step: StepRuntime, ev: StageEvent): StepChange {
  const completed = step.completed.slice();
  if (ev.status === 'done' && ev.stage !== 'queued' && !completed.includes(ev.stage))
    completed.push(ev.stage);
  return {
    fields: {
      state: 'attempting',
      attempts: step.attempts,
      outcome: null,
      detail: '',
      stage: ev.stage,
      stageStatus: ev.status,
    },
    completed,
    seenAtBaud: step.seenAtBaud,
  };
}

/** The stage an attempt stopped at: the last milestone, now stalled (unless it had finished). */
function stalledAt(step: StepRuntime): Pick<StepFields, 'stage' | 'stageStatus'> {
  if (step.stage === null || step.stage === 'queued')
    return { stage: step.stage, stageStatus: step.stage === null ? null : 'stalled' };
  return { stage: step.stage, stageStatus: step.stageStatus === 'done' ? 'done' : 'stalled' };
}

export function onEnd(step: StepRuntime, end: AttemptEnd): StepChange {
  const base = { attempts: step.attempts };
  if (end.kind === 'result') {
    const r = end.result;
    if (!isOutcome(r.outcome)) {
      return {
        fields: {
          ...base,
          state: 'failure',
          outcome: 'internal_error',
          detail: 'executor reported an unknown outcome',
          ...stalledAt(step),
        },
        completed: step.completed.slice(),
        seenAtBaud: step.seenAtBaud,
      };
    }
    return {
      fields: {
        ...base,
        state: r.outcome === 'ok' ? 'success' : 'failure',
        outcome: r.outcome,
        detail: safeDetail(r.detail),
        stage: r.stage,
        stageStatus: r.stageStatus,
      },
      completed: r.completed.slice(),
      seenAtBaud: r.seenAtBaud ?? step.seenAtBaud,
    };
  }
  const done = describeCompleted(step.completed);
  if (end.kind === 'timeout') {
    return {
      fields: {
        ...base,
        state: 'failure',
        outcome: 'timeout',
        detail: `no result within ${Math.round(end.afterMs / 1000)} s; ${done}`,
        ...stalledAt(step),
      },
      completed: step.completed.slice(),
      seenAtBaud: step.seenAtBaud,
    };
  }
  const msg = end.error instanceof Error ? end.error.message : 'unknown error';
  return {
    fields: {
      ...base,
      state: 'failure',
      outcome: 'internal_error',
      detail: safeDetail(`${msg}; ${done}`),
      ...stalledAt(step),
    },
    completed: step.completed.slice(),
    seenAtBaud: step.seenAtBaud,
  };
}

/** An attempt that was queued or running when the device restarted. */
export function onInterrupted(step: StepRuntime): StepChange {
  const where =
    step.stage === 'queued' || step.stage === null
      ? 'while queued, before any stage ran'
      : `during ${step.stage}`;
  return {
    fields: {
      state: 'failure',
      attempts: step.attempts,
      outcome: 'interrupted',
      detail: `interrupted by a device restart ${where}; ${describeCompleted(step.completed)}`,
      ...stalledAt(step),
    },
    completed: step.completed.slice(),
    seenAtBaud: step.seenAtBaud,
  };
}
