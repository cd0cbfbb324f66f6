// A WebSocket client for Node that speaks just what a host needs to talk to a device: text and
// binary messages, ping/pong, the closing handshake (RFC 6455), on a bare TCP socket. The CLI
// starts on this rather than `ws`, whose client loads http, https, tls and zlib before it can say
// hello (≈25 ms of every `osprio status`). `ws` stays the device's server. Handshake and framing
// are pure (ws-handshake.ts, ws-frames.ts); this file is the I/O.

import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { concat } from '@osprio/osdp/bytes';
import type { WebSocketLike } from './ws-client.ts';
import {
  OPCODE,
  ServerFrameReader,
  WS_CLOSE,
  WsProtocolError,
  closePayload,
  encodeClientFrame,
  type ServerMessage,
} from './ws-frames.ts';
import {
  acceptFor,
  parseResponseHead,
  upgradeProblem,
  upgradeRequest,
  type ResponseHead,
} from './ws-handshake.ts';

const CONNECTING = 0;
const OPEN = 1;
const CLOSING = 2;
const CLOSED = 3;

export interface NodeWebSocketOptions {
  /** Sent as the Origin header; omit for a CLI (no Origin). */
  origin?: string;
  /** A message longer than this fails the connection with 1009. */
  maxMessageBytes: number;
  /** How long to wait for the server's close frame after ours before dropping the socket. */
  closeTimeoutMs?: number;
}

type Listener = (ev: never) => void;

/** Why the server did not upgrade: its HTTP status and the start of its body ("403 origin …"). */
export type Refusal = { status: number; body: string };

export class NodeWebSocket implements WebSocketLike {
  readyState: number = CONNECTING;
  binaryType = 'arraybuffer';
  /** Set when the server answered the upgrade with something other than a good 101. */
  refusal: Refusal | null = null;
  private readonly listeners = new Map<string, Listener[]>();
  private readonly socket: Socket;
  private readonly reader: ServerFrameReader;
  private readonly accept: string;
  /** Bytes before the end of the response head (then of a refusal's body). */
  private pending: Uint8Array = new Uint8Array(0);
  private refusedHead: ResponseHead | null = null;
  private closeSent = false;
  private closeEmitted = false;
  private received: { code: number; reason: string } | null = null;

  constructor(
    url: string,
    private readonly opts: NodeWebSocketOptions,
  ) {
    const u = new URL(url);
    if (u.protocol !== 'ws:')
      throw new TypeError(`${u.protocol} is not served here: devices listen on ws:// (loopback)`);
    this.reader = new ServerFrameReader(opts.maxMessageBytes);
    const key = randomBytes(16).toString('base64');
    this.accept = acceptFor(key);
    const request = upgradeRequest(u, key, opts.origin);
    this.socket = connect({
      host: u.hostname.replace(/^\[|\]$/g, ''),
      port: Number(u.port || 80),
      noDelay: true,
    });
    this.socket.on('connect', () => this.socket.write(request));
    this.socket.on('data', (d: Buffer) => this.onBytes(d));
    this.socket.on('close', () => this.onSocketClosed());
    this.socket.on('error', () => this.socket.destroy());
  }

  addEventListener(type: string, listener: Listener): void {
    const l = this.listeners.get(type);
    if (l) l.push(listener);
    else this.listeners.set(type, [listener]);
  }

  private emit(type: string, ev?: unknown): void {
    for (const l of this.listeners.get(type) ?? []) (l as (e: unknown) => void)(ev);
  }

  send(data: string): void {
    if (this.readyState !== OPEN) return;
    this.write(OPCODE.text, new TextEncoder().encode(data));
  }

  close(code: number = WS_CLOSE.normal, reason = ''): void {
    if (this.readyState === CLOSED || this.readyState === CLOSING) return;
    if (this.readyState === CONNECTING) {
      this.finish(WS_CLOSE.abnormal, '');
      return;
    }
    this.readyState = CLOSING;
    this.sendClose(code, reason);
    // The server answers with its own close and ends the TCP connection; don't hang on one that
    // never does, and don't keep a process alive for the answer (a CLI exits once it has said close).
    this.socket.unref();
    setTimeout(() => this.socket.destroy(), this.opts.closeTimeoutMs ?? 1000).unref();
  }

