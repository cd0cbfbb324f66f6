// Small rules a sampled mutation run found unguarded (`npm run mutate:sample -- osdp`): names from
// the spec's tables, the shortest frame, decoded values that must not alias the wire buffer, and
// the exact reasons given for malformed secure-channel messages and bad caller inputs.
import { describe, expect, it } from 'vitest';
import {
  COMMAND_NAMES,
  NAK_CHECK,
  NAK_CMD_LEN,
  NAK_CODES,
  PDCAP_FUNCTIONS,
  SCS_11,
  SCS_14,
  codeName,
  nakInfo,
  osdp_CHLNG,
  osdp_KEYSET,
  osdp_RMAC_I,
  osdp_SCRYPT,
} from '../src/codes.ts';
import { buildFrame, minFrameLength } from '../src/frame.ts';
import { decodeCapture } from '../src/capture.ts';
import { FrameStreamParser } from '../src/stream.ts';
import { acuInit, acuStep, hasSession, isIdle } from '../src/acu-link.ts';
import { decodeCommand, encodeCommand } from '../src/commands.ts';
import { decodeReply, encodeReply } from '../src/replies.ts';
import { fromHex, equalBytes } from '../src/bytes.ts';
import { seededBytes } from '../src/pd-types.ts';
import { deriveSessionKeys, osdpMac, pad80, serverCryptogram } from '../src/sc-crypto.ts';
import { cpCheckRmacI, pdAnswerChlng } from '../src/secure-channel.ts';

describe("the spec's names", () => {
  it('name commands, NAKs and unknown codes the way the reference does', () => {
    expect(COMMAND_NAMES[osdp_KEYSET]).toBe('osdp_KEYSET');
    expect(COMMAND_NAMES[osdp_CHLNG]).toBe('osdp_CHLNG');
    expect(codeName(osdp_KEYSET, false)).toBe('osdp_KEYSET');
    expect(codeName(0xee, false)).toBe('command 0xee');
    expect(codeName(0xee, true)).toBe('reply 0xee');
    expect(NAK_CODES[0x00]).toEqual({ name: 'NONE', meaning: 'no error' });
    expect(nakInfo(NAK_CHECK)).toEqual({
      name: 'CHECK',
      meaning: 'message check character error (bad checksum/CRC)',
    });
    expect(nakInfo(0xf0)).toEqual({ name: '0xf0', meaning: 'unknown NAK code' });
  });
});

describe('PDCAP function names (reference §3.4)', () => {
  it('name all sixteen function codes as the reference table does', () => {
    expect(PDCAP_FUNCTIONS).toEqual({
      1: 'Contact status monitoring',
      2: 'Output control',
      3: 'Card data format',
      4: 'Reader LED control',
      5: 'Reader audible output',
      6: 'Reader text output',
      7: 'Time keeping',
      8: 'Check character support',
      9: 'Communication security',
      10: 'Receive buffer size',
      11: 'Largest combined message size',
      12: 'Smart card support',
      13: 'Readers',
      14: 'Biometrics',
      15: 'Secure PIN entry',
      16: 'OSDP version',
    });
  });
});

describe('the shortest frame', () => {
  it('is the 5-byte header, the code and the check: 8 bytes with CRC-16, 7 with a checksum', () => {
    expect(minFrameLength('crc')).toBe(8);
    expect(minFrameLength('checksum')).toBe(7);
  });
});

describe('decoded commands own their bytes', () => {
  it('CHLNG, SCRYPT and KEYSET values are copies: reusing the receive buffer changes none', () => {
    const rx = Uint8Array.from({ length: 18 }, (_, i) => i + 1);
    const chlng = decodeCommand(osdp_CHLNG, rx.subarray(0, 8));
    const scrypt = decodeCommand(osdp_SCRYPT, rx.subarray(0, 16));
    const keyset = decodeCommand(osdp_KEYSET, Uint8Array.of(1, 16, ...rx.subarray(0, 16)));
    const before = JSON.stringify([chlng, scrypt, keyset], (_, v: unknown) =>
      v instanceof Uint8Array ? [...v] : v,
    );
    rx.fill(0);
    const after = JSON.stringify([chlng, scrypt, keyset], (_, v: unknown) =>
      v instanceof Uint8Array ? [...v] : v,
    );
    expect(after).toBe(before);
    expect(chlng).toMatchObject({ ok: true, value: { kind: 'CHLNG' } });
  });
});

