import { describe, expect, it } from 'vitest';
import { libosdpCaptures, osdpVectors } from '../../../test-support/shared.ts';
import { fromHex, toHex } from '../src/bytes.ts';
import { NAK_CODES, OSDP_BAUDS, codeName, isStandardBaud, nakInfo } from '../src/codes.ts';
import { type Command, decodeCommand, encodeCommand } from '../src/commands.ts';
import { type Frame, parseFrame } from '../src/frame.ts';
import {
  type Reply,
  decodeReply,
  encodeReply,
  rxBufferSize,
  supportsAes,
  supportsCrc,
  usesDefaultKey,
} from '../src/replies.ts';
import { allWirePackets } from './support/packets.ts';

function frameOf(hex: string): Frame {
  const r = parseFrame(fromHex(hex));
  if (!r.ok) throw new Error(r.error.message);
  return r.frame;
}

function command(hex: string): Command {
  const f = frameOf(hex);
  const r = decodeCommand(f.code, f.data);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

function reply(hex: string): Reply {
  const f = frameOf(hex);
  const r = decodeReply(f.code, f.data);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

// Plaintext payloads only: under SCS_17/18 DATA is ciphertext, and MAC-type frames without a MAC
// are framing fixtures.
const plain = allWirePackets().filter((p) => {
  if (!p.valid) return false;
  const f = frameOf(p.hex);
  return !(f.scb && f.scb.type >= 0x15);
});

describe('every plaintext shared packet decodes and re-encodes to the same payload', () => {
  it.each(plain)('$name', ({ hex }) => {
    const f = frameOf(hex);
    if (f.reply) {
      const r = decodeReply(f.code, f.data);
      expect(r.ok).toBe(true);
      if (!r.ok) return;
      expect(r.value.kind).not.toBe('unknown');
      const enc = encodeReply(r.value);
      expect(enc.code).toBe(f.code);
      expect(toHex(enc.data)).toBe(toHex(f.data));
    } else {
      const r = decodeCommand(f.code, f.data);
      expect(r.ok).toBe(true);
      if (!r.ok) return;
      expect(r.value.kind).not.toBe('unknown');
      const enc = encodeCommand(r.value);
      expect(enc.code).toBe(f.code);
      expect(toHex(enc.data)).toBe(toHex(f.data));
    }
  });
});

describe('command fields', () => {
  it('COMSET broadcast (Annex E): address 0, 9600 LE', () => {
    expect(command('537F0D00046E00802500006E38')).toEqual({
      kind: 'COMSET',
      address: 0,
      baud: 9600,
    });
  });
  it('COMSET(6, 115200) from the libosdp capture', () => {
    expect(command('53050d00076e0600c2010081ad')).toEqual({
      kind: 'COMSET',
      address: 6,
      baud: 115200,
    });
  });
  it('ID and CAP carry report type 0', () => {
    expect(command('53000900046100C066')).toEqual({ kind: 'ID', reportType: 0 });
    expect(command('FF53000900066200F35D')).toEqual({ kind: 'CAP', reportType: 0 });
  });
  it('KEYSET: key type 1, 16-byte key', () => {
    const c = command('FF53001A000675011000010203040506070001020304050607CFA3');
    expect(c.kind).toBe('KEYSET');
    if (c.kind === 'KEYSET') {
      expect(c.keyType).toBe(1);
      expect(toHex(c.key)).toBe('00010203040506070001020304050607');
    }
  });
  it('CHLNG carries RND.A and SCRYPT the server cryptogram (worked session)', () => {
    const steps = osdpVectors.secure_channel.worked_provisioning_session.steps;
    const keys = osdpVectors.secure_channel.worked_provisioning_session.keys_session1;
    const ch = command(steps[4]!.packet_hex);
    expect(ch.kind === 'CHLNG' && toHex(ch.rndA)).toBe(keys.rnd_a.toLowerCase());
    const sc = command(steps[6]!.packet_hex);
    expect(sc.kind === 'SCRYPT' && toHex(sc.serverCryptogram)).toBe(
      keys.server_cryptogram.toLowerCase(),
    );
  });
  it('LSTAT and POLL take no data', () => {
    expect(encodeCommand({ kind: 'LSTAT' })).toEqual({ code: 0x64, data: new Uint8Array(0) });
    expect(encodeCommand({ kind: 'POLL' })).toEqual({ code: 0x60, data: new Uint8Array(0) });
  });
});

describe('reply fields', () => {
  it('PDID field capture (HID)', () => {
    const r = reply('53801400044500068E01017F000000010A05D34D');
    expect(r.kind).toBe('PDID');
    if (r.kind !== 'PDID') return;
    expect(toHex(r.vendor)).toBe('00068e');
    expect(r).toMatchObject({
      model: 1,
      version: 1,
      serial: 127,
      firmware: { major: 1, minor: 10, build: 5 },
    });
  });

  it('PDID from the libosdp PD (vendor 0x0a0b0c little-endian on the wire, model 153, serial 0x01020304, fw 3.2.1)', () => {
    const ex = libosdpCaptures.observed_libosdp_pd.exchanges.find((e) =>
      e.cmd.startsWith('530309000661'),
    )!;
    const r = reply(ex.reply!);
    if (r.kind !== 'PDID') throw new Error('not a PDID');
    expect(toHex(r.vendor)).toBe('0c0b0a');
    expect(r).toMatchObject({
      model: 153,
      version: 1,
      serial: 0x01020304,
      firmware: { major: 3, minor: 2, build: 1 },
    });
  });

  it('PDCAP helpers on the worked session (CRC, AES, default key, RX 256)', () => {
    const r = reply(osdpVectors.secure_channel.worked_provisioning_session.steps[3]!.packet_hex);
    if (r.kind !== 'PDCAP') throw new Error('not a PDCAP');
    expect(r.entries).toHaveLength(4);
    expect(supportsCrc(r.entries)).toBe(true);
    expect(supportsAes(r.entries)).toBe(true);
    expect(usesDefaultKey(r.entries)).toBe(true);
    expect(rxBufferSize(r.entries)).toBe(256);
  });

  it('PDCAP helpers on the libosdp PD (not on the default key) and on an empty PDCAP', () => {
    const ex = libosdpCaptures.observed_libosdp_pd.exchanges.find((e) =>
      e.reply?.startsWith('53831a000746'),
    )!;
    const r = reply(ex.reply!);
    if (r.kind !== 'PDCAP') throw new Error('not a PDCAP');
    expect(r.entries[0]).toEqual({ functionCode: 4, compliance: 1, numberOf: 1 });
    expect([supportsCrc(r.entries), supportsAes(r.entries), usesDefaultKey(r.entries)]).toEqual([
      true,
      true,
      false,
    ]);
    expect(rxBufferSize(r.entries)).toBe(256);
    expect([supportsCrc([]), supportsAes([]), usesDefaultKey([]), rxBufferSize([])]).toEqual([
      false,
      false,
      false,
      undefined,
    ]);
  });

  it('NAK keeps its code and any extra detail bytes', () => {
    expect(reply('53800900064106A0BA')).toEqual({
      kind: 'NAK',
      errorCode: 6,
      detail: new Uint8Array(0),
    });
    const r = decodeReply(0x41, fromHex('0901ff'));
    expect(r.ok && r.value).toEqual({ kind: 'NAK', errorCode: 9, detail: fromHex('01ff') });
    expect(toHex(encodeReply({ kind: 'NAK', errorCode: 9, detail: fromHex('01ff') }).data)).toBe(
      '0901ff',
    );
  });

  it.each(Object.keys(NAK_CODES).map(Number))(
    'NAK code 0x%s decodes with a name and meaning',
    (code) => {
      const r = decodeReply(0x41, Uint8Array.of(code));
      expect(r.ok && r.value.kind === 'NAK' && r.value.errorCode).toBe(code);
      expect(nakInfo(code).meaning).not.toBe('unknown NAK code');
    },
  );

  it('COM from the libosdp PD carries the NEW address and baud', () => {
    expect(reply('53850d0007540600c201003be0')).toEqual({ kind: 'COM', address: 6, baud: 115200 });
  });

  it('CCRYPT splits cUID, RND.B and client cryptogram; RMAC_I carries RMAC-I', () => {
    const steps = osdpVectors.secure_channel.worked_provisioning_session.steps;
    const keys = osdpVectors.secure_channel.worked_provisioning_session.keys_session1;
    const cc = reply(steps[5]!.packet_hex);
    if (cc.kind !== 'CCRYPT') throw new Error('not CCRYPT');
    expect(toHex(cc.cUID)).toBe('0a00170102785634');
    expect(toHex(cc.rndB)).toBe(keys.rnd_b.toLowerCase());
    expect(toHex(cc.clientCryptogram)).toBe(keys.client_cryptogram.toLowerCase());
    const rm = reply(steps[7]!.packet_hex);
    expect(rm.kind === 'RMAC_I' && toHex(rm.rmacI)).toBe(keys.rmac_i.toLowerCase());
  });

  it('LSTATR and BUSY', () => {
    expect(decodeReply(0x48, fromHex('0100'))).toEqual({
      ok: true,
      value: { kind: 'LSTATR', tamper: 1, power: 0 },
    });
    expect(decodeReply(0x79, new Uint8Array(0))).toEqual({ ok: true, value: { kind: 'BUSY' } });
  });
});

describe('malformed and unknown payloads', () => {
  const badCommands: [number, string][] = [
    [0x60, '00'],
    [0x61, ''],
    [0x61, '0000'],
    [0x62, ''],
    [0x64, '01'],
    [0x6e, '00802500'],
    [0x6e, '008025000000'],
    [0x75, '01'],
    [0x75, '011000'],
    [0x76, '00010203040506'],
    [0x77, '00'],
  ];
  it.each(badCommands)('command 0x%s with data "%s" is bad_payload', (code, hex) => {
    const r = decodeCommand(code, fromHex(hex));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.kind).toBe('bad_payload');
  });

  const badReplies: [number, string][] = [
    [0x40, '00'],
    [0x41, ''],
    [0x45, '00068e01017f000000010a'],
    [0x46, '0801'],
    [0x48, '00'],
    [0x54, '0580250000ff'],
    [0x76, '00'],
    [0x78, '00'],
    [0x79, '00'],
  ];
  it.each(badReplies)('reply 0x%s with data "%s" is bad_payload', (code, hex) => {
    const r = decodeReply(code, fromHex(hex));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.kind).toBe('bad_payload');
  });

  it('unknown codes decode as unknown and re-encode unchanged', () => {
    const c = decodeCommand(0x69, fromHex('0102'));
    expect(c).toEqual({ ok: true, value: { kind: 'unknown', code: 0x69, data: fromHex('0102') } });
    if (c.ok) expect(encodeCommand(c.value)).toEqual({ code: 0x69, data: fromHex('0102') });
    const r = decodeReply(0x50, fromHex('aa'));
    expect(r).toEqual({ ok: true, value: { kind: 'unknown', code: 0x50, data: fromHex('aa') } });
  });

  it('encoding rejects caller bugs', () => {
    expect(() => encodeCommand({ kind: 'CHLNG', rndA: new Uint8Array(7) })).toThrow(RangeError);
    expect(() => encodeCommand({ kind: 'COMSET', address: 256, baud: 9600 })).toThrow(RangeError);
    expect(() => encodeReply({ kind: 'RMAC_I', rmacI: new Uint8Array(15) })).toThrow(RangeError);
  });
});

describe('code tables', () => {
  it('names codes by direction', () => {
    expect(codeName(0x76, false)).toBe('osdp_CHLNG');
    expect(codeName(0x76, true)).toBe('osdp_CCRYPT');
    expect(codeName(0x99, true)).toBe('reply 0x99');
  });
  it('knows the standard bauds', () => {
    expect(OSDP_BAUDS).toEqual([9600, 19200, 38400, 57600, 115200, 230400]);
    expect(isStandardBaud(115200)).toBe(true);
    expect(isStandardBaud(12345)).toBe(false);
  });
});
