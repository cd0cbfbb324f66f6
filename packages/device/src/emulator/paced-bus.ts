// The simulated bus at a watchable pace. A SimBus runs virtual time as fast as the CPU allows; the
// emulator wants a person to see a 200 ms reply timeout take 200 ms. This wrapper keeps bus time
// within reach of `speed × wall time`: idle wall time is caught up on the line (so PD timers such
// as a reboot's downtime run), and an operation that jumped ahead waits for the wall to follow.
// At speed Infinity nothing waits, but the loop still yields to the event loop every few ms so the
// link (and a SIGINT) are served while a step runs.

import type { Bus, RxChunk } from '@osprio/bus';
import type { SimBus } from '@osprio/bus';

const YIELD_EVERY_MS = 8;

const wallNow = () => performance.now();
const delay = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const yieldNow = () => new Promise<void>((r) => setImmediate(r));

export class PacedBus implements Bus {
  readonly kind = 'sim' as const;
  readonly canSetBaud = true;
  readonly name: string;
  private readonly wallOrigin = wallNow();
  private readonly busOrigin: number;
  private lastYield = wallNow();

  /** `speed`: bus ms per wall ms; Infinity = as fast as possible. */
  constructor(
    readonly inner: SimBus,
    readonly speed: number,
  ) {
    if (!(speed > 0)) throw new RangeError('speed must be > 0');
    this.name = inner.name;
    this.busOrigin = inner.now();
  }

  get baud(): number {
    return this.inner.baud;
  }

  /**
   * The paced clock: never behind `speed × wall time`. After an idle spell the line has not yet run
   * the idle time (the next operation catches it up), but a deadline taken now must already count
   * it, or the idle spell would be spent from the next step's timeout or probe window.
   */
  now(): number {
    const inner = this.inner.now();
    return Number.isFinite(this.speed) ? Math.max(inner, this.target()) : inner;
  }

  async setBaud(baud: number): Promise<void> {
    await this.before();
    await this.inner.setBaud(baud);
    await this.after();
  }

  async write(bytes: Uint8Array): Promise<void> {
    await this.before();
    await this.inner.write(bytes);
    await this.after();
  }

  async read(deadline: number): Promise<RxChunk | null> {
    await this.before();
    const r = await this.inner.read(deadline);
    await this.after();
    return r;
  }

  flushInput(): void {
    this.inner.flushInput();
  }

  async sleep(until: number): Promise<void> {
    await this.before();
    await this.inner.sleep(until);
    await this.after();
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  /** Bus time the wall clock says it should be. */
  private target(): number {
    return this.busOrigin + (wallNow() - this.wallOrigin) * this.speed;
  }

  private async before(): Promise<void> {
    if (!Number.isFinite(this.speed)) return;
    const t = this.target();
    if (this.inner.now() < t) await this.inner.sleep(t);
  }

  private async after(): Promise<void> {
    if (!Number.isFinite(this.speed)) {
      if (wallNow() - this.lastYield >= YIELD_EVERY_MS) {
        await yieldNow();
        this.lastYield = wallNow();
      }
      return;
    }
    const lead = (this.inner.now() - this.target()) / this.speed;
    if (lead >= 1) await delay(lead);
    else await yieldNow();
    this.lastYield = wallNow();
  }
}