describe('a 32-bit field (serial, baud) on encode', () => {
  const pdid = {
    kind: 'PDID',
    vendor: Uint8Array.of(1, 2, 3),
    model: 1,
    version: 1,
    firmware: { major: 1, minor: 2, build: 3 },
  } as const;
  it('takes 0 and 0xFFFFFFFF, little-endian', () => {
    expect(encodeReply({ ...pdid, serial: 0 }).data.slice(5, 9)).toEqual(Uint8Array.of(0, 0, 0, 0));
    expect(encodeReply({ ...pdid, serial: 0xffffffff }).data.slice(5, 9)).toEqual(
      Uint8Array.of(0xff, 0xff, 0xff, 0xff),
    );
    expect(encodeCommand({ kind: 'COMSET', address: 5, baud: 115200 }).data).toEqual(
      Uint8Array.of(5, 0x00, 0xc2, 0x01, 0x00),
    );
  });
  it.each([-1, 0x100000000, 1.5, Number.NaN])('refuses %s, naming the field', (n) => {
    expect(() => encodeReply({ ...pdid, serial: n })).toThrow(`serial out of range: ${n}`);
    expect(() => encodeCommand({ kind: 'COMSET', address: 5, baud: n })).toThrow(
      `baud out of range: ${n}`,
    );
  });
});

describe('reply fields on encode and decode, by name', () => {
  it('names the field that does not fit', () => {
    expect(() => encodeReply({ kind: 'NAK', errorCode: 256, detail: new Uint8Array(0) })).toThrow(
      'errorCode must be a byte, got 256',
    );
    expect(() => encodeReply({ kind: 'LSTATR', tamper: 256, power: 0 })).toThrow(
      'tamper must be a byte, got 256',
    );
    expect(() => encodeReply({ kind: 'LSTATR', tamper: 0, power: -1 })).toThrow(
      'power must be a byte, got -1',
    );
    const ccrypt = {
      kind: 'CCRYPT',
      cUID: new Uint8Array(8),
      rndB: new Uint8Array(8),
      clientCryptogram: new Uint8Array(16),
    } as const;
    expect(() => encodeReply({ ...ccrypt, cUID: new Uint8Array(7) })).toThrow(
      'cUID must be 8 bytes, got 7',
    );
    expect(() => encodeReply({ ...ccrypt, rndB: new Uint8Array(9) })).toThrow(
      'RND.B must be 8 bytes, got 9',
    );
    expect(() => encodeReply({ ...ccrypt, clientCryptogram: new Uint8Array(15) })).toThrow(
      'client cryptogram must be 16 bytes, got 15',
    );
  });
  it('an empty osdp_NAK is malformed, by name; extra bytes are detail', () => {
    expect(decodeReply(0x41, new Uint8Array(0))).toMatchObject({
      ok: false,
      error: { message: 'osdp_NAK needs an error code byte' },
    });
    expect(decodeReply(0x41, Uint8Array.of(6, 1, 2))).toEqual({
      ok: true,
      value: { kind: 'NAK', errorCode: 6, detail: Uint8Array.of(1, 2) },
    });
  });
});

