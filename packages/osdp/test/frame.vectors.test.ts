import { describe, expect, it } from 'vitest';
import { libosdpCaptures, osdpVectors } from '../../../test-support/shared.ts';
import { fromHex, toHex } from '../src/bytes.ts';
import { type Frame, buildFrame, macInputOf, parseFrame, scbHasMac } from '../src/frame.ts';
import { allWirePackets } from './support/packets.ts';

/** A MAC function that answers with the MAC already on the wire, padded to 16 bytes. */
function wireMac(frame: Frame): ((input: Uint8Array) => Uint8Array) | undefined {
  if (!frame.mac) return undefined;
  return (input) => {
    expect(toHex(input)).toBe(toHex(macInputOf(frame)));
    const m = new Uint8Array(16).fill(0xee);
    m.set(frame.mac!);
    return m;
  };
}

function parseOk(hex: string): Frame {
  const r = parseFrame(fromHex(hex));
  if (!r.ok) throw new Error(`${hex}: ${r.error.kind} ${r.error.message}`);
  return r.frame;
}

describe('every shared packet parses and rebuilds byte for byte', () => {
  const packets = allWirePackets();
  it('covers all the shared packets', () => {
    expect(packets.length).toBe(
      osdpVectors.packets.length +
        osdpVectors.secure_channel.zero_key_command_packets.packets.length +
        osdpVectors.secure_channel.worked_provisioning_session.steps.length +
        libosdpCaptures.from_libosdp_tests.framing_fixtures.cases.length +
        libosdpCaptures.observed_libosdp_pd.exchanges.reduce((n, e) => n + (e.reply ? 2 : 1), 0),
    );
  });

  it.each(packets.filter((p) => p.valid))('$name', ({ hex }) => {
    const f = parseOk(hex);
    const wire = fromHex(hex);
    expect(f.mark).toBe(wire[0] === 0xff);
    expect(toHex(f.bytes)).toBe(toHex(f.mark ? wire.subarray(1) : wire));
    if (f.scb && scbHasMac(f.scb.type) && !f.mac) {
      // libosdp fixture: SCS_16 with no room for a MAC is well-framed; the secure layer rejects it.
      expect(f.bytes.length).toBe(9);
      return;
    }
    expect(toHex(buildFrame(f, wireMac(f)))).toBe(hex.toLowerCase());
  });

  it.each(packets.filter((p) => !p.valid))('$name is rejected', ({ hex }) => {
    const r = parseFrame(fromHex(hex));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.kind).toBe('bad_check');
  });
});

describe('parsed fields', () => {
  it('COMSET broadcast (Annex E, CRC)', () => {
    const f = parseOk('537F0D00046E00802500006E38');
    expect(f).toMatchObject({
      address: 0x7f,
      reply: false,
      sqn: 0,
      check: 'crc',
      code: 0x6e,
      mark: false,
    });
    expect(toHex(f.data)).toBe('0080250000');
    expect(f.scb).toBeUndefined();
    expect(f.mac).toBeUndefined();
  });

  it('ACK reply with MARK, checksum', () => {
    const f = parseOk('FF53E50700014080');
    expect(f).toMatchObject({
      address: 0x65,
      reply: true,
      sqn: 1,
      check: 'checksum',
      code: 0x40,
      mark: true,
    });
    expect(f.data.length).toBe(0);
  });

  it('CCRYPT with SCB 03 12 01 (libosdp fixture)', () => {
    const f = parseOk(libosdpCaptures.from_libosdp_tests.framing_fixtures.cases[5]!.pkt);
    expect(f.scb?.type).toBe(0x12);
    expect(toHex(f.scb!.data)).toBe('01');
    expect(f.code).toBe(0x76);
    expect(f.data.length).toBe(32);
    expect(f.mac).toBeUndefined();
  });

  it('secure POLL (worked session #9): SCB 02 15, MAC and the MAC input', () => {
    const step = osdpVectors.secure_channel.worked_provisioning_session.steps[8]!;
    const f = parseOk(step.packet_hex);
    expect(f.scb?.type).toBe(0x15);
    expect(f.scb?.data.length).toBe(0);
    expect(f.code).toBe(0x60);
    expect(f.data.length).toBe(0);
    expect(toHex(f.mac!)).toBe(step.full_mac!.slice(0, 8).toLowerCase());
    // MAC input is SOM..CODE with the final LEN (0x0E) already in place.
    expect(toHex(macInputOf(f))).toBe('53010e000e021560');
  });

  it('unknown SCB type 0x19 still frames (the secure layer NAKs it)', () => {
    const f = parseOk('ff53e50900090219405b');
    expect(f.scb?.type).toBe(0x19);
    expect(f.mac).toBeUndefined();
  });
});

