import { describe, expect, it } from 'vitest';
import { concat, fromHex, toHex } from '../src/bytes.ts';
import { buildFrame } from '../src/frame.ts';
import { FrameStreamParser, type StreamEvent } from '../src/stream.ts';
import { allWirePackets } from './support/packets.ts';

const frames = (evs: StreamEvent[]): string[] =>
  evs.flatMap((e) => (e.type === 'frame' ? [toHex(e.frame.bytes)] : []));
const drops = (evs: StreamEvent[]): { reason: string; hex: string }[] =>
  evs.flatMap((e) => (e.type === 'dropped' ? [{ reason: e.reason, hex: toHex(e.bytes) }] : []));
const noMark = (hex: string): string => hex.toLowerCase().replace(/^ff/, '');

const valid = allWirePackets().filter((p) => p.valid);
const stream = concat(...valid.map((p) => fromHex(p.hex)));

describe('FrameStreamParser on the shared packets', () => {
  it('yields every packet, in order, from one chunk', () => {
    const evs = new FrameStreamParser().push(stream);
    expect(drops(evs)).toEqual([]);
    expect(frames(evs)).toEqual(valid.map((p) => noMark(p.hex)));
  });

  it('yields the same frames when fed one byte at a time, and reports MARKs', () => {
    const p = new FrameStreamParser();
    const evs: StreamEvent[] = [];
    for (const b of stream) evs.push(...p.push(Uint8Array.of(b)));
    expect(drops(evs)).toEqual([]);
    expect(frames(evs)).toEqual(valid.map((x) => noMark(x.hex)));
    const marks = evs.flatMap((e) => (e.type === 'frame' ? [e.frame.mark] : []));
    expect(marks).toEqual(valid.map((x) => x.hex.toLowerCase().startsWith('ff53')));
    expect(p.pending).toBe(0);
  });

  it('drops the libosdp bad-CRC fixture and resyncs on the next frame', () => {
    const p = new FrameStreamParser();
    const evs = p.push(fromHex('ff53e5080004400000' + '5380080006403bca'));
    expect(frames(evs)).toEqual(['5380080006403bca']);
    expect(drops(evs)).toEqual([{ reason: 'bad_check', hex: 'ff53e5080004400000' }]);
  });
});

describe('resynchronisation', () => {
  it('reports garbage before a SOM', () => {
    const evs = new FrameStreamParser().push(fromHex('0102ff' + '5380080006403bca'));
    expect(drops(evs)).toEqual([{ reason: 'garbage', hex: '0102' }]);
    const f = evs.find((e) => e.type === 'frame');
    expect(f?.type === 'frame' && f.frame.mark).toBe(true);
  });

  it('finds a real frame hidden inside a false frame (rescan of consumed bytes, LOi#222)', () => {
    // A stray 0x53 whose "header" claims 20 bytes swallows a real ACK; the check fails and the
    // consumed bytes are rescanned.
    const real = '5380080006403bca';
    const junk = '53 00 14 00 04' + real + '0000000000000';
    const evs = new FrameStreamParser().push(fromHex(junk.replace(/ /g, '') + '0'));
    expect(frames(evs)).toEqual([real]);
    expect(drops(evs).map((d) => d.reason)).toEqual(['bad_check', 'garbage']);
  });

  it('a 0x53 check byte followed by a frame does not derail the parser', () => {
    // Find a checksum frame whose checksum byte is 0x53.
    let f: Uint8Array = new Uint8Array(0);
    for (let d = 0; d < 256 && f[f.length - 1] !== 0x53; d++) {
      f = buildFrame({
        address: 0x65,
        reply: true,
        sqn: 1,
        check: 'checksum',
        code: 0x41,
        data: Uint8Array.of(d),
      });
    }
    expect(f[f.length - 1]).toBe(0x53);
    const next = '5380080006403bca';
    const p = new FrameStreamParser();
    const evs = [...p.push(f.subarray(0, 3)), ...p.push(concat(f.subarray(3), fromHex(next)))];
    expect(frames(evs)).toEqual([toHex(f), next]);
  });

  it('rejects a LEN above the maximum at once instead of waiting for it', () => {
    const p = new FrameStreamParser({ maxLength: 128 });
    const evs = p.push(fromHex('53008100046000'));
    expect(drops(evs)[0]?.reason).toBe('bad_length');
    expect(p.pending).toBe(0);
    // The default maximum is 1440.
    const d = new FrameStreamParser().push(fromHex('5300a105046000'));
    expect(drops(d)[0]?.reason).toBe('bad_length');
    expect(new FrameStreamParser().push(fromHex('5300a005046000')).length).toBe(0);
  });

  it('rejects a header with CTRL bits 4-7 set', () => {
    const evs = new FrameStreamParser().push(fromHex('53000800146000'));
    expect(drops(evs)).toEqual([{ reason: 'bad_ctrl', hex: '53000800146000' }]);
  });
});

