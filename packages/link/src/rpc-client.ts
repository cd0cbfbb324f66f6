// The host side of a link: typed requests with ids and timeouts, an event stream for edges and
// resyncs, and clean failure of everything pending when the link drops.

import { CLOSE_CODES, type CloseInfo, type LinkConnection } from './connection.ts';
import { decodeDeviceMessage, encodeRequest } from './codec.ts';
import { LinkError } from './errors.ts';
import {
  MAX_STEPS_PER_UPLOAD,
  PROTOCOL_VERSION,
  type CreateSlotParams,
  type LinkEvent,
  type OpenLiveParams,
  type ParamsOf,
  type QuickStepParams,
  type RequestType,
  type ResultOf,
  type SealSlotParams,
  type SubscribeParams,
  type UploadStepsParams,
  type VerbParams,
} from './messages.ts';
import type { StepTarget } from './model.ts';

export interface LinkClientOptions {
  /** Per-request timeout; default 10 s. */
  timeoutMs?: number;
  /** Malformed frames from the device that answer no request (for diagnostics). */
  onProtocolError?: (message: string) => void;
}

interface Pending {
  type: RequestType;
  resolve: (v: unknown) => void;
  reject: (e: LinkError) => void;
  timer: ReturnType<typeof setTimeout>;
}

export class LinkClient {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly eventListeners = new Set<(ev: LinkEvent) => void>();
  private readonly closeListeners = new Set<(info: CloseInfo) => void>();
  private readonly timeoutMs: number;
  private closeInfo: CloseInfo | null = null;
  /** Set when the device refuses the link as a whole (e.g. device_in_use), before closing it. */
  private refusal: LinkError | null = null;

  constructor(
    private readonly conn: LinkConnection,
    private readonly options: LinkClientOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? 10_000;
    conn.onMessage((d) => this.onFrame(d));
    conn.onClose((info) => this.onClosed(info));
  }

  get closed(): boolean {
    return this.closeInfo !== null || this.conn.closed;
  }

  /** Edges and resyncs, in the order the device sent them. Returns an unsubscribe. */
  onEvent(listener: (ev: LinkEvent) => void): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  onClose(listener: (info: CloseInfo, refusal: LinkError | null) => void): () => void {
    const l = (info: CloseInfo) => listener(info, this.refusal);
    if (this.closeInfo) {
      const info = this.closeInfo;
      queueMicrotask(() => l(info));
      return () => {};
    }
    this.closeListeners.add(l);
    return () => this.closeListeners.delete(l);
  }

  /** Sends one request; resolves with its typed result or rejects with a LinkError (a device
   *  code, or timeout / link_closed / bad_reply). */
  request<T extends RequestType>(
    type: T,
    params: ParamsOf<T>,
    opts: { timeoutMs?: number } = {},
  ): Promise<ResultOf<T>> {
    if (this.closed)
      return Promise.reject(
        this.refusal ?? new LinkError('link_closed', 'the link to the device is closed'),
      );
    const id = this.nextId++;
    let text: string;
    try {
      text = encodeRequest(id, type, params);
    } catch (e) {
      return Promise.reject(
        e instanceof LinkError ? e : new LinkError('bad_request', 'cannot encode request'),
      );
    }
    return new Promise<ResultOf<T>>((resolve, reject) => {
      const timeoutMs = opts.timeoutMs ?? this.timeoutMs;
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new LinkError('timeout', `${type} got no reply within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { type, resolve: resolve as (v: unknown) => void, reject, timer });
      this.conn.send(text);
    });
  }

  close(): void {
    this.conn.close(CLOSE_CODES.normal, 'host closed the session');
  }

  // ---- the message set, typed ----

  hello(host?: string) {
    return this.request(
      'hello',
      host === undefined
        ? { protocolVersion: PROTOCOL_VERSION }
        : { protocolVersion: PROTOCOL_VERSION, host },
    );
  }
  status() {
    return this.request('status', {});
  }
  async listSlots() {
    return (await this.request('listSlots', {})).slots;
  }
  createSlot(p: CreateSlotParams) {
    return this.request('createSlot', p);
  }
  uploadSteps(p: UploadStepsParams) {
    return this.request('uploadSteps', p);
  }
  /** Uploads a whole plan in chunks of at most MAX_STEPS_PER_UPLOAD; resolves with the count held. */
  async uploadAllSteps(
    slot: number,
    steps: StepTarget[],
    chunk = MAX_STEPS_PER_UPLOAD,
  ): Promise<number> {
    let uploaded = 0;
    for (let i = 0; i < steps.length; i += chunk) {
      uploaded = (await this.request('uploadSteps', { slot, steps: steps.slice(i, i + chunk) }))
        .uploaded;
    }
    return uploaded;
  }
  sealSlot(p: SealSlotParams) {
    return this.request('sealSlot', p);
  }
  getSlot(slot: number) {
    return this.request('getSlot', { slot });
  }
  deleteSlot(slot: number) {
    return this.request('deleteSlot', { slot });
  }
  verb(p: VerbParams) {
    return this.request('verb', p);
  }
  subscribe(p: SubscribeParams) {
    return this.request('subscribe', p);
  }
  unsubscribe(slot: number) {
    return this.request('unsubscribe', { slot });
  }
  openLive(p: OpenLiveParams) {
    return this.request('openLive', p);
  }
  quickStep(p: QuickStepParams) {
    return this.request('quickStep', p);
  }
  closeLive() {
    return this.request('closeLive', {});
  }

  // ---- plumbing ----

  private onFrame(data: string | Uint8Array): void {
    const m = decodeDeviceMessage(data, (id) => this.pending.get(id)?.type);
    switch (m.kind) {
      case 'reply':
        this.settle(m.id, (p) => p.resolve(m.result));
        return;
      case 'error': {
        const err = new LinkError(m.error.code, m.error.message);
        if (m.id === null) {
          // An error about the link itself (device_in_use, or a frame it could not read).
          if (m.error.code === 'device_in_use') this.refusal = err;
          else this.options.onProtocolError?.(`${m.error.code}: ${m.error.message}`);
          return;
        }
        this.settle(m.id, (p) => p.reject(err));
        return;
      }
      case 'event':
        for (const l of [...this.eventListeners]) l(m.event);
        return;
      case 'invalid':
        if (m.id !== null && this.pending.has(m.id)) {
          this.settle(m.id, (p) => p.reject(new LinkError('bad_reply', m.message)));
        } else this.options.onProtocolError?.(m.message);
        return;
    }
  }

  private settle(id: number, f: (p: Pending) => void): void {
    const p = this.pending.get(id);
    if (!p) return; // late reply after a timeout
    this.pending.delete(id);
    clearTimeout(p.timer);
    f(p);
  }

  private onClosed(info: CloseInfo): void {
    if (this.closeInfo) return;
    this.closeInfo = info;
    if (!this.refusal && info.code === CLOSE_CODES.deviceInUse)
      this.refusal = new LinkError('device_in_use', 'another host is connected to this device');
    const err =
      this.refusal ??
      new LinkError(
        'link_closed',
        `the link to the device closed (${info.code}${info.reason ? ` ${info.reason}` : ''})`,
      );
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const p of pending) {
      clearTimeout(p.timer);
      p.reject(err);
    }
    for (const l of [...this.closeListeners]) l(info);
    this.closeListeners.clear();
    this.eventListeners.clear();
  }
}
