import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  FRAME_HEADER_BYTES,
  FRAME_MAGIC,
  FrameDecoder,
  FramedConnection,
  LinkClient,
  MAX_FRAME_BYTES,
  createLinkServer,
  encodeFrame,
  encodeRequest,
  type ByteStream,
} from '../src/index.ts';
import { FakeDevice, tick } from './fixtures.ts';

const dec = new TextDecoder();

/** Splits bytes at the given cut points. */
function chop(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const pts = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const p of [...pts, bytes.length]) {
    out.push(bytes.slice(prev, p));
    prev = p;
  }
  return out;
}

describe('length-prefixed framing', () => {
  it('frames survive any chunking of the byte stream', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ maxLength: 300 }), { minLength: 1, maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        (texts, cuts) => {
          const stream = new Uint8Array(texts.flatMap((t) => [...encodeFrame(t)]));
          const d = new FrameDecoder();
          const got: string[] = [];
          for (const chunk of chop(stream, cuts)) {
            const r = d.push(chunk);
            expect(r.error).toBeUndefined();
            got.push(...r.frames.map((f) => dec.decode(f)));
          }
          expect(got).toEqual(texts);
          expect(d.pending).toBe(0);
        },
      ),
    );
  });

  it('the header is the magic byte and the UTF-8 length, little-endian', () => {
    expect([...encodeFrame('€')]).toEqual([FRAME_MAGIC, 3, 0, 0, 0, 0xe2, 0x82, 0xac]);
    expect(FRAME_HEADER_BYTES).toBe(5);
  });

  it('an announced length over the limit fails at the header, before buffering the body', () => {
    const d = new FrameDecoder();
    const header = Uint8Array.of(FRAME_MAGIC, 0x01, 0x00, 0x02, 0x00); // 128 KiB + 1
    expect(d.push(header)).toEqual({
      frames: [],
      error: { code: 'too_large', message: `frame over ${MAX_FRAME_BYTES} bytes` },
    });
    // Once framing is lost, nothing more is accepted.
    expect(d.push(encodeFrame('{}')).frames).toEqual([]);
    expect(() => encodeFrame('x'.repeat(MAX_FRAME_BYTES + 1))).toThrow(RangeError);
  });

  it('a bad magic byte fails the stream, keeping frames completed before it', () => {
    const d = new FrameDecoder();
    const r = d.push(new Uint8Array([...encodeFrame('a'), 0x7b, 0, 0, 0, 0]));
    expect(r.frames.map((f) => dec.decode(f))).toEqual(['a']);
    expect(r.error?.code).toBe('bad_request');
  });

  it('random bytes never throw', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 10 }), (chunks) => {
        const d = new FrameDecoder();
        for (const c of chunks) d.push(c);
      }),
    );
  });
});

describe('FramedConnection', () => {
  function pipe() {
    const ends: { host?: FramedConnection; device?: FramedConnection } = {};
    const closed: string[] = [];
    const hostStream: ByteStream = {
      write: (b) => queueMicrotask(() => ends.device!.receive(b)),
      close: () => closed.push('host'),
    };
    const deviceStream: ByteStream = {
      write: (b) => queueMicrotask(() => ends.host!.receive(b)),
      close: () => closed.push('device'),
    };
    const toHost = (ends.host = new FramedConnection(hostStream));
    const toDevice = (ends.device = new FramedConnection(deviceStream));
    return { host: toHost, device: toDevice, closed };
  }

  it('carries a whole session over a byte stream', async () => {
    const { host, device } = pipe();
    createLinkServer(new FakeDevice(), device);
    const client = new LinkClient(host);
    await expect(client.hello()).resolves.toMatchObject({ model: 'osprio-pro' });
    await expect(client.listSlots()).resolves.toHaveLength(4);
  });

  it('lost framing gets an error frame, then the link closes', async () => {
    const { host, device, closed } = pipe();
    const got: string[] = [];
    host.onMessage((d) => got.push(dec.decode(d as Uint8Array)));
    createLinkServer(new FakeDevice(), device);
    device.receive(Uint8Array.of(0x7b, 0x22, 0x69, 0x64, 0x22)); // raw JSON, no framing
    await tick();
    expect(JSON.parse(got[0]!)).toMatchObject({
      id: null,
      ok: false,
      error: { code: 'bad_request' },
    });
    expect(device.closed).toBe(true);
    expect(closed).toEqual(['device']);
    // A well-framed request after that is ignored.
    device.receive(encodeFrame(encodeRequest(1, 'status', {})));
    await tick();
    expect(got).toHaveLength(1);
  });
});
