// The emulator's RS-485 world: one simulated line, the device's UART on it (paced), and the readers
// (simulated PDs) of the site. Each step has its own reader, created factory-fresh on first use and
// kept for the life of the process (a retry meets the reader the last attempt left behind). Only one
// reader hangs on the line at a time, as on a technician's bench.

import { buildFrame, osdp_POLL, BROADCAST, OSDP_BAUDS, toHex } from '@osprio/osdp';
import { SimBus, SimLine } from '@osprio/bus';
import type { PdFlash, Port } from '@osprio/bus';
import type { QueueRef } from '@osprio/link';
import { SimPd, factoryPdConfig } from '@osprio/bus';
import type { PresenceProbe } from '../autonomous.ts';
import type { StepExecutor, StepJob } from '../scheduler.ts';
import { faultsFor, readerSetup } from './faults.ts';
import type { FaultPlan } from './faults.ts';
import { PacedBus } from './paced-bus.ts';

/** How long discovery listens at each baud (bus ms): a `slow` reader answers within 250 ms by default. */
export const PROBE_WINDOW_MS = 300;

export interface BenchOptions {
  faults: FaultPlan;
  /** Readers on the site: steps with index ≥ pds find nobody at the end of the cable. */
  pds: number;
  /** Bus ms per wall ms (Infinity = as fast as possible). */
  speed: number;
  /** Seeds the line (garbage, noise) and the readers' nonces. */
  seed?: number;
  /**
   * Where the readers keep their flash when it must outlive this process (the soak SIGKILLs the
   * device): readers are separate hardware, so a device restart does not make them factory-fresh.
   * Default: in memory, for the life of the process.
   */
  readerFlash?: ReaderFlashStore;
  /** Noise of the whole line (each byte corrupted with this probability), on top of a reader's own. */
  lineByteErrorRate?: number;
}

export interface ReaderFlashStore {
  load(key: string): Readonly<PdFlash> | undefined;
  /** Called synchronously whenever a reader's flash changes (COMSET or KEYSET applied). */
  save(key: string, flash: Readonly<PdFlash>): void;
}

export interface Reader {
  readonly key: string;
  readonly stepIndex: number;
  readonly pd: SimPd | null;
}

interface Held extends Reader {
  port: Port | null;
  /** A noisy drop cable belongs to the line attachment, not to the PD. */
  byteErrorRate: number;
}

/** The reader identity of a job: a new plan (another sessionId) is another site. */
export function readerKey(queue: QueueRef, sessionId: string, stepIndex: number): string {
  return `${'slot' in queue ? `slot${queue.slot}` : 'live'}:${sessionId}#${stepIndex}`;
}

function parseReaderKey(key: string): { queue: QueueRef; sessionId: string } | null {
  const m = /^(?:slot(\d+)|live):(.+)#\d+$/.exec(key);
  if (!m) return null;
  return { queue: m[1] !== undefined ? { slot: Number(m[1]) } : { live: m[2]! }, sessionId: m[2]! };
}

/** What a simulated reader holds in its flash (test hook: key material inside, never log it). */
export interface ReaderState {
  stepIndex: number;
  sessionId: string;
  queue: QueueRef;
  address: number;
  baud: number;
  /** The SCBK it was keyed with, lowercase hex; null = never keyed. */
  scbkHex: string | null;
  installMode: boolean;
}

export class Bench {
  readonly line: SimLine;
  readonly bus: PacedBus;
  private readonly readers = new Map<string, Held>();
  private onLine: Held | null = null;
  private nextName = 1;

  constructor(private readonly opts: BenchOptions) {
    this.line = new SimLine({ seed: opts.seed ?? 1, traceLimit: 64 });
    this.bus = new PacedBus(
      new SimBus(this.line, { baud: 9600, nodeName: 'provisioner' }),
      opts.speed,
    );
  }

  /** The reader currently on the line, if any. */
  get current(): Reader | null {
    return this.onLine;
  }

