import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { concat } from '@osprio/osdp';
import {
  CPO,
  DO,
  escapeIac,
  IAC,
  negotiation,
  OPT_COM_PORT,
  setBaudrate,
  subnegotiation,
  TelnetDecoder,
  WILL,
} from '../src/telnet.ts';

function feedSplit(dec: TelnetDecoder, stream: Uint8Array, cuts: number[]) {
  const data: number[] = [];
  const events = [];
  let prev = 0;
  for (const c of [
    ...cuts.map((x) => x % (stream.length + 1)).sort((a, b) => a - b),
    stream.length,
  ]) {
    const r = dec.feed(stream.subarray(prev, Math.max(prev, c)));
    data.push(...r.data);
    events.push(...r.events);
    prev = Math.max(prev, c);
  }
  return { data: Uint8Array.from(data), events };
}

describe('telnet codec (RFC 2217 framing)', () => {
  it('doubles 0xFF in data, so OSDP MARK bytes survive', () => {
    expect(escapeIac(Uint8Array.of(0xff, 0x53, 0xff, 0xff))).toEqual(
      Uint8Array.of(0xff, 0xff, 0x53, 0xff, 0xff, 0xff, 0xff),
    );
    const plain = Uint8Array.of(1, 2, 3);
    expect(escapeIac(plain)).toBe(plain);
  });

  it('decodes escaped data back to the original however the stream is split (property)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 200 }),
        fc.array(fc.nat(), { maxLength: 6 }),
        (data, cuts) => {
          const { data: out, events } = feedSplit(new TelnetDecoder(), escapeIac(data), cuts);
          expect(out).toEqual(data);
          expect(events).toEqual([]);
        },
      ),
    );
  });

  it('separates negotiations and subnegotiations from data, across chunk boundaries', () => {
    const baudAck = subnegotiation(
      OPT_COM_PORT,
      Uint8Array.of(CPO.SET_BAUDRATE + CPO.SERVER_OFFSET, 0, 0, 0x25, 0x80),
    );
    const stream = concat(
      Uint8Array.of(0x53),
      negotiation(DO, OPT_COM_PORT),
      escapeIac(Uint8Array.of(0xff, 0x01)),
      baudAck,
      Uint8Array.of(0x02),
    );
    for (let cut = 0; cut <= stream.length; cut++) {
      const { data, events } = feedSplit(new TelnetDecoder(), stream, [cut]);
      expect(data).toEqual(Uint8Array.of(0x53, 0xff, 0x01, 0x02));
      expect(events).toEqual([
        { type: 'negotiate', verb: DO, option: OPT_COM_PORT },
        { type: 'sub', option: OPT_COM_PORT, payload: Uint8Array.of(101, 0, 0, 0x25, 0x80) },
      ]);
    }
  });

  it('escapes 0xFF inside a SET-BAUDRATE value and decodes it back', () => {
    const baud = 0x0001ff00; // contains an 0xFF byte
    const wire = setBaudrate(baud);
    expect(wire).toEqual(Uint8Array.of(IAC, 0xfa, 44, 1, 0x00, 0x01, 0xff, 0xff, 0x00, IAC, 0xf0));
    const { events } = new TelnetDecoder().feed(wire);
    expect(events).toEqual([
      { type: 'sub', option: 44, payload: Uint8Array.of(1, 0x00, 0x01, 0xff, 0x00) },
    ]);
    expect(negotiation(WILL, 44)).toEqual(Uint8Array.of(255, 251, 44));
  });
});

describe('telnet decoder robustness', () => {
  it('never throws on arbitrary bytes from a peer, and never invents more data than it was given (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 8 }), (chunks) => {
        const dec = new TelnetDecoder();
        let inLen = 0;
        let outLen = 0;
        for (const c of chunks) {
          inLen += c.length;
          outLen += dec.feed(c).data.length;
        }
        expect(outLen).toBeLessThanOrEqual(inLen);
      }),
    );
  });
});
