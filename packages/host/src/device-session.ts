// One host session with one device, over any link transport. Attach = connect, hello, status,
// opening screen. Whatever goes wrong with the link is a SessionState, never an exception the
// caller must catch; reattach() opens a new link and brings every open view up to date from its
// last applied sequence number.
//
// Seed custody (spec "Key material custody"): a slot's seed is made here from a CSPRNG, sent once
// in createSlot and zeroed as soon as that request has gone (so certainly before the slot is
// sealed, and also on failure); no field of the session ever holds it. getSlot replies carry the
// seed again: openSlot/refresh zero it at once, exportSlot uses it for the export and zeroes it.
// A live session's seed is held by its LiveView only, until that view is closed.

import {
  CLOSE_CODES,
  LinkClient,
  LinkError,
  MAX_STEPS_PER_UPLOAD,
  PROTOCOL_VERSION,
} from '@osprio/link';
import type { LinkConnection, LinkEvent, SlotSummary } from '@osprio/link';
import { wipe } from '@osprio/osdp';
import { HostError, toHostError } from './errors.ts';
import { buildKeyFile, type ExportFormat, type KeyFile } from './key-file.ts';
import { openingScreen } from './opening-screen.ts';
import type { Plan } from './plan.ts';
import type { SessionState } from './session-state.ts';
import { exportBlocker } from './slot-label.ts';
import {
  LiveViewImpl,
  SlotViewImpl,
  exportError,
  type LiveView,
  type QueueViewBase,
  type SlotView,
  type ViewHost,
} from './views.ts';

export interface DeviceSessionOptions {
  /** Opens a fresh link (used by attach and every reattach). */
  connect: () => Promise<LinkConnection>;
  /** Sent in hello, e.g. 'osprio-workspace/0.1'. */
  hostName?: string;
  /** Default crypto.getRandomValues (a CSPRNG). Tests inject. */
  randomBytes?: (n: number) => Uint8Array;
  /** Default crypto.randomUUID. */
  randomUuid?: () => string;
  /** Per request; default 10 s. */
  requestTimeoutMs?: number;
}

export interface CreateSlotOptions {
  /** After every uploaded chunk: steps the device holds, of how many. */
  onUpload?: (uploaded: number, total: number) => void;
}

const SEED_BYTES = 16;

function cryptoRandomBytes(n: number): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(n));
}

function linkMessage(e: unknown, fallback: string): string {
  return e instanceof LinkError || e instanceof HostError ? e.message : fallback;
}

export class DeviceSession implements ViewHost {
  private client: LinkClient | null = null;
  private state_: SessionState = { kind: 'connecting' };
  private readonly stateListeners = new Set<(s: SessionState) => void>();
  private readonly slotViews = new Map<number, SlotViewImpl>();
  private live: LiveViewImpl | null = null;
  private attaching: Promise<SessionState> | null = null;

  private constructor(private readonly opts: DeviceSessionOptions) {}

  /** Always resolves: look at `.state`. */
  static async attach(opts: DeviceSessionOptions): Promise<DeviceSession> {
    const s = new DeviceSession(opts);
    await s.reattach();
    return s;
  }

  get state(): SessionState {
    return this.state_;
  }

