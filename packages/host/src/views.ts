// Open queues of a device session: a slot's rows (SlotView) and the live quick-step queue
// (LiveView). Both hold a QueueSnapshot driven by rowsReducer; the session feeds them the link's
// edges and re-syncs them after every (re)attach.

import { MAX_STEPS_PER_UPLOAD } from '@osprio/link';
import type {
  LinkClient,
  ProgressEdge,
  SlotDetail,
  StepOptions,
  Verb,
  VerbParams,
} from '@osprio/link';
import { wipe } from '@osprio/osdp';
import { HostError, toHostError } from './errors.ts';
import { buildKeyFile, type ExportFormat, type KeyFile } from './key-file.ts';
import {
  emptySnapshot,
  rowsReducer,
  slotRead,
  type QueueSnapshot,
  type RowsAction,
} from './rows.ts';

export { MAX_STEPS_PER_UPLOAD };

export interface VerbAllResult {
  accepted: number;
  rejected: { stepIndex: number; message: string }[];
}

export interface QueueView {
  readonly snapshot: QueueSnapshot;
  /** Called after every change, with the new snapshot; a replay batch (thousands of backfilled edges
   *  after a reconnect) is one change. Returns an unsubscribe. */
  onChange(listener: (s: QueueSnapshot) => void): () => void;
  /** Called once per edge the view applies (a replayed one is not applied again), in seq order, after
   *  the onChange that includes it;
   *  e.g. for printing each stage as it happens. Edges a read covers (after a resync) are not seen
   *  one by one. Returns an unsubscribe. */
  onEdge(listener: (e: ProgressEdge) => void): () => void;
  /** Marks the row 'requested', sends the verb; rejects with HostError(device's code, device's reason). */
  verb(stepIndex: number, verb: Verb): Promise<void>;
  /** The verb on every row that is pending (or failed), one after another. */
  verbAll(verb: Verb, which: 'pending' | 'failed'): Promise<VerbAllResult>;
  /** Re-reads the queue from the device (slots; a live queue has nothing to re-read). */
  refresh(): Promise<void>;
  /** Stops following the queue (unsubscribes; a live view also closes the live session and wipes its seed). */
  close(): void;
  readonly closed: boolean;
}

export interface SlotView extends QueueView {
  readonly slot: number;
}

export interface LiveView extends QueueView {
  readonly sessionId: string;
  /** True once the device's live session is gone (link lost or view closed): no more quick-steps,
   *  but the successful ones can still be exported until close(). */
  readonly ended: boolean;
  quickStep(address: number, baud: number, options: StepOptions): Promise<number>;
  /** The successful quick-steps so far (HostError 'export_unavailable' when there are none). */
  exportSuccessful(format: ExportFormat): Promise<KeyFile>;
}

/** What a view needs from its session. */
export interface ViewHost {
  /** The attached link, or HostError 'not_attached'. */
  link(): LinkClient;
  forget(view: QueueViewBase): void;
}

export abstract class QueueViewBase implements QueueView {
  private snap: QueueSnapshot;
  private readonly listeners = new Set<(s: QueueSnapshot) => void>();
  private readonly edgeListeners = new Set<(e: ProgressEdge) => void>();
  protected closed_ = false;

  constructor(
    protected readonly host: ViewHost,
    initial: QueueSnapshot,
  ) {
    this.snap = initial;
  }

  get snapshot(): QueueSnapshot {
    return this.snap;
  }

  get closed(): boolean {
    return this.closed_;
  }

