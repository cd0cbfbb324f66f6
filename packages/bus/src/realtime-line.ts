// Runs a simulated line against the wall clock, so simulated PDs can serve real byte streams (a
// TCP client, a pty behind ser2net). Bus time = wall ms since start; the line's discrete events
// fire from one timer set to the next event.

import { wallNow } from './rx-queue.ts';
import type { SimLine } from './sim-line.ts';

export class RealTimeLine {
  private readonly t0: number;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private stopped = false;

  constructor(
    readonly line: SimLine,
    private readonly afterRun: () => void = () => {},
  ) {
    this.t0 = wallNow() - line.now();
  }

  /** Bus time now (ms). */
  now(): number {
    return wallNow() - this.t0;
  }

  /** Runs every event due by now, then sleeps until the next one. Call after injecting bytes. */
  pump(): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.line.runUntil(Math.max(this.line.now(), this.now()));
    this.afterRun();
    const next = this.line.nextEventAt();
    if (Number.isFinite(next))
      this.timer = setTimeout(() => this.pump(), Math.max(0, Math.ceil(next - this.now())));
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
