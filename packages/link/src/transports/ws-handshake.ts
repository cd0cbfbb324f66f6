// The opening handshake of a WebSocket client (RFC 6455 §4.1), as functions over text and bytes:
// the GET it sends and the reading of the server's answer. Done over a bare TCP socket rather than
// node:http, whose client costs ≈14 ms cold at every CLI start.

import { createHash } from 'node:crypto';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** The Sec-WebSocket-Accept a server must answer the nonce `key` with (§4.2.2 step 5.4). */
export function acceptFor(key: string): string {
  return createHash('sha1')
    .update(key + GUID)
    .digest('base64');
}

/** The upgrade request for `url` (ws:, no userinfo) with the client's nonce. */
export function upgradeRequest(url: URL, key: string, origin?: string): string {
  if (url.username || url.password) throw new TypeError('a device address carries no user info');
  const lines = [
    `GET ${url.pathname || '/'}${url.search} HTTP/1.1`,
    `Host: ${url.host}`,
    'Connection: Upgrade',
    'Upgrade: websocket',
    'Sec-WebSocket-Version: 13',
    `Sec-WebSocket-Key: ${key}`,
  ];
  if (origin !== undefined) {
    if (/[\r\n]/.test(origin)) throw new TypeError('an Origin holds no line breaks');
    lines.push(`Origin: ${origin}`);
  }
  return lines.join('\r\n') + '\r\n\r\n';
}

export interface ResponseHead {
  status: number;
  /** Lower-cased names; a repeated header keeps its values joined with ", ". */
  headers: Map<string, string>;
  /** Bytes of the head, \r\n\r\n included; what follows is body or frames. */
  length: number;
}

/** The most a response head may take: a device's answer is a few lines. */
export const MAX_HEAD_BYTES = 8192;

const CRLFCRLF = [13, 10, 13, 10];

/** Reads an HTTP/1.1 response head from the start of `buf`: null while it is incomplete; throws
 *  on one that is malformed or over MAX_HEAD_BYTES. */
export function parseResponseHead(buf: Uint8Array): ResponseHead | null {
  let end = -1;
  for (let i = 0; i + 3 < buf.length && i < MAX_HEAD_BYTES; i++)
    if (CRLFCRLF.every((b, k) => buf[i + k] === b)) {
      end = i;
      break;
    }
  if (end === -1) {
    if (buf.length >= MAX_HEAD_BYTES) throw new Error('a response head over 8 KiB');
    return null;
  }
  let text = '';
  for (let i = 0; i < end; i++) text += String.fromCharCode(buf[i]!);
  const [statusLine = '', ...rest] = text.split('\r\n');
  const m = /^HTTP\/1\.[01] (\d{3})(?: .*)?$/.exec(statusLine);
  if (!m) throw new Error('not an HTTP/1.1 response');
  const headers = new Map<string, string>();
  for (const line of rest) {
    const colon = line.indexOf(':');
    if (colon <= 0) throw new Error('a malformed header line');
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    const had = headers.get(name);
    headers.set(name, had === undefined ? value : `${had}, ${value}`);
  }
  return { status: Number(m[1]), headers, length: end + 4 };
}

/** Why a 101 answer may not be taken (§4.1, client steps 1–6), or null when it may. */
export function upgradeProblem(head: ResponseHead, expectedAccept: string): string | null {
  const h = head.headers;
  if ((h.get('upgrade') ?? '').toLowerCase() !== 'websocket') return 'no Upgrade: websocket';
  if (
    !(h.get('connection') ?? '')
      .toLowerCase()
      .split(',')
      .some((t) => t.trim() === 'upgrade')
  )
    return 'no Connection: Upgrade';
  if (h.get('sec-websocket-accept') !== expectedAccept) return 'a wrong Sec-WebSocket-Accept';
  if (h.has('sec-websocket-extensions') || h.has('sec-websocket-protocol'))
    return 'an extension or subprotocol that was not offered';
  return null;
}