  onChange(listener: (s: QueueSnapshot) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onEdge(listener: (e: ProgressEdge) => void): () => void {
    this.edgeListeners.add(listener);
    return () => this.edgeListeners.delete(listener);
  }

  dispatch(a: RowsAction): void {
    const next = rowsReducer(this.snap, a);
    if (next === this.snap) return;
    this.snap = next;
    for (const l of [...this.listeners]) l(next);
  }

  /** An edge of this queue from the link. */
  applyEdge(edge: ProgressEdge): void {
    if (this.closed_ || edge.seq <= this.snap.lastSeq) return;
    this.dispatch({ type: 'edge', edge });
    for (const l of [...this.edgeListeners]) l(edge);
  }

  /** A batch of this queue's edges (a replay): one snapshot and one onChange for all of them, then
   *  onEdge for each edge applied, in order. */
  applyEdges(edges: readonly ProgressEdge[]): void {
    if (this.closed_) return;
    const from = this.snap.lastSeq;
    this.dispatch({ type: 'edges', edges });
    if (this.edgeListeners.size === 0) return;
    let last = from;
    for (const e of edges) {
      if (e.seq <= last) continue;
      last = e.seq;
      for (const l of [...this.edgeListeners]) l(e);
    }
  }

  protected abstract verbTarget(): { slot: number } | { live: string };

  async verb(stepIndex: number, verb: Verb): Promise<void> {
    if (this.closed_) throw new HostError('view_closed', 'this view is closed');
    this.dispatch({ type: 'requested', stepIndex, verb });
    try {
      await this.host.link().verb({ ...this.verbTarget(), stepIndex, verb } as VerbParams);
    } catch (e) {
      this.dispatch({ type: 'request_failed', stepIndex });
      throw toHostError(e, `${verb} on step ${stepIndex}`);
    }
  }

  async verbAll(verb: Verb, which: 'pending' | 'failed'): Promise<VerbAllResult> {
    const state = which === 'pending' ? 'pending' : 'failure';
    const targets = this.snap.rows.filter((r) => r.state === state).map((r) => r.index);
    const out: VerbAllResult = { accepted: 0, rejected: [] };
    for (const i of targets) {
      try {
        await this.verb(i, verb);
        out.accepted++;
      } catch (e) {
        const h = toHostError(e, verb);
        if (h.code === 'not_attached' || h.code === 'link_closed') throw h;
        out.rejected.push({ stepIndex: i, message: h.message });
      }
    }
    return out;
  }

  abstract refresh(): Promise<void>;
  /** Brings the view up to date on a (new) link: read if needed, then subscribe from lastSeq. */
  abstract sync(link: LinkClient): Promise<void>;
  /** The link dropped. */
  abstract linkLost(): void;

  close(): void {
    if (this.closed_) return;
    this.closed_ = true;
    this.host.forget(this);
    this.listeners.clear();
    this.edgeListeners.clear();
  }
}

/** A getSlot reply as the reducer takes it; the seed is zeroed at once and never kept. */
export async function readSlot(link: LinkClient, slot: number): Promise<Omit<SlotDetail, 'seed'>> {
  const d = await link.getSlot(slot);
  if (d.seed) wipe(d.seed);
  const { seed: _seed, ...rest } = d;
  d.seed = null;
  return rest;
}

export class SlotViewImpl extends QueueViewBase implements SlotView {
  private reading = false;

  constructor(
    host: ViewHost,
    readonly slot: number,
  ) {
    super(host, { ...emptySnapshot({ slot }), needsRead: true });
  }

  protected verbTarget() {
    return { slot: this.slot };
  }

  async sync(link: LinkClient): Promise<void> {
    // A resync answer means the device no longer keeps our edges: read, then subscribe from the read.
    for (let round = 0; round < 4; round++) {
      if (this.closed_) return;
      if (this.snapshot.needsRead)
        this.dispatch({ type: 'read', slot: slotRead(await readSlot(link, this.slot)) });
      const r = await link.subscribe({ slot: this.slot, sinceSeq: this.snapshot.lastSeq });
      if (r.status === 'streaming') return;
      this.dispatch({ type: 'resync' });
    }
    throw new HostError('resync_loop', `slot ${this.slot} kept asking for a resync`);
  }

  /** The device said `resync` on a live stream: it dropped our subscription. */
  async onResync(): Promise<void> {
    this.dispatch({ type: 'resync' });
    await this.sync(this.host.link());
  }

