// The provisioner device: slots in flash, verbs, progress edges, the one bus, live quick-steps and
// the offline-autonomous runner. A link server calls this facade; every reply is immediate and every
// change is journaled (fsync'd) before it is acknowledged or streamed.

import { queueKey } from '@osprio/link';
import type {
  DeviceIdentity,
  ProgressEdge,
  ProvisionerStatus,
  QueueRef,
  SlotDetail,
  SlotSummary,
  StepRecord,
  StepTarget,
  Verb,
} from '@osprio/link';
import { DEFAULT_STEP_TIMEOUT_MS } from '@osprio/provisioner';
import type { Profile, StepOptions } from '@osprio/provisioner';
import { toHex } from '@osprio/osdp';
import { onEnd, onInterrupted, onStage } from './attempts.ts';
import type { StepChange } from './attempts.ts';
import { AutonomousRunner } from './autonomous.ts';
import { systemClock } from './clock.ts';
import type { Clock } from './clock.ts';
import { SlotJournal } from './journal.ts';
import type { LoadReport } from './journal.ts';
import { LiveSession } from './live.ts';
import { lockStateDir } from './lock.ts';
import { openStateDir } from './state-dir.ts';
import type { DeviceEvent, DeviceOptions, SinceResult } from './options.ts';
import { liveQueue, slotQueue } from './queues.ts';
import type { Queue, QueueNotify } from './queues.ts';
import { BusScheduler } from './scheduler.ts';
import type { StepJob } from './scheduler.ts';
import { detail, slotState, summarize } from './slot-model.ts';
import {
  checkBaud,
  checkAddress,
  checkHeader,
  checkOptions,
  checkSeed,
  checkSeedStrength,
  checkSessionId,
  checkStepChunk,
  checkStepsFitHeader,
} from './validate.ts';
import { fieldsAfterVerb, reject, VERBS, verbLegal } from './verbs.ts';
import type { Result } from './verbs.ts';

export type { DeviceEvent, DeviceOptions, SinceResult } from './options.ts';

export class Device {
  readonly identity: DeviceIdentity;
  readonly status: ProvisionerStatus;
  /** What loading each slot's journal found (torn tails cut off). */
  readonly loadReports: LoadReport[] = [];
  private readonly journals: SlotJournal[] = [];
  private readonly scheduler: BusScheduler;
  private readonly clock: Clock;
  private readonly listeners = new Set<(ev: DeviceEvent) => void>();
  /** step key ("slot:2#5", "live:<id>#0") → the scheduler id of its current attempt */
  private readonly inFlight = new Map<string, number>();
  private live: LiveSession | null = null;
  private hostAttached: boolean;
  private readonly runner: AutonomousRunner | null = null;
  private readonly edgeLimit: number;
  private readonly maxLiveSteps: number;
  private closed = false;
  private unlock: (() => void) | null = null;

  private constructor(opts: DeviceOptions) {
    this.identity = { ...opts.config.identity };
    this.status = { ...opts.config.status };
    this.clock = opts.clock ?? systemClock;
    this.edgeLimit = opts.edgeLimit ?? 1024;
    this.maxLiveSteps = opts.maxLiveSteps ?? 1024;
    this.hostAttached = opts.hostAttached ?? false;
    this.scheduler = new BusScheduler(opts.executor, this.clock, {
      defaultTimeoutMs: opts.defaultTimeoutMs ?? DEFAULT_STEP_TIMEOUT_MS, // the engine's, so both agree
      watchdogGraceMs: opts.watchdogGraceMs ?? 10_000,
      busSpeed: opts.busSpeed ?? 1,
    });
    if (this.status.slots) {
      if (!opts.stateDir) throw new Error('a device with slots needs a stateDir');
      openStateDir(opts.stateDir, opts.durable ?? true);
      this.unlock = lockStateDir(opts.stateDir);
      const jopts = {
        durable: opts.durable ?? true,
        compactEvery: opts.compactEvery ?? 256,
        edgeLimit: this.edgeLimit,
        ...(opts.log ? { log: opts.log } : {}),
      };
      try {
        for (let i = 0; i < this.status.slotCount; i++) {
          const { journal, report } = SlotJournal.open(opts.stateDir, i, jopts);
          this.journals.push(journal);
          this.loadReports.push(report);
        }
      } catch (e) {
        for (const j of this.journals) j.close();
        this.unlock();
        throw e;
      }
    }
    if (this.status.offlineAutonomous && opts.probe) {
      this.runner = new AutonomousRunner(
        {
          nextPending: () => this.nextPending(),
          runStep: (slot, stepIndex) => this.accept(this.slotQueue(slot), stepIndex, 'try'),
          busIdle: () => this.scheduler.idle(),
          withBus: (fn) => this.scheduler.withBus(fn),
        },
        { probe: opts.probe, clock: this.clock, pollMs: opts.pollMs ?? 500 },
      );
    }
  }

