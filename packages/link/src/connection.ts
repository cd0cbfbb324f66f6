// The one interface every transport offers the link: text frames in and out, and a close.

export interface CloseInfo {
  /** WebSocket-style code: 1000 normal, 1006 dropped, 4xxx refused by the peer (see CLOSE_CODES). */
  code: number;
  reason: string;
}

export const CLOSE_CODES = {
  normal: 1000,
  dropped: 1006,
  tooLarge: 1009,
  deviceInUse: 4409,
  protocolError: 4400,
  helloTimeout: 4408,
} as const;

/** A close code and reason a WebSocket will accept from an application (browsers allow only 1000
 *  and 3000–4999; a reason is at most 123 UTF-8 bytes). */
export function sendableClose(code: number, reason: string): [number, string] {
  const c = code === 1000 || (code >= 3000 && code <= 4999) ? code : 1000;
  let r = reason.replace(/[^\x20-\x7e]/g, '?');
  if (r.length > 120) r = r.slice(0, 120);
  return [c, r];
}

export interface LinkConnection {
  /** Sends one frame; a no-op once closed. */
  send(text: string): void;
  /** Frames from the peer. Binary frames arrive as bytes (the codec checks their UTF-8).
   *  Frames received before the first listener is added are held for it. Returns an unsubscribe. */
  onMessage(listener: (data: string | Uint8Array) => void): () => void;
  /** Called once, when the link closes for any reason (either side, or dropped). */
  onClose(listener: (info: CloseInfo) => void): () => void;
  close(code?: number, reason?: string): void;
  readonly closed: boolean;
  /**
   * True once either side has begun a clean close (a WebSocket close frame was sent or received)
   * even if the transport has not finished closing: nothing more will be served on this link.
   */
  readonly closing?: boolean;
}

/** Shared plumbing for transports: listener sets, early-frame buffer, close-once. */
export abstract class BaseConnection implements LinkConnection {
  private messageListeners = new Set<(data: string | Uint8Array) => void>();
  private closeListeners = new Set<(info: CloseInfo) => void>();
  private early: (string | Uint8Array)[] = [];
  private closeInfo: CloseInfo | null = null;

  abstract send(text: string): void;
  abstract close(code?: number, reason?: string): void;

  get closed(): boolean {
    return this.closeInfo !== null;
  }

  onMessage(listener: (data: string | Uint8Array) => void): () => void {
    this.messageListeners.add(listener);
    if (this.early.length > 0) {
      const held = this.early;
      this.early = [];
      for (const m of held) listener(m);
    }
    return () => this.messageListeners.delete(listener);
  }

  onClose(listener: (info: CloseInfo) => void): () => void {
    if (this.closeInfo) {
      const info = this.closeInfo;
      queueMicrotask(() => listener(info));
      return () => {};
    }
    this.closeListeners.add(listener);
    return () => this.closeListeners.delete(listener);
  }

  /** For subclasses: a frame arrived. */
  protected deliver(data: string | Uint8Array): void {
    if (this.closeInfo) return;
    if (this.messageListeners.size === 0) {
      if (this.early.length < 64) this.early.push(data);
      return;
    }
    for (const l of [...this.messageListeners]) l(data);
  }

  /** For subclasses: the link is gone. Idempotent. */
  protected closed_(info: CloseInfo): void {
    if (this.closeInfo) return;
    this.closeInfo = info;
    this.early = [];
    const ls = [...this.closeListeners];
    this.closeListeners.clear();
    this.messageListeners.clear();
    for (const l of ls) l(info);
  }
}
