// The ONE bus: accepted attempts (any slot, the live queue, the autonomous runner) run strictly one
// after another in acceptance order. A cancelled attempt leaves the queue, or — when running — is
// aborted; the next attempt starts only after the aborted executor has let go of the bus.

import type { QueueRef } from '@osprio/link';
import type { AttemptResult, StageEvent, StepOptions } from '@osprio/provisioner';
import type { Clock } from './clock.ts';

export interface StepJob {
  queue: QueueRef;
  stepIndex: number;
  address: number;
  baud: number;
  options: StepOptions;
  /** A copy for this attempt; wiped when the attempt ends. */
  seed: Uint8Array;
  sessionId: string;
  /** The baud discovery last saw this step's PD at, if any (cheapest first probe). */
  lastSeenBaud?: number;
}

export interface StepContext {
  signal: AbortSignal;
  onStage(ev: StageEvent): void;
}

/** Runs one attempt on the bus. The OSDP commissioning engine implements this. */
export type StepExecutor = (job: StepJob, ctx: StepContext) => Promise<AttemptResult>;

export type AttemptEnd =
  | { kind: 'result'; result: AttemptResult }
  | { kind: 'error'; error: unknown }
  | { kind: 'timeout'; afterMs: number };

export interface AttemptHooks {
  onStage(ev: StageEvent): void;
  /** Called once when the attempt ends, unless it was cancelled first. */
  onEnd(end: AttemptEnd): void;
}

interface Attempt {
  id: number;
  job: StepJob;
  hooks: AttemptHooks;
  controller: AbortController;
  cancelled: boolean;
  settled: Promise<void>;
  resolveSettled: () => void;
}

export interface SchedulerOptions {
  /** Used when a step's timeoutMs is 0 ("firmware default"). */
  defaultTimeoutMs: number;
  /** Extra time the device watchdog grants the executor beyond the step timeout. */
  watchdogGraceMs: number;
}

export class BusScheduler {
  private readonly waiting: Attempt[] = [];
  private running: Attempt | null = null;
  private nextId = 1;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly executor: StepExecutor,
    private readonly clock: Clock,
    private readonly opts: SchedulerOptions,
  ) {}

  /** Queues an attempt; returns its id and a promise that settles when it ended or was cancelled. */
  enqueue(job: StepJob, hooks: AttemptHooks): { id: number; settled: Promise<void> } {
    let resolveSettled!: () => void;
    const settled = new Promise<void>((r) => (resolveSettled = r));
    const a: Attempt = { id: this.nextId++, job, hooks, controller: new AbortController(), cancelled: false, settled, resolveSettled };
    this.waiting.push(a);
    this.pump();
    return { id: a.id, settled };
  }

  /** Cancels a queued or running attempt. Its hooks are not called again. */
  cancel(id: number): void {
    const i = this.waiting.findIndex((a) => a.id === id);
    if (i >= 0) {
      const [a] = this.waiting.splice(i, 1);
      a!.cancelled = true;
      a!.job.seed.fill(0);
      a!.resolveSettled();
      this.notifyIdle();
      return;
    }
    if (this.running?.id === id) {
      this.running.cancelled = true;
      this.running.controller.abort(new Error('attempt cancelled'));
    }
  }

  get busy(): boolean {
    return this.running !== null || this.waiting.length > 0;
  }

  /** Resolves once nothing is running or queued. */
  idle(): Promise<void> {
    if (!this.busy) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  private notifyIdle(): void {
    if (this.busy) return;
    const w = this.idleWaiters;
    this.idleWaiters = [];
    for (const r of w) r();
  }

  private pump(): void {
    if (this.running) return;
    const a = this.waiting.shift();
    if (!a) return this.notifyIdle();
    this.running = a;
    // Start on a microtask so the caller has recorded the attempt id before any stage event arrives.
    void Promise.resolve().then(() => this.run(a)).finally(() => {
      a.job.seed.fill(0);
      this.running = null;
      a.resolveSettled();
      this.pump();
    });
  }

  private async run(a: Attempt): Promise<void> {
    if (a.cancelled) return;
    const { job, hooks, controller } = a;
    const timeoutMs = job.options.timeoutMs > 0 ? job.options.timeoutMs : this.opts.defaultTimeoutMs;
    const watchdogMs = timeoutMs + this.opts.watchdogGraceMs;
    let timedOut = false;
    const cancelTimer = this.clock.setTimer(watchdogMs, () => {
      timedOut = true;
      controller.abort(new Error('step timeout'));
    });
    let end: AttemptEnd;
    try {
      const result = await this.executor(job, {
        signal: controller.signal,
        onStage: (ev) => {
          if (!a.cancelled && !timedOut) hooks.onStage(ev);
        },
      });
      end = timedOut ? { kind: 'timeout', afterMs: watchdogMs } : { kind: 'result', result };
    } catch (error) {
      end = timedOut ? { kind: 'timeout', afterMs: watchdogMs } : { kind: 'error', error };
    } finally {
      cancelTimer();
    }
    if (!a.cancelled) hooks.onEnd(end);
  }
}