  private write(opcode: number, payload: Uint8Array): void {
    this.socket.write(encodeClientFrame(opcode, payload, randomBytes(4)));
  }

  private sendClose(code: number, reason: string): void {
    if (this.closeSent) return;
    this.closeSent = true;
    this.write(OPCODE.close, closePayload(code, reason));
  }

  private onBytes(d: Buffer): void {
    if (this.readyState === OPEN || this.readyState === CLOSING) return this.onData(d);
    if (this.readyState === CLOSED) return;
    this.pending = concat(this.pending, d);
    if (this.refusedHead) return this.readRefusal();
    let head: ResponseHead | null;
    try {
      head = parseResponseHead(this.pending);
    } catch (e) {
      return this.refuse(0, `a malformed answer: ${(e as Error).message}`);
    }
    if (head === null) return;
    this.pending = this.pending.subarray(head.length);
    if (head.status !== 101) {
      this.refusedHead = head;
      return this.readRefusal();
    }
    const problem = upgradeProblem(head, this.accept);
    if (problem) return this.refuse(101, `bad handshake: ${problem}`);
    const rest = this.pending;
    this.pending = new Uint8Array(0);
    this.readyState = OPEN;
    this.emit('open');
    if (rest.length > 0) this.onData(Buffer.from(rest.buffer, rest.byteOffset, rest.length));
  }

  /** A refusal's body is its reason ("origin not allowed"): read Content-Length bytes of it, or
   *  what came before the server hung up, up to 200 bytes. */
  private readRefusal(): void {
    const want = Number(this.refusedHead!.headers.get('content-length') ?? NaN);
    // Only the first 200 characters are shown: no reason to read (or hold) a longer body.
    if ((Number.isInteger(want) && this.pending.length >= want) || this.pending.length >= 200)
      this.refuse();
  }

  private refuse(status = this.refusedHead?.status ?? 0, body?: string): void {
    const text = body ?? new TextDecoder().decode(this.pending.subarray(0, 200));
    this.refusal = { status, body: text.slice(0, 200) };
    this.finish(WS_CLOSE.abnormal, '');
  }

  private onData(d: Buffer): void {
    if (this.readyState === CLOSED) return;
    let msgs: ServerMessage[];
    try {
      msgs = this.reader.push(new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
    } catch (e) {
      const code = e instanceof WsProtocolError ? e.code : WS_CLOSE.protocolError;
      this.sendClose(code, '');
      this.socket.end();
      this.finish(code, e instanceof Error ? e.message : '');
      return;
    }
    for (const m of msgs) this.onMessage(m);
  }

  private onMessage(m: ServerMessage): void {
    if (this.readyState === CLOSED || this.received) return;
    switch (m.kind) {
      case 'text':
        this.emit('message', { data: m.data });
        return;
      case 'binary':
        this.emit('message', {
          data: m.data.buffer.slice(m.data.byteOffset, m.data.byteOffset + m.data.byteLength),
        });
        return;
      case 'ping':
        if (!this.closeSent) this.write(OPCODE.pong, m.data);
        return;
      case 'pong':
        return;
      case 'close':
        // Echo the code (§5.5.1), then the server ends the TCP connection.
        this.received = { code: m.code, reason: m.reason };
        this.readyState = CLOSING;
        this.sendClose(m.code === WS_CLOSE.noStatus ? WS_CLOSE.normal : m.code, '');
        this.socket.end();
        return;
    }
  }

  private onSocketClosed(): void {
    if (this.refusedHead && !this.refusal) this.refuse();
    const r = this.received;
    this.finish(r ? r.code : WS_CLOSE.abnormal, r ? r.reason : '');
  }

  private finish(code: number, reason: string): void {
    if (this.closeEmitted) return;
    this.closeEmitted = true;
    this.readyState = CLOSED;
    this.socket.destroy();
    this.emit('close', { code, reason });
  }
}