describe('reasons, exactly', () => {
  it('an encoded reply names the field that does not fit a byte', () => {
    const pdid = {
      kind: 'PDID',
      vendor: Uint8Array.of(1, 2, 3),
      model: 1,
      version: 1,
      serial: 1,
      firmware: { major: 1, minor: 2, build: 3 },
    } as const;
    expect(() => encodeReply({ ...pdid, model: 256 })).toThrow(/model/);
    expect(() => encodeReply({ ...pdid, version: -1 })).toThrow(/version/);
    expect(() => encodeReply({ ...pdid, firmware: { major: 1, minor: 256, build: 3 } })).toThrow(
      /firmware\.minor/,
    );
    expect(() => encodeReply({ ...pdid, firmware: { major: 1, minor: 2, build: 300 } })).toThrow(
      /firmware\.build/,
    );
    expect(() =>
      encodeReply({ kind: 'PDCAP', entries: [{ functionCode: 1, compliance: 1, numberOf: 256 }] }),
    ).toThrow(/numberOf/);
  });

  it('crypto inputs of the wrong length are named', () => {
    const k = new Uint8Array(16);
    expect(() => serverCryptogram(k, new Uint8Array(7), new Uint8Array(8))).toThrow(/RND\.A/);
    expect(() => serverCryptogram(k, new Uint8Array(8), new Uint8Array(9))).toThrow(/RND\.B/);
    expect(() => pad80([1, 2] as never)).toThrow(/data/);
  });

  it('an RMAC_I of the wrong length is a malformed message, not a wrong key', () => {
    const state = { keys: {} as never, expectedRmacI: new Uint8Array(16) };
    const r = cpCheckRmacI(state, {
      code: osdp_RMAC_I,
      scb: { type: SCS_14, data: Uint8Array.of(1) },
      data: new Uint8Array(15),
    });
    expect(r).toEqual({
      ok: false,
      error: { kind: 'sc_bad_message', reason: 'RMAC_I data must be 16 bytes, got 15' },
    });
  });

  it('a CHLNG of the wrong length is refused with NAK 0x02 and says so', () => {
    const r = pdAnswerChlng(
      { code: osdp_CHLNG, scb: { type: SCS_11, data: Uint8Array.of(1) }, data: new Uint8Array(7) },
      { keyFor: () => new Uint8Array(16), rndB: new Uint8Array(8), cUid: new Uint8Array(8) },
    );
    expect(r).toEqual({
      ok: false,
      error: { kind: 'sc_bad_message', reason: 'CHLNG data must be 8 bytes, got 7' },
      nak: NAK_CMD_LEN,
    });
  });
});

describe('osprio decode (decodeCapture) on odd input', () => {
  const frame = (code: number, data: number[], reply = false) =>
    buildFrame({ address: 1, reply, sqn: 1, check: 'crc', code, data: Uint8Array.from(data) });

  it('says why bytes were dropped and how many', () => {
    const [e] = decodeCapture([Uint8Array.of(0x01, 0x02, 0x03)]);
    expect(e).toMatchObject({
      ok: false,
      summary: 'dropped 3 byte(s): no start of message (0x53) in these bytes',
      error: 'no start of message (0x53) in these bytes',
      fields: [],
    });
  });

  it('shows an unknown NAK code as unknown, and the data of an unknown command', () => {
    const [nak] = decodeCapture([frame(0x41, [0xf0], true)]);
    expect(nak!.fields).toContainEqual({ name: 'error code', value: '0xf0 unknown' });
    const [known] = decodeCapture([frame(0x41, [0x01], true)]);
    expect(known!.fields).toContainEqual({ name: 'error code', value: '0x01 CHECK' });
    const [odd] = decodeCapture([frame(0x9e, [0xab, 0xcd])]);
    expect(odd!.fields).toContainEqual({ name: 'data', value: 'abcd' });
  });

  it('names a malformed payload in a field and in the problems', () => {
    const [e] = decodeCapture([frame(osdp_CHLNG, [1, 2, 3])]);
    expect(e!.fields).toContainEqual({
      name: 'payload',
      value: 'malformed: osdp_CHLNG takes 8 data bytes, got 3',
    });
    expect(e!.error).toBe('malformed payload: osdp_CHLNG takes 8 data bytes, got 3');
  });
});

