// An in-memory link (tests, and the device and host in one process). Frames are delivered on a
// later microtask, as a real transport would, so neither side is re-entered from its own send.

import { BaseConnection, CLOSE_CODES, type CloseInfo } from '../connection.ts';

class MemoryConnection extends BaseConnection {
  peer: MemoryConnection | null = null;

  send(text: string): void {
    if (this.closed) return;
    const peer = this.peer;
    queueMicrotask(() => peer?.receive(text));
  }

  /** Sends raw bytes (a binary frame), for tests of hostile input. */
  sendBytes(bytes: Uint8Array): void {
    if (this.closed) return;
    const peer = this.peer;
    queueMicrotask(() => peer?.receive(bytes.slice()));
  }

  close(code: number = CLOSE_CODES.normal, reason = ''): void {
    if (this.closed) return;
    const info: CloseInfo = { code, reason };
    const peer = this.peer;
    this.closed_(info);
    queueMicrotask(() => peer?.closed_(info));
  }

  /** Simulates the link dropping (cable pulled): both sides see code 1006. */
  drop(): void {
    const info: CloseInfo = { code: CLOSE_CODES.dropped, reason: 'link dropped' };
    this.closed_(info);
    this.peer?.closed_(info);
  }

  private receive(data: string | Uint8Array): void {
    this.deliver(data);
  }

  // Exposed to the peer only.
  override closed_(info: CloseInfo): void {
    super.closed_(info);
  }
}

export type MemoryConnectionEnd = MemoryConnection;

/** Two connected ends: what one sends, the other receives. */
export function createMemoryPair(): [host: MemoryConnectionEnd, device: MemoryConnectionEnd] {
  const a = new MemoryConnection();
  const b = new MemoryConnection();
  a.peer = b;
  b.peer = a;
  return [a, b];
}
