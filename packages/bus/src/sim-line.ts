// Simulated RS-485 line: a discrete-event simulation on a virtual clock. Nothing here uses real
// timers; time moves only when someone runs the line (the ACU's Bus calls do), so hours of bus
// time pass in milliseconds and every run with the same seed is identical.
//
// Physics modelled (the parts that matter to a provisioner):
// - a byte takes 10 bit-times at the sender's baud;
// - a receiver hears the bytes only if its baud equals the sender's at both the start and the end
//   of the transmission; otherwise it hears deterministic garbage (a different byte count);
// - half-duplex: two transmissions that overlap in time collide and every receiver hears garbage;
// - a node answers after its turnaround; a node can be told its own transmission ended (to switch
//   baud after osdp_COM, as a PD does);
// - optional per-node noise: each byte to or from that node is corrupted with a probability.

import { toHex } from '@osprio/osdp';
import { EventQueue } from './event-queue.ts';
import { Prng } from './prng.ts';

/**
 * Virtual time resolution: 1/1152 ms. At this resolution the bit time of every OSDP rate
 * (9600…230400, and 460800) is a whole number of ticks, so bus time is exact arithmetic and
 * never drifts over hours of simulated traffic.
 */
export const TICKS_PER_MS = 1152;

export function msToTicks(ms: number): number {
  return Math.round(ms * TICKS_PER_MS);
}

export function ticksToMs(ticks: number): number {
  return ticks / TICKS_PER_MS;
}

/** Ticks for one 10-bit character at `baud` (rounded up for rates that do not divide evenly). */
export function charTicks(baud: number): number {
  return Math.ceil((10 * 1000 * TICKS_PER_MS) / baud);
}

/** Something a node wants to send: `delayMs` after the event that triggered it (default: its turnaround). */
export interface Transmit {
  bytes: Uint8Array;
  delayMs?: number;
}

export type NodeAction = Transmit | readonly Transmit[] | null | undefined | void;

/** A device on the line (a simulated PD, a scripted responder, the ACU's end). */
export interface LineNode {
  /** Unique on the line; appears in the trace. */
  readonly name: string;
  /** The node's current UART rate (it may change it at any time, e.g. after osdp_COM). */
  readonly baud: number;
  /** Bytes heard, clean or garbage (a real UART cannot tell), whose last byte ended at `at` ms. */
  receive(bytes: Uint8Array, at: number): NodeAction;
  /** The node's own transmission has fully left the wire at `at` ms. */
  transmitted?(bytes: Uint8Array, at: number): NodeAction;
}

export interface AttachOptions {
  /** Default delay between the end of what a node heard and the start of its answer. Default 2 ms. */
  turnaroundMs?: number;
  /** Probability that each byte to or from this node is corrupted (a noisy drop cable). Default 0. */
  byteErrorRate?: number;
}

export type Heard = 'clean' | 'corrupted' | 'garbage';

export interface TraceReception {
  node: string;
  /** The receiver's baud at the end of the transmission. */
  baud: number;
  heard: Heard;
  /** What that receiver was handed. */
  bytes: Uint8Array;
}

/** One transmission, as recorded for tests and diagnosis. Times are bus ms. */
export interface TraceEntry {
  seq: number;
  sender: string;
  baud: number;
  bytes: Uint8Array;
  start: number;
  end: number;
  /** Overlapped another transmission (half-duplex collision). */
  collided: boolean;
  receivers: TraceReception[];
}

export interface SimLineOptions {
  /** Seed for every random choice on the line (garbage, noise). Default 1. */
  seed?: number;
  /**
   * Keep at most this many trace entries, dropping the oldest. Default: unlimited — the trace is the
   * record of every frame. Set a cap only for runs too long to keep (benchmarks, a server left running).
   */
  traceLimit?: number;
}

/** A node's handle on the line. */
export interface Port {
  readonly name: string;
  /** Starts a transmission at `atMs` (default now), or when the node's previous one has ended. */
  transmit(bytes: Uint8Array, atMs?: number): { start: number; end: number };
  /** Bus ms at which this node's last scheduled transmission ends. */
  readonly busyUntil: number;
  detach(): void;
}

interface Attachment {
  node: LineNode;
  turnaroundTicks: number;
  byteErrorRate: number;
  noise: Prng;
  busyUntil: number; // ticks
  attached: boolean;
}

interface Tx {
  seq: number;
  sender: Attachment;
  baud: number;
  bytes: Uint8Array;
  start: number; // ticks
  end: number;
  collided: boolean;
  /** Receivers present at the start and their baud then (parallel arrays: cheaper than a Map). */
  startNodes: Attachment[];
  startBauds: number[];
}

