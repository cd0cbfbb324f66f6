// The host side of the WebSocket transport, over any WHATWG-style WebSocket: the browser's
// global one, or `ws`'s in Node (see ws-client-node.ts). No Node imports here.

import { BaseConnection, CLOSE_CODES, sendableClose } from '../connection.ts';
import { LinkError } from '../errors.ts';

/** The part of the WHATWG WebSocket API this transport uses (browser WebSocket and `ws` both fit). */
export interface WebSocketLike {
  readonly readyState: number;
  binaryType: string;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'open' | 'error', listener: () => void): void;
  addEventListener(type: 'message', listener: (ev: { data: unknown }) => void): void;
  addEventListener(type: 'close', listener: (ev: { code: number; reason: string }) => void): void;
}

const OPEN = 1;

export class WebSocketConnection extends BaseConnection {
  constructor(private readonly ws: WebSocketLike) {
    super();
    ws.binaryType = 'arraybuffer';
    ws.addEventListener('message', (ev) => {
      const d = ev.data;
      if (typeof d === 'string') this.deliver(d);
      else if (d instanceof ArrayBuffer) this.deliver(new Uint8Array(d));
      else if (ArrayBuffer.isView(d))
        this.deliver(new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
    });
    ws.addEventListener('close', (ev) => this.closed_({ code: ev.code, reason: ev.reason }));
  }

  send(text: string): void {
    if (!this.closed && this.ws.readyState === OPEN) this.ws.send(text);
  }

  close(code: number = CLOSE_CODES.normal, reason = ''): void {
    if (this.closed) return;
    try {
      this.ws.close(...sendableClose(code, reason));
    } catch {
      // already closing
    }
    // Don't wait for the closing handshake: the session is over for us now.
    this.closed_({ code, reason });
  }
}

export interface ConnectWebSocketOptions {
  /** Makes the socket; default `new globalThis.WebSocket(url)`. */
  create?: (url: string) => WebSocketLike;
  /** Give up opening after this long; default 10 s. */
  openTimeoutMs?: number;
}

/** Opens a WebSocket link; rejects with LinkError('link_closed') if it cannot be opened (a refused
 *  token or origin looks the same to a browser: the handshake fails). */
export function connectWebSocket(
  url: string,
  opts: ConnectWebSocketOptions = {},
): Promise<WebSocketConnection> {
  const create =
    opts.create ??
    ((u: string) => {
      const WS = (globalThis as { WebSocket?: new (u: string) => WebSocketLike }).WebSocket;
      if (!WS)
        throw new LinkError('not_supported', 'no WebSocket in this environment; pass `create`');
      return new WS(u);
    });
  return new Promise((resolve, reject) => {
    let ws: WebSocketLike;
    try {
      ws = create(url);
    } catch (e) {
      reject(
        e instanceof LinkError
          ? e
          : new LinkError('link_closed', 'cannot open a WebSocket to the device'),
      );
      return;
    }
    // Attach before open so no early frame is lost.
    const conn = new WebSocketConnection(ws);
    let settled = false;
    const timer = setTimeout(() => {
      if (settled) return;
      settled = true;
      ws.close();
      reject(new LinkError('timeout', 'the device did not accept the connection in time'));
    }, opts.openTimeoutMs ?? 10_000);
    ws.addEventListener('open', () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(conn);
    });
    conn.onClose((info) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      reject(
        new LinkError(
          'link_closed',
          `the device refused the connection (${info.code}${info.reason ? ` ${info.reason}` : ''})`,
        ),
      );
    });
  });
}
