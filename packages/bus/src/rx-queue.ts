// Receive side shared by the real transports: chunks stamped with the wall clock, and a read that
// waits for the next chunk or the deadline, whichever comes first.

import type { RxChunk } from './bus.ts';
import { wireTimeMs } from '@osprio/osdp';

/** The bus clock of real transports: monotonic wall time in ms. */
export function wallNow(): number {
  return performance.now();
}

export class RxQueue {
  private readonly chunks: RxChunk[] = [];
  private wake: (() => void) | null = null;
  private failure: Error | null = null;

  push(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.chunks.push({ bytes, at: wallNow() });
    this.wake?.();
  }

  /** Ends the stream: pending and later reads reject with `err` once queued chunks are consumed. */
  fail(err: Error): void {
    this.failure ??= err;
    this.wake?.();
  }

  flush(): void {
    this.chunks.length = 0;
  }

  async read(deadline: number): Promise<RxChunk | null> {
    for (;;) {
      const c = this.chunks.shift();
      if (c) return c;
      if (this.failure) throw this.failure;
      const remaining = deadline - wallNow();
      if (remaining <= 0) return null;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, Math.ceil(remaining));
        const unset = this.setWake(done);
        function done() {
          clearTimeout(timer);
          unset();
          resolve();
        }
      });
    }
  }

  private setWake(fn: () => void): () => void {
    this.wake = fn;
    return () => {
      if (this.wake === fn) this.wake = null;
    };
  }
}

/** Waits until wall-clock bus time `until` (ms): on return, now() >= until. */
export async function sleepUntil(until: number): Promise<void> {
  // Node's timers count from the event loop's cached time, which lags after a long synchronous
  // stretch, so a timer may fire before `until` by this clock: wait again for the rest.
  for (let ms = until - wallNow(); ms > 0; ms = until - wallNow()) {
    await new Promise((r) => setTimeout(r, Math.ceil(ms)));
  }
}

/**
 * What the serial and TCP transports share: the wall clock, the receive queue, and the estimate of
 * when the bytes written so far have left the wire (the OS cannot tell us for a socket).
 */
export abstract class WallClockBus {
  abstract readonly name: string;
  protected readonly rx = new RxQueue();
  protected closed = false;
  protected wireUntil = 0;

  now(): number {
    return wallNow();
  }

  read(deadline: number): Promise<RxChunk | null> {
    return this.rx.read(deadline);
  }

  flushInput(): void {
    this.rx.flush();
  }

  sleep(until: number): Promise<void> {
    return sleepUntil(until);
  }

  /** Moves the wire estimate on by `n` bytes at `baud`; returns when they will have been sent. */
  protected noteWritten(n: number, baud: number): number {
    this.wireUntil = Math.max(wallNow(), this.wireUntil) + wireTimeMs(n, baud);
    return this.wireUntil;
  }

  protected assertOpen(): void {
    if (this.closed) throw new Error(`${this.name}: bus is closed`);
  }
}