describe('inter-character timeout', () => {
  const ack = fromHex('5380080006403bca');

  it('drops a partial frame after a gap longer than the timeout', () => {
    const p = new FrameStreamParser();
    expect(p.push(ack.subarray(0, 5), 1000)).toEqual([]);
    const evs = p.push(ack, 1021);
    expect(drops(evs)).toEqual([{ reason: 'timeout', hex: '5380080006' }]);
    expect(frames(evs)).toEqual(['5380080006403bca']);
  });

  it('keeps a partial frame across a gap of exactly the timeout', () => {
    const p = new FrameStreamParser();
    p.push(ack.subarray(0, 5), 1000);
    const evs = p.push(ack.subarray(5), 1020);
    expect(frames(evs)).toEqual(['5380080006403bca']);
    expect(evs[0]?.type === 'frame' && evs[0].at).toBe(1020);
  });

  it('honours a configured timeout, and ignores time when no timestamps are given', () => {
    const p = new FrameStreamParser({ interCharTimeoutMs: 5 });
    p.push(ack.subarray(0, 5), 0);
    expect(drops(p.push(ack.subarray(5), 6))[0]?.reason).toBe('timeout');
    const q = new FrameStreamParser();
    q.push(ack.subarray(0, 5));
    expect(frames(q.push(ack.subarray(5)))).toEqual(['5380080006403bca']);
  });

  it('still yields complete frames buffered behind a stale false SOM', () => {
    const p = new FrameStreamParser();
    // False SOM with a plausible LEN swallows a complete ACK, then the line goes quiet.
    expect(p.push(fromHex('53001400045380080006403bca'), 0)).toEqual([]);
    const evs = p.push(new Uint8Array(0), 100);
    expect(frames(evs)).toEqual(['5380080006403bca']);
    expect(drops(evs)).toEqual([{ reason: 'timeout', hex: '5300140004' }]);
  });
});

describe('expire(): the line went quiet (a read timed out, no new bytes)', () => {
  it('drops a stale partial frame and yields the frames buffered behind its false SOM', () => {
    const p = new FrameStreamParser();
    expect(p.push(fromHex('53001400045380080006403bca'), 0)).toEqual([]);
    expect(p.expire(19)).toEqual([]); // not yet: the frame may still complete
    expect(p.pending).toBe(13);
    const evs = p.expire(20);
    expect(frames(evs)).toEqual(['5380080006403bca']);
    expect(drops(evs)).toEqual([{ reason: 'timeout', hex: '5300140004' }]);
    expect(p.pending).toBe(0);
    expect(p.expire(100)).toEqual([]);
  });

  it('does nothing without timestamps or without buffered bytes', () => {
    const p = new FrameStreamParser();
    p.push(fromHex('5300140004'));
    expect(p.expire(1000)).toEqual([]);
    expect(new FrameStreamParser().expire(1000)).toEqual([]);
  });
});

describe('over-size headers', () => {
  it('report the header (MARK included) so a PD can answer NAK 0x02', () => {
    const evs = new FrameStreamParser({ maxLength: 128 }).push(fromHex('ff53018100046000'));
    expect(evs).toHaveLength(1);
    expect(evs[0]).toMatchObject({ type: 'dropped', reason: 'bad_length' });
    expect(evs[0]?.type === 'dropped' && evs[0].header && toHex(evs[0].header)).toBe(
      'ff5301810004',
    );
  });

  it('keep the whole header even when a LEN byte is 0x53, and only for LEN above the maximum', () => {
    const [e] = new FrameStreamParser().push(fromHex('5301530604'));
    expect(e?.type === 'dropped' && e.header && toHex(e.header)).toBe('5301530604');
    const [short] = new FrameStreamParser().push(fromHex('5301030004'));
    expect(short?.type === 'dropped' && short.reason).toBe('bad_length');
    expect(short?.type === 'dropped' && short.header).toBeUndefined();
  });
});

describe('direction filter', () => {
  const cmd = '53000800066089cc';
  const reply = '5380080006403bca';
  it('a CP accepts only replies', () => {
    const evs = new FrameStreamParser({ accept: 'replies' }).push(fromHex(cmd + reply));
    expect(frames(evs)).toEqual([reply]);
    expect(drops(evs)).toEqual([{ reason: 'wrong_direction', hex: cmd }]);
  });
  it('a PD accepts only commands', () => {
    const evs = new FrameStreamParser({ accept: 'commands' }).push(fromHex(cmd + reply));
    expect(frames(evs)).toEqual([cmd]);
    expect(drops(evs)).toEqual([{ reason: 'wrong_direction', hex: reply }]);
  });
});

it('reset() discards a partial frame and reports it', () => {
  const p = new FrameStreamParser();
  p.push(fromHex('538008'));
  expect(drops(p.reset())).toEqual([{ reason: 'reset', hex: '538008' }]);
  expect(p.pending).toBe(0);
});
