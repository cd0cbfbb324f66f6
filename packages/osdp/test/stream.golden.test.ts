// The stream parser's every event, word for word, over hand-made byte streams: each case is a list
// of operations (push bytes at a time, expire, reset) and the log shows each event in full — the
// bytes dropped, the reason, the message, the header kept for NAK 0x02, the frame and its time —
// and what stays buffered. Pinned as a snapshot (test/__snapshots__): a change to what the parser
// drops or keeps must be a deliberate one.
import { describe, expect, it } from 'vitest';
import { toHex } from '../src/bytes.ts';
import { crc16 } from '../src/crc.ts';
import { buildFrame } from '../src/frame.ts';
import { FrameStreamParser, type FrameStreamOptions } from '../src/stream.ts';

const poll = buildFrame({
  address: 1,
  reply: false,
  sqn: 1,
  check: 'crc',
  code: 0x60,
  data: new Uint8Array(0),
});
const ack = buildFrame({
  address: 1,
  reply: true,
  sqn: 1,
  check: 'crc',
  code: 0x40,
  data: new Uint8Array(0),
});
const cksum = buildFrame({
  address: 2,
  reply: false,
  sqn: 2,
  check: 'checksum',
  code: 0x60,
  data: new Uint8Array(0),
});
const secure = buildFrame({
  address: 1,
  reply: false,
  sqn: 1,
  check: 'crc',
  scb: { type: 0x11, data: Uint8Array.of(0) },
  code: 0x76,
  data: new Uint8Array(8),
});
const b = (...parts: (Uint8Array | number[])[]) => Uint8Array.from(parts.flatMap((p) => [...p]));
/** A frame's bytes with their CRC appended (the parser checks it before anything inside). */
const withCrc = (body: number[]) => {
  const c = crc16(Uint8Array.from(body));
  return [...body, c & 0xff, c >> 8];
};
const flipLast = (f: Uint8Array) => b(f.subarray(0, -1), [f[f.length - 1]! ^ 0xff]);

type Op = { push: Uint8Array; at?: number } | { expire: number } | 'reset';

function log(ops: Op[], opts?: FrameStreamOptions): string[] {
  const p = new FrameStreamParser(opts);
  const out: string[] = [];
  for (const op of ops) {
    const events =
      op === 'reset' ? p.reset() : 'expire' in op ? p.expire(op.expire) : p.push(op.push, op.at);
    const what =
      op === 'reset'
        ? 'reset'
        : 'expire' in op
          ? `expire @${op.expire}`
          : `push ${toHex(op.push)}${op.at === undefined ? '' : ` @${op.at}`}`;
    out.push(`${what} → pending ${p.pending}`);
    for (const e of events)
      out.push(
        e.type === 'frame'
          ? `  frame ${toHex(e.frame.bytes)}${e.frame.mark ? ' (MARK)' : ''}${e.at === undefined ? '' : ` @${e.at}`}`
          : `  dropped ${e.reason} ${toHex(e.bytes)}${e.message === undefined ? '' : ` "${e.message}"`}${e.header ? ` header ${toHex(e.header)}` : ''}`,
      );
  }
  return out;
}