export class SimLine {
  private clock = 0; // ticks
  private readonly queue = new EventQueue();
  private readonly nodes: Attachment[] = [];
  private readonly active = new Set<Tx>();
  private readonly garbage: Prng;
  private readonly prng: Prng;
  private readonly traceLimit: number;
  private readonly log: TraceEntry[] = [];
  private txSeq = 0;

  constructor(opts: SimLineOptions = {}) {
    this.prng = new Prng(opts.seed ?? 1);
    this.garbage = this.prng.fork('garbage');
    this.traceLimit = opts.traceLimit ?? Infinity;
    if (!(this.traceLimit >= 1))
      throw new RangeError(`sim line: traceLimit must be at least 1 (got ${opts.traceLimit})`);
  }

  get seed(): number {
    return this.prng.seed;
  }

  /** A seed for a node's own randomness (e.g. a PD's RND.B), derived from the line's seed and a label. */
  deriveSeed(label: string): number {
    return this.prng.fork(`seed:${label}`).u32();
  }

  /** Current bus time in ms. */
  now(): number {
    return ticksToMs(this.clock);
  }

  nowTicks(): number {
    return this.clock;
  }

  /** Every transmission so far (only the last traceLimit if a cap was set), in order of completion. */
  get trace(): readonly TraceEntry[] {
    return this.log.length > this.traceLimit ? this.log.slice(-this.traceLimit) : this.log;
  }

  clearTrace(): void {
    this.log.length = 0;
  }

  /** Nothing scheduled: the line is quiet and will stay so until someone transmits. */
  get idle(): boolean {
    return this.queue.size === 0;
  }

  attach(node: LineNode, opts: AttachOptions = {}): Port {
    if (this.nodes.some((a) => a.attached && a.node.name === node.name)) {
      throw new Error(`sim line: a node named "${node.name}" is already attached`);
    }
    const a: Attachment = {
      node,
      turnaroundTicks: msToTicks(opts.turnaroundMs ?? 2),
      byteErrorRate: opts.byteErrorRate ?? 0,
      noise: this.prng.fork(`noise:${node.name}`),
      busyUntil: 0,
      attached: true,
    };
    this.nodes.push(a);
    return {
      name: node.name,
      transmit: (bytes, atMs) => {
        const at = atMs === undefined ? this.clock : Math.max(this.clock, msToTicks(atMs));
        const tx = this.schedule(a, bytes, at);
        return { start: ticksToMs(tx?.start ?? at), end: ticksToMs(tx?.end ?? at) };
      },
      get busyUntil() {
        return ticksToMs(a.busyUntil);
      },
      detach: () => {
        a.attached = false;
        const i = this.nodes.indexOf(a);
        if (i >= 0) this.nodes.splice(i, 1);
      },
    };
  }

  /** Bus time (ms) of the next scheduled event, or Infinity when the line is quiet. */
  nextEventAt(): number {
    return ticksToMs(this.queue.peekAt());
  }

  /** Runs `fn` at bus time `atMs` (for node timers such as a reboot). */
  at(atMs: number, fn: () => void): void {
    this.queue.push(Math.max(this.clock, msToTicks(atMs)), fn);
  }

  /**
   * Processes events up to and including bus time `limit` (ticks). Stops early, with the clock at
   * the event just run, as soon as `stop()` returns true. Otherwise leaves the clock at `limit`.
   * Returns true if it stopped early.
   */
  runUntilTicks(limit: number, stop?: () => boolean): boolean {
    while (this.queue.peekAt() <= limit) {
      const e = this.queue.pop()!;
      this.clock = Math.max(this.clock, e.at);
      e.run();
      if (stop?.()) return true;
    }
    if (limit > this.clock && Number.isFinite(limit)) this.clock = limit;
    return false;
  }

  runUntil(ms: number, stop?: () => boolean): boolean {
    return this.runUntilTicks(msToTicks(ms), stop);
  }

  /** Runs until nothing is scheduled (at most `maxMs` of bus time); the clock stops at the last event. */
  settle(maxMs = 60_000): void {
    this.runUntilTicks(this.clock + msToTicks(maxMs), () => this.queue.size === 0);
  }