describe('the stream parser at its edges', () => {
  const poll = buildFrame({
    address: 1,
    reply: false,
    sqn: 0,
    check: 'crc',
    code: 0x60,
    data: new Uint8Array(0),
  });

  it('keeps a partial frame until the inter-character timeout after its last byte, not before', () => {
    const p = new FrameStreamParser({ accept: 'commands', interCharTimeoutMs: 20 });
    expect(p.push(poll.subarray(0, 4), 1000)).toEqual([]);
    expect(p.expire(1019)).toEqual([]);
    expect(p.pending).toBe(4);
    const dropped = p.expire(1020);
    expect(dropped.map((e) => e.type === 'dropped' && e.reason)).toContain('timeout');
    expect(p.pending).toBe(0);
  });

  it('keeps a MARK that ends a chunk for the SOM in the next one', () => {
    const p = new FrameStreamParser({ accept: 'commands' });
    expect(p.push(Uint8Array.of(0x01, 0xff))).toEqual([
      { type: 'dropped', reason: 'garbage', bytes: Uint8Array.of(0x01) },
    ]);
    const [ev] = p.push(poll);
    expect(ev).toMatchObject({ type: 'frame', frame: { mark: true, code: 0x60 } });
  });

  it('drops every byte before a SOM that has no MARK, and the frame carries none', () => {
    const p = new FrameStreamParser({ accept: 'commands' });
    const evs = p.push(Uint8Array.of(0x01, 0x02, ...poll));
    expect(evs[0]).toMatchObject({
      type: 'dropped',
      reason: 'garbage',
      bytes: Uint8Array.of(1, 2),
    });
    expect(evs[1]).toMatchObject({ type: 'frame', frame: { mark: false } });
    expect(evs).toHaveLength(2);
  });
});

describe('the ACU link refuses impossible requests before the wire', () => {
  const h = {
    type: 'handshake',
    kk: 1,
    scbk: new Uint8Array(16),
    rndA: new Uint8Array(8),
    at: 0,
  } as const;
  const refusal = (input: Parameters<typeof acuStep>[1]) => {
    const t = acuStep(acuInit({ address: 1 }), input);
    expect(t.actions.some((a) => a.type === 'send')).toBe(false);
    const r = t.actions.find((a) => a.type === 'result');
    return r && r.type === 'result' && !r.result.ok ? r.result.error : undefined;
  };

  it('an address outside 0..0x7F, named', () => {
    for (const address of [-1, 0x80, 2.5])
      expect(refusal({ type: 'send', command: { kind: 'POLL' }, address, at: 0 })).toEqual({
        kind: 'bad_request',
        reason: `address out of range: ${address}`,
      });
    const ok = acuStep(acuInit({ address: 1 }), {
      type: 'send',
      command: { kind: 'POLL' },
      address: 0x7f,
      at: 0,
    });
    expect(ok.actions.some((a) => a.type === 'send')).toBe(true);
  });

  it('a handshake on broadcast', () => {
    expect(refusal({ ...h, address: 0x7f })).toEqual({
      kind: 'bad_request',
      reason: 'no secure channel on broadcast',
    });
  });

  it('a handshake with a key indicator other than 0x00/0x01, or a wrong-sized SCBK or RND.A', () => {
    const kkRefused = { kind: 'bad_request', reason: 'key indicator must be 0x00 or 0x01' };
    for (const kk of [2, -1, 0.5]) expect(refusal({ ...h, kk: kk as 0 })).toEqual(kkRefused);
    const sizes = {
      kind: 'bad_request',
      reason: 'handshake needs a 16-byte SCBK and an 8-byte RND.A',
    };
    expect(refusal({ ...h, scbk: new Uint8Array(15) })).toEqual(sizes);
    expect(refusal({ ...h, scbk: new Uint8Array(17) })).toEqual(sizes);
    expect(refusal({ ...h, rndA: new Uint8Array(7) })).toEqual(sizes);
    expect(refusal({ ...h, rndA: Array(8).fill(0) as unknown as Uint8Array })).toEqual(sizes);
    // Each key indicator on its own is accepted: a CHLNG goes out and nothing is refused.
    for (const kk of [0, 1] as const) {
      const t = acuStep(acuInit({ address: 1 }), { ...h, kk });
      expect(t.actions.filter((a) => a.type === 'send')).toHaveLength(1);
      expect(t.actions.some((a) => a.type === 'result')).toBe(false);
      expect(isIdle(t.state)).toBe(false);
    }
  });
});

