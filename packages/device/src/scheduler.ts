// The ONE bus: accepted attempts (any slot, the live queue, the autonomous runner) run strictly one
// after another in acceptance order. A cancelled attempt leaves the queue, or — when running — is
// aborted; the next attempt starts only after the aborted executor has let go of the bus, or — if it
// never does (a hung read deaf to the abort) — after a grace period, so one stuck attempt cannot
// block the bus forever. A result that arrives after that is ignored. Anything else that talks on
// the bus (the autonomous runner's presence probe) takes its turn here too (`withBus`), so there is
// only ever one user of the bus.

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
  /** null for a `withBus` task, which runs `task` instead of the executor. */
  job: StepJob | null;
  task?: () => Promise<void>;
  hooks: AttemptHooks;
  controller: AbortController;
  cancelled: boolean;
  settled: Promise<void>;
  resolveSettled: () => void;
  /** Aborts and, if the executor still has not returned after the grace period, gives up on it. */
  abort(reason: Error): void;
}

export interface SchedulerOptions {
  /** Bus ms used when a step's timeoutMs is 0 ("firmware default"); the engine's own default. */
  defaultTimeoutMs: number;
  /**
   * Extra wall time the watchdog grants beyond the step timeout before it aborts, and again after
   * the abort before it gives up on an executor that has not returned.
   */
  watchdogGraceMs: number;
  /** Bus ms per wall ms of the bus the executor runs on (the emulator's `speed`); default 1. */
  busSpeed?: number;
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
    const a = this.push(job, hooks);
    return { id: a.id, settled: a.settled };
  }

  /** Runs `fn` with the bus to itself, in turn with the attempts (queued behind those already accepted). */
  withBus<T>(fn: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.push(null, { onStage: () => {}, onEnd: () => {} }, () => fn().then(resolve, reject));
    });
  }

  private push(job: StepJob | null, hooks: AttemptHooks, task?: () => Promise<void>): Attempt {
    let resolveSettled!: () => void;
    const settled = new Promise<void>((r) => (resolveSettled = r));
    const a: Attempt = {
      id: this.nextId++,
      job,
      hooks,
      controller: new AbortController(),
      cancelled: false,
      settled,
      resolveSettled,
      abort: (reason) => a.controller.abort(reason), // replaced while running
      ...(task ? { task } : {}),
    };
    this.waiting.push(a);
    this.pump();
    return a;
  }

  /** Cancels a queued or running attempt. Its hooks are not called again. */
  cancel(id: number): void {
    const i = this.waiting.findIndex((a) => a.id === id);
    if (i >= 0) {
      const [a] = this.waiting.splice(i, 1);
      a!.cancelled = true;
      a!.job?.seed.fill(0);
      a!.resolveSettled();
      this.notifyIdle();
      return;
    }
    if (this.running?.id === id) {
      this.running.cancelled = true;
      this.running.abort(new Error('attempt cancelled'));
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
    void Promise.resolve()
      .then(() => this.run(a))
      .catch(() => {
        // A hook that throws (e.g. an unwritable journal) must not crash the process; the step then
        // reads as interrupted on the next open.
      })
      .finally(() => {
        a.job?.seed.fill(0);
        this.running = null;
        a.resolveSettled();
        this.pump();
      });
  }

  /** Wall ms the watchdog allows: the step timeout is bus time, and a paced bus may run slower than real time. */
  private watchdogMs(job: StepJob): number {
    const busMs = job.options.timeoutMs > 0 ? job.options.timeoutMs : this.opts.defaultTimeoutMs;
    const speed = this.opts.busSpeed ?? 1;
    return Math.ceil(busMs / Math.min(speed > 0 ? speed : 1, 1)) + this.opts.watchdogGraceMs;
  }

  private async run(a: Attempt): Promise<void> {
    if (a.cancelled) return;
    if (a.task) return a.task();
    const { hooks, controller } = a;
    const job = a.job!;
    const watchdogMs = this.watchdogMs(job);
    let timedOut = false;
    let giveUp!: () => void;
    const abandoned = new Promise<null>((r) => (giveUp = () => r(null)));
    let cancelGiveUp: (() => void) | null = null;
    a.abort = (reason) => {
      controller.abort(reason);
      cancelGiveUp ??= this.clock.setTimer(this.opts.watchdogGraceMs, giveUp);
    };
    const cancelTimer = this.clock.setTimer(watchdogMs, () => {
      timedOut = true;
      a.abort(new Error('step timeout'));
    });
    // Never rejects, so an executor abandoned below cannot surface as an unhandled rejection later.
    const executed: Promise<AttemptEnd> = (async () => {
      try {
        const result = await this.executor(job, {
          signal: controller.signal,
          onStage: (ev) => {
            if (!a.cancelled && !timedOut) hooks.onStage(ev);
          },
        });
        return { kind: 'result', result };
      } catch (error) {
        return { kind: 'error', error };
      }
    })();
    const outcome = await Promise.race([executed, abandoned]);
    cancelTimer();
    (cancelGiveUp as (() => void) | null)?.();
    // Abandoned (null) only after an abort: by the watchdog (timeout) or a cancel (no hooks then).
    const end: AttemptEnd =
      timedOut || outcome === null ? { kind: 'timeout', afterMs: watchdogMs } : outcome;
    if (!a.cancelled) hooks.onEnd(end);
  }
}