  /** Hangs the reader of `key` on the line (taking down whichever was there). */
  plugIn(key: string, stepIndex: number): Reader {
    let r = this.readers.get(key);
    if (!r) {
      const made = stepIndex < this.opts.pds ? this.makePd(stepIndex, key) : null;
      r = {
        key,
        stepIndex,
        pd: made?.pd ?? null,
        port: null,
        byteErrorRate: made?.byteErrorRate ?? 0,
      };
      this.readers.set(key, r);
      if (this.readers.size > 4096) this.forgetOldest();
    }
    if (this.onLine === r) return r;
    this.unplug();
    const noise = 1 - (1 - r.byteErrorRate) * (1 - (this.opts.lineByteErrorRate ?? 0));
    if (r.pd)
      r.port = this.line.attach(r.pd, { turnaroundMs: r.pd.turnaroundMs, byteErrorRate: noise });
    this.onLine = r;
    return r;
  }

  /** Takes the current reader off the line. */
  unplug(): void {
    this.onLine?.port?.detach();
    if (this.onLine) this.onLine.port = null;
    this.onLine = null;
  }

  /**
   * The device's executor: an attended job (a host verb or quick-step) gets its own step's reader
   * plugged in first; a job of the autonomous runner runs on whatever the technician connected.
   */
  executor(run: StepExecutor, isAutonomous: () => boolean): StepExecutor {
    return (job: StepJob, ctx) => {
      if (!isAutonomous())
        this.plugIn(readerKey(job.queue, job.sessionId, job.stepIndex), job.stepIndex);
      return run(job, ctx);
    };
  }

  /**
   * Discovery as the runner needs it: a broadcast osdp_POLL (SQN 0) at each standard baud; anything
   * heard back means a reader is there. Runs on the real (simulated) bus, so it costs bus time.
   */
  readonly probe: PresenceProbe = async (signal) => {
    for (const baud of OSDP_BAUDS) {
      if (signal.aborted) return false;
      await this.bus.setBaud(baud);
      this.bus.flushInput();
      await this.bus.write(
        buildFrame({
          address: BROADCAST,
          reply: false,
          sqn: 0,
          check: 'crc',
          code: osdp_POLL,
          data: new Uint8Array(0),
        }),
      );
      const heard = await this.bus.read(this.bus.now() + PROBE_WINDOW_MS);
      if (heard) {
        // Let the rest of the reply pass so it is not mistaken for the next command's answer.
        await this.bus.sleep(this.bus.now() + 50);
        this.bus.flushInput();
        return true;
      }
    }
    return false;
  };

  /**
   * For tests only (never logged, never on the link): what every reader met so far holds, so a key
   * export can be checked against the PDs themselves.
   */
  readerStates(): ReaderState[] {
    const out: ReaderState[] = [];
    for (const r of this.readers.values()) {
      const id = parseReaderKey(r.key);
      if (!r.pd || !id) continue;
      const f = r.pd.stored;
      out.push({
        stepIndex: r.stepIndex,
        ...id,
        address: f.address,
        baud: f.baud,
        scbkHex: f.scbk ? toHex(f.scbk) : null,
        installMode: f.installMode,
      });
    }
    return out;
  }

  async close(): Promise<void> {
    this.unplug();
    await this.bus.close();
  }

  private makePd(stepIndex: number, key: string): { pd: SimPd; byteErrorRate: number } {
    const setup = readerSetup(faultsFor(this.opts.faults, stepIndex));
    const noisy = setup.faults.find((f) => f.kind === 'noisy');
    const store = this.opts.readerFlash;
    const saved = store?.load(key);
    const pd: SimPd = new SimPd({
      name: `reader-${this.nextName++}`,
      faults: setup.faults,
      config: factoryPdConfig({
        ...(setup.address !== undefined ? { address: setup.address } : {}),
        ...(setup.baud !== undefined ? { baud: setup.baud } : {}),
        ...(saved
          ? {
              address: saved.address,
              baud: saved.baud,
              scbk: saved.scbk?.slice() ?? null,
              installMode: saved.installMode,
            }
          : {}),
        random: { seed: (this.opts.seed ?? 1) * 1000 + stepIndex },
      }),
      ...(store
        ? {
            onEvent: (e) =>
              e.type === 'comset_applied' || e.type === 'keyset_applied'
                ? store.save(key, pd.stored)
                : undefined,
          }
        : {}),
    });
    return { pd, byteErrorRate: noisy?.kind === 'noisy' ? noisy.byteErrorRate : 0 };
  }

  private forgetOldest(): void {
    for (const [k, r] of this.readers) {
      if (r !== this.onLine) {
        this.readers.delete(k);
        return;
      }
    }
  }
}