const CASES: Record<string, { ops: Op[]; opts?: FrameStreamOptions }> = {
  'garbage, then a frame': { ops: [{ push: b([1, 2, 3], poll) }] },
  'a MARK before the SOM, two MARKs': {
    ops: [{ push: b([0xff], poll) }, { push: b([0xff, 0xff], ack) }],
  },
  'a trailing MARK kept for the next chunk, its SOM arriving later': {
    ops: [{ push: b([9, 0xff]) }, { push: poll }],
  },
  'a lone MARK, then garbage': { ops: [{ push: b([0xff]) }, { push: b([7]) }] },
  'a frame cut across chunks, one byte at a time': {
    ops: [...cksum].map((x) => ({ push: Uint8Array.of(x) })),
  },
  'CTRL with reserved bits, then a frame': { ops: [{ push: b([0x53, 1, 8, 0, 0x14], poll) }] },
  'a false SOM, then a MARK and a frame: the MARK stays with its frame': {
    ops: [{ push: b([0x53, 1, 8, 0, 0x14, 0xff], poll) }],
  },
  'a false SOM with a MARK at the end of the chunk: the MARK waits for its frame': {
    ops: [{ push: Uint8Array.of(0x53, 1, 8, 0, 0x14, 0xff) }, { push: poll }],
  },
  'two false SOMs in a row: one drop, merged': {
    ops: [{ push: b([0x53, 1, 8, 0, 0x14, 0x53, 2, 8, 0, 0x24], poll) }],
  },
  'LEN below the minimum, then a frame': { ops: [{ push: b([0x53, 1, 3, 0, 0x04], poll) }] },
  'a failed CRC, then a frame; a failed checksum': {
    ops: [{ push: b(flipLast(poll), ack) }, { push: flipLast(cksum) }],
  },
  'a malformed security block (SEC_BLK_LEN 4), then a frame': {
    ops: [{ push: b(withCrc([0x53, 1, 12, 0, 0x0c, 4, 0x11, 0, 0, 0x60]), poll) }],
  },
  'LEN above the maximum: the header kept for NAK 0x02, MARK included': {
    ops: [{ push: b([0xff, 0x53, 1, 0x00, 0x02, 0x04], [1, 2, 3]) }, { push: poll }],
    opts: { maxLength: 100 },
  },
  'a frame hidden inside a false one, found once the line goes quiet': {
    ops: [{ push: b([0x53, 1, 0x40, 0, 0x04], poll), at: 0 }, { expire: 19 }, { expire: 20 }],
  },
  'a gap inside a frame: longer than the timeout drops it, exactly the timeout keeps it': {
    ops: [
      { push: poll.subarray(0, 4), at: 0 },
      { push: poll.subarray(4), at: 20 },
      { push: poll.subarray(0, 4), at: 100 },
      { push: poll.subarray(4), at: 121 },
    ],
  },
  'a stale partial frame with a MARK behind it': {
    ops: [{ push: b(poll.subarray(0, 3), [0xff]), at: 0 }, { expire: 50 }],
  },
  'a stale header too short to read': {
    ops: [{ push: Uint8Array.of(0x53, 1), at: 0 }, { expire: 25 }],
  },
  'time without bytes, and bytes without time': {
    ops: [
      { expire: 1000 },
      { push: poll.subarray(0, 6) },
      { expire: 5000 },
      { push: poll.subarray(6) },
    ],
  },
  'a configured timeout of 5 ms': {
    ops: [
      { push: poll.subarray(0, 4), at: 0 },
      { push: poll.subarray(4), at: 6 },
    ],
    opts: { interCharTimeoutMs: 5 },
  },
  'a CP takes replies only': { ops: [{ push: b(poll, ack, poll) }], opts: { accept: 'replies' } },
  'a PD takes commands only': { ops: [{ push: b(ack, poll, ack) }], opts: { accept: 'commands' } },
  'reset drops what is buffered and forgets the time': {
    ops: [{ push: secure.subarray(0, 9), at: 0 }, 'reset', { push: secure, at: 1000 }, 'reset'],
  },
  'frames stamped with the time their last byte came': {
    ops: [
      { push: b(poll, ack), at: 7 },
      { push: secure.subarray(0, 10), at: 8 },
      { push: secure.subarray(10), at: 9 },
    ],
  },
  'SOM bytes in a row before a frame: each false SOM waits for the line to go quiet': {
    ops: [{ push: b([0x53, 0x53], poll), at: 0 }, { expire: 20 }],
  },
};

describe('the frame stream parser, event by event', () => {
  for (const [name, c] of Object.entries(CASES))
    it(name, () => {
      expect(log(c.ops, c.opts)).toMatchSnapshot();
    });
});