  /** Human-readable trace for failure messages. */
  formatTrace(entries: readonly TraceEntry[] = this.trace): string {
    return entries
      .map((e) => {
        const rx = e.receivers.map((r) => `${r.node}:${r.heard}`).join(' ');
        const flag = e.collided ? ' COLLISION' : '';
        return `${e.start.toFixed(3)}–${e.end.toFixed(3)} ms ${e.sender}@${e.baud} ${toHex(e.bytes)}${flag} [${rx}]`;
      })
      .join('\n');
  }

  private schedule(sender: Attachment, bytes: Uint8Array, at: number): Tx | undefined {
    if (bytes.length === 0 || !sender.attached) return undefined;
    const baud = sender.node.baud;
    const start = Math.max(at, sender.busyUntil);
    const end = start + bytes.length * charTicks(baud);
    const tx: Tx = {
      seq: this.txSeq++,
      sender,
      baud,
      bytes: bytes.slice(),
      start,
      end,
      collided: false,
      startNodes: [],
      startBauds: [],
    };
    sender.busyUntil = end;
    this.queue.push(start, () => this.begin(tx));
    return tx;
  }

  private begin(tx: Tx): void {
    for (const other of this.active) {
      other.collided = true;
      tx.collided = true;
    }
    this.active.add(tx);
    for (const a of this.nodes) {
      if (a === tx.sender) continue;
      tx.startNodes.push(a);
      tx.startBauds.push(a.node.baud);
    }
    this.queue.push(tx.end, () => this.finish(tx));
  }

  private finish(tx: Tx): void {
    this.active.delete(tx);
    const at = ticksToMs(tx.end);
    const receptions: { a: Attachment; bytes: Uint8Array }[] = [];
    const entry: TraceEntry = {
      seq: tx.seq,
      sender: tx.sender.node.name,
      baud: tx.baud,
      bytes: tx.bytes,
      start: ticksToMs(tx.start),
      end: at,
      collided: tx.collided,
      receivers: [],
    };
    for (const a of this.nodes) {
      if (a === tx.sender) continue;
      const rxBaud = a.node.baud;
      const i = tx.startNodes.indexOf(a);
      const sameBaud = i >= 0 && tx.startBauds[i] === tx.baud && rxBaud === tx.baud;
      let heard: Heard;
      let bytes: Uint8Array;
      if (tx.collided || !sameBaud) {
        heard = 'garbage';
        bytes = this.makeGarbage(tx.bytes.length, tx.baud, rxBaud, tx.collided);
      } else {
        bytes = tx.bytes.slice();
        const p = 1 - (1 - a.byteErrorRate) * (1 - tx.sender.byteErrorRate);
        heard = corrupt(bytes, p, a.noise) ? 'corrupted' : 'clean';
      }
      entry.receivers.push({ node: a.node.name, baud: rxBaud, heard, bytes });
      receptions.push({ a, bytes });
    }
    this.record(entry);
    // The sender learns first that its transmission ended (a PD switches baud here), then the
    // receivers get what they heard; both may schedule transmissions.
    if (tx.sender.attached)
      this.enqueue(tx.sender, tx.sender.node.transmitted?.(tx.bytes.slice(), at));
    for (const { a, bytes } of receptions) {
      if (a.attached) this.enqueue(a, a.node.receive(bytes, at));
    }
  }

  private enqueue(a: Attachment, action: NodeAction): void {
    if (!action) return;
    const list: readonly Transmit[] = Array.isArray(action) ? action : [action as Transmit];
    for (const t of list) {
      const delay = t.delayMs === undefined ? a.turnaroundTicks : msToTicks(Math.max(0, t.delayMs));
      this.schedule(a, t.bytes, this.clock + delay);
    }
  }

  private makeGarbage(n: number, txBaud: number, rxBaud: number, collided: boolean): Uint8Array {
    // A receiver at another rate frames a different number of characters; a collision yields
    // roughly as many characters as were sent. The content is noise either way.
    const count = collided ? n : Math.min(n * 8, Math.max(1, Math.round((n * rxBaud) / txBaud)));
    return this.garbage.bytes(count);
  }

  private record(e: TraceEntry): void {
    this.log.push(e);
    // Trim in batches so a long run does not pay a splice per transmission.
    if (this.log.length >= 2 * this.traceLimit)
      this.log.splice(0, this.log.length - this.traceLimit);
  }
}

/** Flips one random bit in each byte with probability p; returns whether anything changed. */
function corrupt(bytes: Uint8Array, p: number, prng: Prng): boolean {
  if (p <= 0) return false;
  let changed = false;
  for (let i = 0; i < bytes.length; i++) {
    if (prng.chance(p)) {
      bytes[i]! ^= 1 << prng.int(8);
      changed = true;
    }
  }
  return changed;
}