describe('acuInit refuses a configuration no link can run', () => {
  it('an address outside 0..0x7F, a baud that is not positive, fewer than one try', () => {
    for (const address of [-1, 0x80, 1.5, Number.NaN])
      expect(() => acuInit({ address })).toThrow(
        new RangeError(`PD address out of range: ${address}`),
      );
    for (const baud of [0, -9600, Number.NaN])
      expect(() => acuInit({ address: 1, baud })).toThrow(
        new RangeError(`baud must be positive: ${baud}`),
      );
    expect(() => acuInit({ address: 1, tries: 0 })).toThrow(
      new RangeError('tries must be at least 1'),
    );
    expect(() => acuInit({ address: 1, triesIfSilent: 0 })).toThrow(
      new RangeError('tries must be at least 1'),
    );
    expect(() => acuInit({ address: 1, tries: Number.NaN })).toThrow(RangeError);
  });

  it('the edges are fine: addresses 0 and 0x7F, one try, and it starts idle at SQN 0', () => {
    for (const address of [0, 0x7f]) {
      const s = acuInit({ address, baud: 1, tries: 1, triesIfSilent: 1 });
      expect(s.config.address).toBe(address);
      expect(s.nextSqn).toBe(0);
      expect(isIdle(s)).toBe(true);
      expect(hasSession(s)).toBe(false);
    }
  });
});

describe('the ACU link when nobody asked', () => {
  it('ignores bytes and ticks while idle: same state, no action', () => {
    const s0 = acuInit({ address: 1 });
    const rx = acuStep(s0, { type: 'rx', bytes: Uint8Array.of(0x53, 0x81), at: 5 });
    expect(rx.actions).toEqual([]);
    expect(rx.state).toEqual(s0);
    const tick = acuStep(s0, { type: 'tick', at: 9 });
    expect(tick.actions).toEqual([]);
    expect(tick.state).toEqual(s0);
  });
});

describe('bytes and seeded randoms', () => {
  it('fromHex names the first character that is not a hex digit', () => {
    expect(() => fromHex('12zq')).toThrow("not a hex digit: 'z'");
    expect(() => fromHex('abc')).toThrow('odd number of hex digits (3)');
    expect(equalBytes(Uint8Array.of(1, 2), Uint8Array.of(1, 2, 3))).toBe(false);
    expect(equalBytes(Uint8Array.of(1, 2), Uint8Array.of(1, 3))).toBe(false);
    expect(equalBytes(Uint8Array.of(1, 2), Uint8Array.of(1, 2))).toBe(true);
  });

  it('seeded bytes of any length are the prefix of a longer draw, and differ by counter', () => {
    const long = seededBytes(7, 3, 12);
    for (const n of [1, 3, 4, 5, 8, 9, 11])
      expect(seededBytes(7, 3, n)).toEqual(long.subarray(0, n));
    expect(seededBytes(7, 3)).toHaveLength(8);
    expect(seededBytes(7, 4)).not.toEqual(seededBytes(7, 3));
    // Every byte of a word is used: four draws of one word are not all the same byte.
    expect(new Set(seededBytes(7, 3, 4)).size).toBeGreaterThan(1);
  });
});

describe('reply decoding reasons', () => {
  it('says what is wrong with a PDCAP and copies an unknown reply', () => {
    expect(decodeReply(0x46, new Uint8Array(4))).toMatchObject({
      ok: false,
      error: { message: 'osdp_PDCAP data must be a multiple of 3 bytes, got 4' },
    });
    const raw = Uint8Array.of(9, 8, 7);
    const r = decodeReply(0xee, raw);
    raw.fill(0);
    expect(r).toEqual({
      ok: true,
      value: { kind: 'unknown', code: 0xee, data: Uint8Array.of(9, 8, 7) },
    });
  });
});

describe('secure-channel crypto inputs are named when wrong', () => {
  it('SCBK, RND.A, S-MAC1, S-MAC2 and the MAC IV', () => {
    const k = new Uint8Array(16);
    expect(() => deriveSessionKeys(new Uint8Array(15), new Uint8Array(8))).toThrow(/SCBK/);
    expect(() => deriveSessionKeys(k, new Uint8Array(7))).toThrow(/RND\.A/);
    expect(() => osdpMac({ sMac1: new Uint8Array(1), sMac2: k }, k, k)).toThrow(/S-MAC1/);
    expect(() => osdpMac({ sMac1: k, sMac2: new Uint8Array(1) }, k, k)).toThrow(/S-MAC2/);
    expect(() => osdpMac({ sMac1: k, sMac2: k }, new Uint8Array(8), k)).toThrow(/MAC IV/);
  });
});