describe('buildFrame', () => {
  it('passes SOM..end of DATA with the final LEN to the MAC function and puts 4 bytes on the wire', () => {
    let seen = '';
    const bytes = buildFrame(
      {
        address: 1,
        reply: false,
        sqn: 2,
        check: 'crc',
        scb: { type: 0x17, data: new Uint8Array(0) },
        code: 0x6e,
        data: fromHex('00112233'),
      },
      (input) => {
        seen = toHex(input);
        return fromHex('0102030405060708090a0b0c0d0e0f10');
      },
    );
    expect(seen).toBe('530112000e02176e00112233');
    expect(toHex(bytes.subarray(12, 16))).toBe('01020304');
    expect(bytes.length).toBe(0x12);
  });

  it('prefixes MARK only when asked', () => {
    const f = {
      address: 0x65,
      reply: false,
      sqn: 0 as const,
      check: 'crc' as const,
      code: 0x60,
      data: new Uint8Array(0),
    };
    expect(toHex(buildFrame(f))).toBe('5365080004606090');
    expect(toHex(buildFrame({ ...f, mark: true }))).toBe('ff5365080004606090');
  });

  it('rejects caller bugs', () => {
    const f = {
      address: 0,
      reply: false,
      sqn: 0 as const,
      check: 'crc' as const,
      code: 0x60,
      data: new Uint8Array(0),
    };
    expect(() => buildFrame({ ...f, address: 0x80 })).toThrow(RangeError);
    expect(() => buildFrame({ ...f, scb: { type: 0x15, data: new Uint8Array(0) } })).toThrow(/MAC/);
    expect(() => buildFrame({ ...f, scb: { type: 0x11, data: new Uint8Array(2) } })).toThrow(
      RangeError,
    );
  });
});

describe('parseFrame errors (never throws)', () => {
  const cases: [string, string, string][] = [
    ['', 'too_short', 'empty'],
    ['ff', 'too_short', 'MARK only'],
    ['53000900', 'too_short', 'partial header'],
    ['53000900046100c0', 'too_short', 'truncated'],
    ['54000900046100c066', 'bad_som', 'no SOM'],
    ['ffff53000900046100c066', 'bad_som', 'two MARKs'],
    ['5300050004', 'bad_length', 'LEN below minimum'],
    ['53000900146100c066', 'bad_ctrl', 'CTRL bit 4'],
    ['53000900046100c067', 'bad_check', 'CRC off by one'],
    ['5300080000610045', 'bad_check', 'checksum off by one'],
    ['53000900046100c06600', 'trailing_bytes', 'extra byte'],
  ];
  it.each(cases)('%s → %s (%s)', (hex, kind) => {
    const r = parseFrame(fromHex(hex));
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.kind).toBe(kind);
      expect(r.error.message.length).toBeGreaterThan(0);
    }
  });

  it('rejects SEC_BLK_LEN other than 2 or 3, and an SCB that does not fit', () => {
    const withScb = (scbLen: number, total: number): Uint8Array => {
      const body = [0x53, 0x00, total & 0xff, total >> 8, 0x08, scbLen, 0x11, 0x00, 0x76];
      const b = Uint8Array.from(body.slice(0, total - 1));
      const full = new Uint8Array(total);
      full.set(b);
      full[total - 1] = (0x100 - (b.reduce((a, x) => a + x, 0) & 0xff)) & 0xff;
      return full;
    };
    const four = parseFrame(withScb(4, 10));
    expect(!four.ok && four.error.kind).toBe('bad_scb');
    const one = parseFrame(withScb(1, 10));
    expect(!one.ok && one.error.kind).toBe('bad_scb');
    // LEN 8 with SCB 03 leaves no room for CODE.
    const tight = parseFrame(withScb(3, 9));
    expect(!tight.ok && tight.error.kind).toBe('bad_scb');
  });
});
