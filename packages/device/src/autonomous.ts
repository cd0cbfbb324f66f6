// Offline-autonomous execution (Osprio Pro): with no host attached, work through ready slots in slot
// order, one PD at a time — wait until a PD answers discovery, run the next pending step on it,
// record the outcome, then wait until that PD stops answering before the next (and on start, a PD
// already present must leave first). Failures are never
// retried (a failed step is not pending). Stopping (a host attached) abandons any waiting but lets
// the attempt in flight finish; `stop()` resolves once it has.

import { sleep } from './clock.ts';
import type { Clock } from './clock.ts';

/** Does a PD answer discovery on the bus right now? Must honour `signal`. */
export type PresenceProbe = (signal: AbortSignal) => Promise<boolean>;

export interface AutonomousTarget {
  /** The next step to run: the first pending step of the first ready slot, or null. */
  nextPending(): { slot: number; stepIndex: number } | null;
  /** Accepts a `try` on that step; resolves when the attempt has ended (or was cancelled). */
  runStep(slot: number, stepIndex: number): Promise<void> | null;
  /** Resolves when no attempt is running or queued on the bus (the probe needs the bus). */
  busIdle(): Promise<void>;
  /**
   * Runs `fn` holding the bus (the scheduler's turn), so an attempt a host queues meanwhile starts
   * only after the probe has let go of the bus.
   */
  withBus<T>(fn: () => Promise<T>): Promise<T>;
}

export interface AutonomousOptions {
  probe: PresenceProbe;
  clock: Clock;
  /** How often to probe for a PD arriving or leaving, and to look for new work. */
  pollMs: number;
}

export class AutonomousRunner {
  private controller: AbortController | null = null;
  private loop: Promise<void> = Promise.resolve();
  /** For tests and status: what the runner is doing. */
  phase: 'stopped' | 'idle' | 'awaiting_pd' | 'running' | 'awaiting_departure' = 'stopped';

  constructor(
    private readonly target: AutonomousTarget,
    private readonly opts: AutonomousOptions,
  ) {}

  get running(): boolean {
    return this.controller !== null;
  }

  start(): void {
    if (this.controller) return;
    const c = new AbortController();
    this.controller = c;
    this.loop = this.run(c.signal).finally(() => {
      this.phase = 'stopped';
    });
  }

  /** Stops waiting at once; resolves after an attempt in flight has finished. */
  async stop(): Promise<void> {
    this.controller?.abort();
    this.controller = null;
    await this.loop;
  }

  private async run(signal: AbortSignal): Promise<void> {
    // A PD already on the bus when the runner (re)starts may be one a host just commissioned: running
    // the next step on it would re-address a keyed PD. Start only on a PD that arrives.
    this.phase = 'awaiting_departure';
    if (!(await this.waitFor(false, signal))) return;
    while (!signal.aborted) {
      if (!this.target.nextPending()) {
        this.phase = 'idle';
        await sleep(this.opts.clock, this.opts.pollMs, signal);
        continue;
      }
      this.phase = 'awaiting_pd';
      if (!(await this.waitFor(true, signal))) return;
      const next = this.target.nextPending(); // the slots may have changed while we waited
      if (!next) continue;
      const attempt = this.target.runStep(next.slot, next.stepIndex);
      if (!attempt) continue;
      this.phase = 'running';
      await attempt; // not abortable: a host attaching lets it finish
      if (signal.aborted) return;
      this.phase = 'awaiting_departure';
      if (!(await this.waitFor(false, signal))) return;
    }
  }

  /** Polls until the probe answers `present`; false if stopped first. */
  private async waitFor(present: boolean, signal: AbortSignal): Promise<boolean> {
    for (;;) {
      await this.target.busIdle();
      if (signal.aborted) return false;
      let answered: boolean;
      try {
        answered = await this.target.withBus(() =>
          signal.aborted ? Promise.resolve(false) : this.opts.probe(signal),
        );
      } catch {
        answered = false;
      }
      if (signal.aborted) return false;
      if (answered === present) return true;
      await sleep(this.opts.clock, this.opts.pollMs, signal);
    }
  }
}
