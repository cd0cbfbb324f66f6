// The technician of offline-autonomous mode: walks from reader to reader of the first ready slot's
// plan. When the device is waiting for a PD, they plug in the next reader they have not visited,
// wait until the device has finished an attempt on it (or, if nothing happens — a dead reader —
// until they give up), linger a moment, unplug it and walk on. They never touch the device; it
// notices them only through discovery on the bus. They stand back while a host is attached.

import type { Device } from '../device.ts';
import type { Bench } from './bench.ts';
import { readerKey } from './bench.ts';

export interface TechnicianTiming {
  /** Walking to the next reader (wall ms at speed 1). */
  walkMs: number;
  /** Waiting for the device to start an attempt before giving up on a reader. */
  patienceMs: number;
  /** Leaving the reader connected after its attempt ended. */
  lingerMs: number;
}

export const DEFAULT_TIMING: TechnicianTiming = {
  walkMs: 3000,
  patienceMs: 20_000,
  lingerMs: 1500,
};

export class Technician {
  private stopped = false;
  private readonly visited = new Set<string>();
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;

  constructor(
    private readonly device: Device,
    private readonly bench: Bench,
    private readonly hostAttached: () => boolean,
    private readonly speed: number,
    private readonly timing: TechnicianTiming = DEFAULT_TIMING,
    private readonly log: (line: string) => void = () => {},
  ) {}

  start(): void {
    this.loop ??= this.run().catch((e: unknown) =>
      this.log(`technician stopped: ${e instanceof Error ? e.message : 'error'}`),
    );
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.loop;
  }

  /** Wall time for `ms` of technician time at this speed. */
  private scaled(ms: number): number {
    return Number.isFinite(this.speed) ? ms / this.speed : 0;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        resolve();
      }
      this.wake = done;
    });
  }

  private async run(): Promise<void> {
    const tick = Math.max(2, this.scaled(100));
    while (!this.stopped) {
      await this.sleep(tick);
      if (this.stopped || this.hostAttached()) continue;
      if (this.device.autonomousPhase === 'awaiting_departure' && this.bench.current) {
        // A reader left on the line (the last one a host drove): the device waits for it to go.
        await this.sleep(this.scaled(this.timing.lingerMs));
        if (
          !this.stopped &&
          !this.hostAttached() &&
          this.device.autonomousPhase === 'awaiting_departure' &&
          this.bench.current
        ) {
          this.bench.unplug();
          this.log('technician: unplugged the reader left on the line');
        }
        continue;
      }
      if (this.device.autonomousPhase !== 'awaiting_pd') continue;
      const target = this.nextReader();
      if (!target) continue;
      await this.sleep(this.scaled(this.timing.walkMs));
      if (this.stopped || this.hostAttached()) continue;
      this.bench.plugIn(target.key, target.stepIndex);
      this.log(`technician: plugged in the reader of slot ${target.slot} step ${target.stepIndex}`);
      await this.attend();
      this.visited.add(target.key);
      if (this.stopped || this.hostAttached()) continue; // the host's verbs decide what is on the line now
      await this.sleep(this.scaled(this.timing.lingerMs));
      if (this.stopped || this.hostAttached()) continue;
      if (this.bench.current?.key === target.key) this.bench.unplug();
      this.log(`technician: unplugged it`);
    }
  }

  /** Waits until an attempt ended on the plugged-in reader, or patience ran out before one began. */
  private attend(): Promise<void> {
    return new Promise((resolve) => {
      let began = false;
      const finish = () => {
        clearInterval(poll);
        clearTimeout(giveUp);
        off();
        resolve();
      };
      const off = this.device.onEvent((ev) => {
        if (ev.type !== 'edge' || !('slot' in ev.edge.queue)) return;
        if (ev.edge.state === 'attempting') began = true;
        else if (began && (ev.edge.state === 'success' || ev.edge.state === 'failure')) finish();
      });
      const giveUp = setTimeout(
        () => {
          if (!began) finish();
        },
        Math.max(20, this.scaled(this.timing.patienceMs)),
      );
      const poll = setInterval(() => {
        if (this.stopped || (this.hostAttached() && !began)) finish();
      }, 20);
    });
  }

  /** The first pending step of the first ready slot whose reader this technician has not visited. */
  private nextReader(): { slot: number; stepIndex: number; key: string } | null {
    const list = this.device.listSlots();
    if (!list.ok) return null;
    for (const s of list.slots) {
      if (s.state !== 'ready') continue;
      const d = this.device.getSlot(s.index);
      if (!d.ok || !d.slot.sessionId) continue;
      const pending = d.slot.steps.filter((st) => st.state === 'pending');
      if (pending.length === 0) continue;
      const keyOf = (i: number) => readerKey({ slot: s.index }, d.slot.sessionId!, i);
      let next = pending.find((st) => !this.visited.has(keyOf(st.index)));
      if (!next) {
        // Every remaining reader was visited and is still pending (dead ones): go round again.
        for (const st of pending) this.visited.delete(keyOf(st.index));
        next = pending[0]!;
      }
      return { slot: s.index, stepIndex: next.index, key: keyOf(next.index) };
    }
    return null;
  }
}