  onState(listener: (s: SessionState) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  /**
   * Opens a new link (when not attached) and re-syncs every open slot view from its last applied
   * sequence number (re-reading it first when the device asks for a resync). A live view does not
   * survive a lost link (the device closes it): it is marked ended. Resolves with the new state.
   */
  reattach(): Promise<SessionState> {
    if (this.state_.kind === 'attached' || this.state_.kind === 'closed')
      return Promise.resolve(this.state_);
    this.attaching ??= this.connect().finally(() => (this.attaching = null));
    return this.attaching;
  }

  /** Clean close: the device is free at once. Views are closed, a live seed is wiped. */
  close(): void {
    if (this.state_.kind === 'closed') return;
    this.live?.close();
    for (const v of [...this.slotViews.values()]) v.close();
    const c = this.client;
    this.client = null;
    this.setState({ kind: 'closed' });
    c?.close();
  }

  // ---- requests ----

  /** Every slot's summary, in one round trip. */
  async listSlots(): Promise<SlotSummary[]> {
    return this.call('listing slots', (l) => l.listSlots());
  }

  /** Legal in any state (a staging slot is an unfinished upload; deleting frees the slot). */
  async deleteSlot(slot: number): Promise<SlotSummary> {
    const r = await this.call(`deleting slot ${slot}`, (l) => l.deleteSlot(slot));
    await this.refreshOpen(slot);
    return r;
  }

  /**
   * Writes a reviewed plan into an empty slot: a fresh CSPRNG seed and sessionId, createSlot,
   * chunked uploadSteps (onUpload after each chunk), sealSlot. The seed is zeroed right after
   * createSlot went out, whatever happens next. An interrupted upload leaves the slot `staging`.
   */
  async createSlot(slot: number, plan: Plan, opts: CreateSlotOptions = {}): Promise<SlotSummary> {
    const link = this.link();
    const total = plan.steps.length;
    const status = this.state_.kind === 'attached' ? this.state_.status : null;
    if (status && !status.slots) throw new HostError('not_supported', 'this device has no slots');
    if (status && (slot < 0 || slot >= status.slotCount))
      throw new HostError('bad_plan', `this device has slots 0–${status.slotCount - 1}`);
    if (status && total > status.maxStepsPerSlot)
      throw new HostError(
        'bad_plan',
        `a slot holds at most ${status.maxStepsPerSlot} steps; this plan has ${total}`,
      );
    if (total === 0) throw new HostError('bad_plan', 'the plan has no steps');
    const sessionId = (this.opts.randomUuid ?? (() => crypto.randomUUID()))();
    try {
      const seed = (this.opts.randomBytes ?? cryptoRandomBytes)(SEED_BYTES);
      try {
        await link.createSlot({ slot, header: plan.profile, sessionId, seed });
      } finally {
        wipe(seed);
      }
      let uploaded = 0;
      for (let i = 0; i < total; i += MAX_STEPS_PER_UPLOAD) {
        uploaded = (
          await link.uploadSteps({ slot, steps: plan.steps.slice(i, i + MAX_STEPS_PER_UPLOAD) })
        ).uploaded;
        opts.onUpload?.(uploaded, total);
      }
      const sealed = await link.sealSlot({ slot, stepCount: total });
      await this.refreshOpen(slot);
      return sealed;
    } catch (e) {
      throw toHostError(e, `writing slot ${slot}`);
    }
  }

  /** An open view of a slot this session just changed as a whole reads it again. */
  private async refreshOpen(slot: number): Promise<void> {
    await this.slotViews
      .get(slot)
      ?.refresh()
      .catch(() => {});
  }

  /** Follows a slot: reads it (the seed in the reply is zeroed at once) and subscribes from its
   *  lastSeq. Opening an open slot returns its view. */
  async openSlot(slot: number): Promise<SlotView> {
    const open = this.slotViews.get(slot);
    if (open) return open;
    const link = this.link();
    const v = new SlotViewImpl(this, slot);
    this.slotViews.set(slot, v);
    try {
      await v.sync(link);
    } catch (e) {
      v.close();
      throw toHostError(e, `opening slot ${slot}`);
    }
    return v;
  }

  /** Opens the live quick-step queue with a fresh seed and sessionId, held by the view only. */
  async openLive(): Promise<LiveView> {
    const link = this.link();
    if (this.state_.kind === 'attached' && !this.state_.status.liveQuickStep)
      throw new HostError('not_supported', 'this device has no live quick-step');
    this.live?.close();
    const sessionId = (this.opts.randomUuid ?? (() => crypto.randomUUID()))().toLowerCase();
    const seed = (this.opts.randomBytes ?? cryptoRandomBytes)(SEED_BYTES);
    const v = new LiveViewImpl(this, sessionId, seed);
    this.live = v;
    try {
      await link.openLive({ sessionId, seed });
    } catch (e) {
      v.close();
      throw toHostError(e, 'opening the live queue');
    }
    return v;
  }

  /**
   * The key export of a complete slot (else HostError 'export_unavailable' naming what is still
   * pending or failed). Re-reads the seed with getSlot, derives, builds the bytes, zeroes the seed
   * and every derived key.
   */
  async exportSlot(slot: number, format: ExportFormat): Promise<KeyFile> {
    const link = this.link();
    let d;
    try {
      d = await link.getSlot(slot);
    } catch (e) {
      throw toHostError(e, `reading slot ${slot}`);
    }
    const seed = d.seed;
    d.seed = null;
    try {
      const blocker = exportBlocker(d);
      if (blocker) throw new HostError('export_unavailable', blocker);
      if (!seed || !d.sessionId)
        throw new HostError('export_unavailable', `slot ${slot} holds no plan`);
      return buildKeyFile(
        { sessionId: d.sessionId, seed, slotState: d.state, steps: d.steps },
        format,
      );
    } catch (e) {
      throw exportError(e);
    } finally {
      if (seed) wipe(seed);
    }
  }

  // ---- ViewHost ----

  link(): LinkClient {
    if (this.state_.kind !== 'attached' || !this.client) {
      throw new HostError(
        'not_attached',
        this.state_.kind === 'closed' ? 'the session is closed' : 'not attached to the device',
      );
    }
    return this.client;
  }

  forget(view: QueueViewBase): void {
    if (view === this.live) this.live = null;
    for (const [k, v] of this.slotViews) if (v === view) this.slotViews.delete(k);
  }

  // ---- plumbing ----

  private async call<T>(what: string, f: (l: LinkClient) => Promise<T>): Promise<T> {
    const link = this.link();
    try {
      return await f(link);
    } catch (e) {
      throw toHostError(e, what);
    }
  }

  private setState(s: SessionState): void {
    this.state_ = s;
    for (const l of [...this.stateListeners]) l(s);
  }

  private async connect(): Promise<SessionState> {
    this.setState({ kind: 'connecting' });
    let conn: LinkConnection;
    try {
      conn = await this.opts.connect();
    } catch (e) {
      return this.fail({
        kind: 'unreachable',
        message: linkMessage(e, 'could not open a link to the device'),
      });
    }
    if (this.isClosed()) {
      conn.close();
      return this.state_;
    }
    const client = new LinkClient(conn, { timeoutMs: this.opts.requestTimeoutMs ?? 10_000 });
    client.onEvent((ev) => this.onEvent(client, ev));
    // A refusal (device in use) can close the link before hello is even sent; its close code says why.
    let refused = false;
    client.onClose((info, refusal) => {
      refused ||= refusal?.code === 'device_in_use' || info.code === CLOSE_CODES.deviceInUse;
    });
    try {
      const identity = await client.hello(this.opts.hostName);
      if (identity.protocolVersion !== PROTOCOL_VERSION) {
        client.close();
        return this.fail({
          kind: 'incompatible',
          message: `the device answered with protocol version ${identity.protocolVersion}; this host speaks ${PROTOCOL_VERSION}`,
        });
      }
      const status = await client.status();
      if (this.isClosed()) {
        client.close();
        return this.state_;
      }
      this.client = client;
      client.onClose((info, refusal) =>
        this.onLinkClosed(
          client,
          refusal
            ? refusal.message
            : `the link to the device dropped (${info.code}${info.reason ? ` ${info.reason}` : ''})`,
        ),
      );
      this.setState({ kind: 'attached', identity, status, screen: openingScreen(status) });
    } catch (e) {
      client.close();
      await new Promise<void>((r) => setTimeout(r, 0)); // let a queued close report its code
      const message = linkMessage(e, 'the device did not answer hello');
      const code = e instanceof LinkError ? e.code : '';
      if (code === 'device_in_use' || refused)
        return this.fail({
          kind: 'in_use',
          message: code === 'device_in_use' ? message : 'another host is connected to this device',
        });
      if (code === 'version_unsupported') return this.fail({ kind: 'incompatible', message });
      return this.fail({ kind: 'unreachable', message });
    }
    // Bring every open view up to date on the new link.
    this.live?.linkLost();
    for (const v of [...this.slotViews.values()]) {
      // A view that fails to re-sync keeps needsRead set (its refresh() tries again); a link that
      // breaks again has already set `lost` through the close listener.
      await v.sync(client).catch(() => {});
    }
    return this.state_;
  }

  private isClosed(): boolean {
    return this.state_.kind === 'closed';
  }

  private fail(s: SessionState): SessionState {
    if (!this.isClosed()) this.setState(s);
    return this.state_;
  }

  private onLinkClosed(client: LinkClient, message: string): void {
    if (this.client !== client) return;
    this.client = null;
    this.live?.linkLost();
    if (!this.isClosed()) this.setState({ kind: 'lost', message });
  }

  private onEvent(client: LinkClient, ev: LinkEvent): void {
    if (client !== this.client && this.client !== null) return;
    const q = ev.event === 'edge' ? ev.edge.queue : ev.queue;
    const view =
      'slot' in q
        ? this.slotViews.get(q.slot)
        : this.live && this.live.sessionId === q.live.toLowerCase()
          ? this.live
          : undefined;
    if (!view) return;
    if (ev.event === 'edge') view.applyEdge(ev.edge);
    else if (ev.event === 'edges') view.applyEdges(ev.edges);
    else if (view instanceof SlotViewImpl) void view.onResync().catch(() => {});
  }
}
