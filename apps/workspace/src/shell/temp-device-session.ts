// TEMPORARY stand-in for @osprio/host's DeviceSession (h/host has not landed yet): the attach/state
// part of its contract (HOST-API.md) over LinkClient, so the shell can connect and the screens can
// be built. Replaced by `export { DeviceSession } from '@osprio/host'` in session.ts.

import { LinkClient, LinkError, type DeviceIdentity, type LinkConnection, type ProvisionerStatus, type SlotSummary } from '@osprio/link';
import { openingScreen, type OpeningScreen } from '@osprio/host';

export type SessionState =
  | { kind: 'connecting' }
  | { kind: 'attached'; identity: DeviceIdentity; status: ProvisionerStatus; screen: OpeningScreen }
  | { kind: 'in_use'; message: string }
  | { kind: 'incompatible'; message: string }
  | { kind: 'unreachable'; message: string }
  | { kind: 'lost'; message: string }
  | { kind: 'closed' };

export interface DeviceSessionOptions {
  connect: () => Promise<LinkConnection>;
  hostName?: string;
  requestTimeoutMs?: number;
}

export class DeviceSession {
  private state_: SessionState = { kind: 'connecting' };
  private readonly listeners = new Set<(s: SessionState) => void>();
  private client: LinkClient | null = null;

  private constructor(private readonly opts: DeviceSessionOptions) {}

  static async attach(opts: DeviceSessionOptions): Promise<DeviceSession> {
    const s = new DeviceSession(opts);
    await s.open();
    return s;
  }

  get state(): SessionState {
    return this.state_;
  }

  onState(listener: (s: SessionState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): void {
    this.set({ kind: 'closed' });
    this.client?.close();
  }

  async listSlots(): Promise<SlotSummary[]> {
    if (!this.client) throw new LinkError('link_closed', 'not connected');
    return this.client.listSlots();
  }

  private set(s: SessionState): void {
    this.state_ = s;
    for (const l of [...this.listeners]) l(s);
  }

  private async open(): Promise<void> {
    let conn: LinkConnection;
    try {
      conn = await this.opts.connect();
    } catch (e) {
      this.set({ kind: 'unreachable', message: e instanceof Error ? e.message : 'cannot open the link' });
      return;
    }
    const client = new LinkClient(conn, { timeoutMs: this.opts.requestTimeoutMs ?? 10_000 });
    this.client = client;
    try {
      const identity = await client.hello(this.opts.hostName ?? 'osprio-workspace/0.1');
      const status = await client.status();
      this.set({ kind: 'attached', identity, status, screen: openingScreen(status) });
      client.onClose((info, refusal) => {
        if (this.state_.kind !== 'attached') return;
        this.set({ kind: 'lost', message: refusal?.message ?? `the link to the device dropped (${info.code}${info.reason ? ` ${info.reason}` : ''})` });
      });
    } catch (e) {
      const code = e instanceof LinkError ? e.code : 'internal';
      const message = e instanceof Error ? e.message : 'the device did not answer';
      client.close();
      if (code === 'device_in_use') this.set({ kind: 'in_use', message });
      else if (code === 'version_unsupported') this.set({ kind: 'incompatible', message });
      else this.set({ kind: 'unreachable', message });
    }
  }
}
