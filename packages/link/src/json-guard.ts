// Turns an untrusted frame into a JSON value, or a reason it cannot be one. Every check that bounds
// work (size, UTF-8, nesting) runs before JSON.parse; nothing here throws.

import { MAX_DEPTH, MAX_FRAME_BYTES } from './messages.ts';

export type Guarded =
  | { ok: true; value: unknown }
  /** `value`, when present, is the parsed frame with forbidden keys removed: enough to read an id. */
  | { ok: false; code: 'too_large' | 'bad_request'; message: string; value?: unknown };

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const MAYBE_FORBIDDEN = /__proto__|constructor|prototype|\\u/;

/** UTF-8 length of a string without allocating (lone surrogates count as the 3-byte U+FFFD). */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (
      c >= 0xd800 &&
      c <= 0xdbff &&
      i + 1 < s.length &&
      (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00
    ) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/** Deepest array/object nesting of a JSON text, not counting brackets inside strings. */
export function jsonDepth(s: string, limit: number): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22 /* " */) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) max = depth;
      if (max > limit) return max;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return max;
}

export function guardJson(data: string | Uint8Array, maxBytes = MAX_FRAME_BYTES): Guarded {
  let s: string;
  if (typeof data === 'string') {
    // UTF-8 never takes fewer bytes than UTF-16 code units, so this bounds the work below.
    if (data.length > maxBytes || utf8Length(data) > maxBytes) {
      return { ok: false, code: 'too_large', message: `frame over ${maxBytes} bytes` };
    }
    s = data;
  } else {
    if (!(data instanceof Uint8Array))
      return { ok: false, code: 'bad_request', message: 'frame is neither text nor bytes' };
    if (data.length > maxBytes)
      return { ok: false, code: 'too_large', message: `frame over ${maxBytes} bytes` };
    try {
      s = utf8.decode(data);
    } catch {
      return { ok: false, code: 'bad_request', message: 'frame is not valid UTF-8' };
    }
  }
  if (jsonDepth(s, MAX_DEPTH) > MAX_DEPTH)
    return { ok: false, code: 'bad_request', message: `nesting deeper than ${MAX_DEPTH}` };
  // A key can only be a forbidden one if its letters (or a \u escape) are in the text: without
  // them, skip the reviver, which costs a call per value (most of the decode time of a big batch).
  if (!MAYBE_FORBIDDEN.test(s)) {
    try {
      return { ok: true, value: JSON.parse(s) as unknown };
    } catch {
      return { ok: false, code: 'bad_request', message: 'not valid JSON' };
    }
  }
  let forbidden = false;
  let value: unknown;
  try {
    value = JSON.parse(s, function (key, val: unknown) {
      if (!FORBIDDEN_KEYS.has(key)) return val;
      forbidden = true;
      return undefined; // drops the key
    });
  } catch {
    // Never pass on the parser's message: it quotes the input.
    return { ok: false, code: 'bad_request', message: 'not valid JSON' };
  }
  if (forbidden)
    return {
      ok: false,
      code: 'bad_request',
      message: 'forbidden key (__proto__, constructor or prototype)',
      value,
    };
  return { ok: true, value };
}