  /** Opens the device on its state dir: replays the journals, ends interrupted attempts, starts the runner. */
  static open(opts: DeviceOptions): Device {
    const d = new Device(opts);
    d.recoverInterrupted();
    if (!d.hostAttached) d.runner?.start();
    return d;
  }

  // ── events ────────────────────────────────────────────────────────────────────────────────────

  /** Every edge (slots and live) and every slot summary change. Returns an unsubscribe function. */
  onEvent(listener: (ev: DeviceEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(ev: DeviceEvent): void {
    for (const l of [...this.listeners]) {
      try {
        l(ev);
      } catch {
        // a listener (a link session) failing must not break the device
      }
    }
  }

  // ── slots ─────────────────────────────────────────────────────────────────────────────────────

  listSlots(): Result<{ slots: SlotSummary[] }> {
    if (!this.status.slots) return reject('not_supported', 'this device has no slots');
    return { ok: true, slots: this.journals.map((j) => summarize(j.slot)) };
  }

  getSlot(slot: number): Result<{ slot: SlotDetail }> {
    const j = this.journal(slot);
    if (!j.ok) return j;
    return { ok: true, slot: detail(j.journal.slot) };
  }

  createSlot(slot: number, header: Profile, sessionId: string, seed: Uint8Array): Result {
    const j = this.journal(slot);
    if (!j.ok) return j;
    if (j.journal.slot.phase !== 'empty')
      return reject('slot_not_empty', `slot ${slot} is ${slotState(j.journal.slot)}, not empty`);
    const bad =
      checkHeader(header, this.status.maxStepsPerSlot) ??
      checkSessionId(sessionId) ??
      checkSeed(seed);
    if (bad) return reject('bad_request', bad);
    const weak = checkSeedStrength(seed);
    if (weak) return reject('invalid_params', weak);
    j.journal.append({
      t: 'create',
      header: structuredClone(header),
      sessionId: sessionId.toLowerCase(),
      seed: toHex(seed),
    });
    this.emitSlot(slot);
    return { ok: true };
  }

  uploadSteps(slot: number, steps: StepTarget[]): Result<{ uploaded: number }> {
    const j = this.journal(slot);
    if (!j.ok) return j;
    const s = j.journal.slot;
    if (s.phase !== 'staging')
      return reject('slot_not_staging', `slot ${slot} is ${slotState(s)}, not staging`);
    // The header's deviceCount is the plan's size: "all steps uploaded" means exactly that many.
    const bad = checkStepChunk(
      steps,
      s.steps.map((x) => x.address),
      Math.min(this.status.maxStepsPerSlot, s.header!.deviceCount),
    );
    if (bad) return reject('bad_request', bad);
    const unfit = checkStepsFitHeader(steps, s.header!);
    if (unfit) return reject('invalid_params', unfit);
    j.journal.append({
      t: 'steps',
      steps: steps.map((t) => ({ index: t.index, address: t.address, baud: t.baud })),
    });
    this.emitSlot(slot);
    return { ok: true, uploaded: s.steps.length };
  }

  sealSlot(slot: number, stepCount: number): Result<{ state: SlotSummary['state'] }> {
    const j = this.journal(slot);
    if (!j.ok) return j;
    const s = j.journal.slot;
    if (s.phase !== 'staging')
      return reject('slot_not_staging', `slot ${slot} is ${slotState(s)}, not staging`);
    if (s.steps.length !== s.header!.deviceCount)
      return reject('bad_request', `${s.steps.length} of ${s.header!.deviceCount} steps uploaded`);
    if (stepCount !== s.steps.length)
      return reject(
        'bad_request',
        `seal count ${stepCount} does not match ${s.steps.length} uploaded steps`,
      );
    j.journal.append({ t: 'seal' });
    this.emitSlot(slot);
    return { ok: true, state: slotState(s) };
  }

  /** Legal in any state: cancels the slot's attempts (queued or running) and empties it. */
  deleteSlot(slot: number): Result {
    const j = this.journal(slot);
    if (!j.ok) return j;
    this.cancelQueue(`${queueKey({ slot })}#`);
    j.journal.append({ t: 'delete' });
    this.emitSlot(slot);
    return { ok: true };
  }

  // ── verbs and edges ───────────────────────────────────────────────────────────────────────────

  /** try / retry / skip / reset on a step of a slot or of the live queue. The outcome arrives as edges. */
  verb(queue: QueueRef, stepIndex: number, verb: Verb): Result {
    if (!VERBS.includes(verb)) return reject('bad_request', 'unknown verb');
    const q = this.queue(queue);
    if (!q.ok) return q;
    if ('slot' in queue) {
      const st = slotState(this.journals[queue.slot]!.slot);
      if (st !== 'ready' && st !== 'complete')
        return reject('slot_not_ready', `slot ${queue.slot} is ${st}`);
    }
    const step = Number.isInteger(stepIndex) ? q.queue.steps()[stepIndex] : undefined;
    if (!step) return reject('unknown_step', `no step ${String(stepIndex)}`);
    if (!verbLegal(step.state, verb))
      return reject('illegal_state', `${verb} is not legal from ${step.state}`);
    this.accept(q.queue, stepIndex, verb);
    return { ok: true };
  }

  /**
   * Stored edges after `seq`, or resync when they are no longer all kept. Seq 0 means "seen nothing
   * of this plan": a slot index reused after delete streams its new plan from its first edge (seqs
   * only grow, so 1..base belonged to a deleted plan and a host holding one of those re-reads).
   */
  since(queue: QueueRef, seq: number): Result<SinceResult> {
    const q = this.queue(queue);
    if (!q.ok) return q;
    const { floor, base, edges } = q.queue.edgeWindow();
    const last = q.queue.lastSeq();
    const from = seq === 0 ? base : seq;
    if (!Number.isInteger(seq) || from < floor || from > last)
      return { ok: true, resync: true, oldestSeq: floor + 1, lastSeq: last };
    return { ok: true, resync: false, edges: edges.filter((e) => e.seq > from) };
  }

  /**
   * Replays stored edges after `sinceSeq` then streams new ones of that queue to `listener` (no gap:
   * both happen in one turn). On resync nothing is subscribed: re-read the queue, subscribe again.
   */
  subscribe(
    queue: QueueRef,
    sinceSeq: number,
    listener: (edge: ProgressEdge) => void,
  ): Result<SinceResult & { unsubscribe: () => void }> {
    const s = this.since(queue, sinceSeq);
    if (!s.ok) return s;
    if (s.resync) return { ...s, unsubscribe: () => {} };
    const key = queueKey(queue);
    const unsubscribe = this.onEvent((ev) => {
      if (ev.type === 'edge' && queueKey(ev.edge.queue) === key) listener(ev.edge);
    });
    return { ...s, unsubscribe };
  }

  // ── live quick-step ───────────────────────────────────────────────────────────────────────────

  /** Opens the live queue with a host-held seed (kept in memory only). Replaces a previous session. */
  openLive(sessionId: string, seed: Uint8Array): Result {
    if (!this.status.liveQuickStep)
      return reject('not_supported', 'this device has no live quick-step');
    const bad = checkSessionId(sessionId) ?? checkSeed(seed);
    if (bad) return reject('bad_request', bad);
    const weak = checkSeedStrength(seed);
    if (weak) return reject('invalid_params', weak);
    this.closeLive();
    this.live = new LiveSession(sessionId.toLowerCase(), seed, this.edgeLimit);
    this.emit({ type: 'live', sessionId: this.live.sessionId });
    return { ok: true };
  }

  /** Cancels the live queue's attempts and forgets its seed. */
  closeLive(): void {
    if (!this.live) return;
    this.cancelQueue(`${queueKey({ live: this.live.sessionId })}#`);
    this.live.close();
    this.live = null;
    this.emit({ type: 'live', sessionId: null });
  }

  quickStep(address: number, baud: number, options: StepOptions): Result<{ stepIndex: number }> {
    if (!this.live) return reject('no_live_session', 'open a live session first');
    const bad = checkAddress(address) ?? checkBaud(baud) ?? checkOptions(options);
    if (bad) return reject('bad_request', bad);
    if (this.live.steps.length >= this.maxLiveSteps)
      return reject('queue_full', `a live session holds at most ${this.maxLiveSteps} quick-steps`);
    const stepIndex = this.live.add(address, baud, structuredClone(options));
    this.accept(this.liveQueue(this.live), stepIndex, 'try');
    return { ok: true, stepIndex };
  }

  getLive(): Result<{ sessionId: string; steps: StepRecord[]; lastSeq: number }> {
    if (!this.live) return reject('no_live_session', 'no live session is open');
    return {
      ok: true,
      sessionId: this.live.sessionId,
      steps: this.live.records(),
      lastSeq: this.live.lastSeq,
    };
  }

  // ── host attachment and the autonomous runner ─────────────────────────────────────────────────

  /** A host session began: stop autonomous work; resolves once an autonomous attempt in flight ended. */
  attachHost(): Promise<void> {
    this.hostAttached = true;
    return this.runner?.stop() ?? Promise.resolve();
  }

  /** The host let go (or its link dropped): close the live session, resume autonomous work. */
  detachHost(): void {
    this.hostAttached = false;
    this.closeLive();
    if (!this.closed) this.runner?.start();
  }

  get autonomousPhase(): AutonomousRunner['phase'] {
    return this.runner?.phase ?? 'stopped';
  }

  /** Resolves when nothing is running or queued on the bus. */
  busIdle(): Promise<void> {
    return this.scheduler.idle();
  }

  /** Powers off: in-flight attempts are abandoned (they read as interrupted on the next open). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const stopping = this.runner?.stop();
    for (const id of this.inFlight.values()) this.scheduler.cancel(id);
    this.inFlight.clear();
    await stopping;
    await this.scheduler.idle();
    this.live?.close();
    this.live = null;
    for (const j of this.journals) j.close();
    this.unlock?.();
  }

  // ── internals ─────────────────────────────────────────────────────────────────────────────────

  private journal(slot: number): Result<{ journal: SlotJournal }> {
    if (!this.status.slots) return reject('not_supported', 'this device has no slots');
    if (this.closed) return reject('not_supported', 'device is closed');
    const journal = Number.isInteger(slot) ? this.journals[slot] : undefined;
    if (!journal) return reject('unknown_slot', `no slot ${String(slot)}`);
    return { ok: true, journal };
  }

  private queue(ref: QueueRef): Result<{ queue: Queue }> {
    if ('slot' in ref) {
      const j = this.journal(ref.slot);
      return j.ok ? { ok: true, queue: this.slotQueue(ref.slot) } : j;
    }
    if (!this.live || this.live.sessionId !== String(ref.live).toLowerCase())
      return reject('no_live_session', 'no such live session');
    return { ok: true, queue: this.liveQueue(this.live) };
  }

  private slotQueue(index: number): Queue {
    return slotQueue(this.journals[index]!, this.notify);
  }

  private liveQueue(l: LiveSession): Queue {
    return liveQueue(l, this.notify);
  }

  private readonly notify: QueueNotify = {
    edge: (edge) => this.emit({ type: 'edge', edge }),
    slotStateChanged: (index) => this.emitSlot(index),
  };

  private change(q: Queue, stepIndex: number, change: StepChange): void {
    const edge: ProgressEdge = {
      queue: q.ref,
      seq: q.lastSeq() + 1,
      stepIndex,
      ...change.fields,
      at: this.clock.now(),
    };
    q.commit(stepIndex, change, edge);
  }

  /** Applies an accepted verb; for try/retry queues the attempt and returns when it has settled. */
  private accept(q: Queue, stepIndex: number, verb: Verb): Promise<void> | null {
    const key = `${q.key}#${stepIndex}`;
    const step = q.steps()[stepIndex]!;
    if (verb === 'reset') this.cancelAttempt(key);
    const completed = verb === 'skip' ? step.completed : [];
    this.change(q, stepIndex, {
      fields: fieldsAfterVerb(step, verb),
      completed,
      seenAtBaud: step.seenAtBaud,
    });
    if (verb !== 'try' && verb !== 'retry') return null;

    const job: StepJob = {
      queue: q.ref,
      stepIndex,
      address: step.address,
      baud: step.baud,
      options: q.options(stepIndex),
      seed: q.seed().slice(),
      sessionId: q.sessionId(),
      ...(step.seenAtBaud !== null ? { lastSeenBaud: step.seenAtBaud } : {}),
    };
    const current = () => this.inFlight.get(key) === id;
    const { id, settled } = this.scheduler.enqueue(job, {
      onStage: (ev) => {
        if (current()) this.change(q, stepIndex, onStage(q.steps()[stepIndex]!, ev));
      },
      onEnd: (end) => {
        if (!current()) return;
        this.inFlight.delete(key);
        this.change(q, stepIndex, onEnd(q.steps()[stepIndex]!, end));
      },
    });
    this.inFlight.set(key, id);
    return settled;
  }

  private cancelAttempt(key: string): void {
    const id = this.inFlight.get(key);
    if (id === undefined) return;
    this.inFlight.delete(key);
    this.scheduler.cancel(id);
  }

  private cancelQueue(prefix: string): void {
    for (const key of [...this.inFlight.keys()])
      if (key.startsWith(prefix)) this.cancelAttempt(key);
  }

  /** On open nothing runs yet, so every attempting step was cut off by a restart. */
  private recoverInterrupted(): void {
    this.journals.forEach((j, slot) => {
      const q = this.slotQueue(slot);
      for (const step of j.slot.steps)
        if (step.state === 'attempting') this.change(q, step.index, onInterrupted(step));
    });
  }

  private nextPending(): { slot: number; stepIndex: number } | null {
    for (const j of this.journals) {
      if (slotState(j.slot) !== 'ready') continue;
      const step = j.slot.steps.find((s) => s.state === 'pending');
      if (step) return { slot: j.slot.index, stepIndex: step.index };
    }
    return null;
  }

  private emitSlot(slot: number): void {
    this.emit({ type: 'slot', slot: summarize(this.journals[slot]!.slot) });
  }
}