  async refresh(): Promise<void> {
    if (this.closed_) throw new HostError('view_closed', 'this view is closed');
    try {
      const link = this.host.link();
      if (this.snapshot.stale) await this.sync(link);
      else this.dispatch({ type: 'read', slot: slotRead(await readSlot(link, this.slot)) });
    } catch (e) {
      throw toHostError(e, `reading slot ${this.slot}`);
    }
  }

  linkLost(): void {}

  override applyEdge(edge: ProgressEdge): void {
    super.applyEdge(edge);
    this.readIfUnplaced();
  }

  override applyEdges(edges: readonly ProgressEdge[]): void {
    super.applyEdges(edges);
    this.readIfUnplaced();
  }

  private readIfUnplaced(): void {
    // An edge for a step this view does not list (the slot was re-planned): read it again.
    if (this.snapshot.needsRead && !this.snapshot.stale && !this.reading) {
      this.reading = true;
      void this.refresh()
        .catch(() => {})
        .finally(() => (this.reading = false));
    }
  }

  override close(): void {
    if (this.closed_) return;
    try {
      void this.host
        .link()
        .unsubscribe(this.slot)
        .catch(() => {});
    } catch {
      // not attached: nothing to unsubscribe
    }
    super.close();
  }
}

export class LiveViewImpl extends QueueViewBase implements LiveView {
  private seed: Uint8Array | null;
  private ended_ = false;

  constructor(
    host: ViewHost,
    readonly sessionId: string,
    seed: Uint8Array,
  ) {
    super(host, emptySnapshot({ live: sessionId }));
    this.seed = seed;
  }

  get ended(): boolean {
    return this.ended_ || this.closed_;
  }

  protected verbTarget() {
    return { live: this.sessionId };
  }

  async sync(): Promise<void> {
    // The device closes a live session when its host goes: nothing to resume on a new link.
    this.linkLost();
  }

  linkLost(): void {
    this.ended_ = true;
  }

  async refresh(): Promise<void> {
    // The link has no read of the live queue; every change arrives as an edge.
  }

  override async verb(stepIndex: number, verb: Verb): Promise<void> {
    if (this.ended)
      throw new HostError('no_live_session', 'the live session has ended; open a new one');
    return super.verb(stepIndex, verb);
  }

  async quickStep(address: number, baud: number, options: StepOptions): Promise<number> {
    if (this.ended)
      throw new HostError('no_live_session', 'the live session has ended; open a new one');
    try {
      const { stepIndex } = await this.host.link().quickStep({ address, baud, options });
      this.dispatch({ type: 'add', step: { index: stepIndex, address, baud } });
      return stepIndex;
    } catch (e) {
      throw toHostError(e, 'quick-step');
    }
  }

  async exportSuccessful(format: ExportFormat): Promise<KeyFile> {
    if (!this.seed)
      throw new HostError('view_closed', 'this live session is closed; its keys are gone');
    const steps = this.snapshot.rows.filter((r) => r.state === 'success');
    if (steps.length === 0)
      throw new HostError('export_unavailable', 'no quick-step has succeeded yet');
    try {
      return buildKeyFile(
        { sessionId: this.sessionId, seed: this.seed, slotState: 'complete', steps },
        format,
      );
    } catch (e) {
      throw exportError(e);
    }
  }

  override close(): void {
    if (this.closed_) return;
    if (!this.ended_) {
      try {
        void this.host
          .link()
          .closeLive()
          .catch(() => {});
      } catch {
        // not attached: the device closed it already
      }
    }
    this.ended_ = true;
    if (this.seed) wipe(this.seed);
    this.seed = null;
    super.close();
  }
}

/** KeyExportError / KdfError → HostError with their code; their messages carry no key material. */
export function exportError(e: unknown): HostError {
  if (e instanceof HostError) return e;
  const x = e as { name?: unknown; code?: unknown; message?: unknown } | null;
  if (
    x &&
    (x.name === 'KeyExportError' || x.name === 'KdfError') &&
    typeof x.code === 'string' &&
    typeof x.message === 'string'
  ) {
    return new HostError(x.code, x.message);
  }
  return toHostError(e, 'the key export');
}
