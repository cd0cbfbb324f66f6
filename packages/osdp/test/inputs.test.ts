// Public inputs are validated the way noble-ciphers does: a wrong type or length is a programming
// error that throws a RangeError naming the input (never echoing its bytes), instead of silently
// producing a wrong frame.
import { describe, expect, it } from 'vitest';
import { abytes } from '../src/bytes.ts';
import { SCS_11, osdp_CHLNG } from '../src/codes.ts';
import {
  SCBK_D,
  deriveSessionKeys,
  encryptData,
  macMatches,
  osdpMac,
  pad80,
} from '../src/sc-crypto.ts';
import { cpChallenge, pdAnswerChlng, type KeyIndicator } from '../src/secure-channel.ts';
import { pdInit, type PdConfig } from '../src/pd.ts';

const b = (n: number, fill = 0x11) => new Uint8Array(n).fill(fill);
const chlng = { code: osdp_CHLNG, scb: { type: SCS_11, data: Uint8Array.of(0) }, data: b(8) };

describe('abytes', () => {
  it('takes a Uint8Array of the stated length and refuses anything else by name', () => {
    expect(() => abytes('x', b(4), 4)).not.toThrow();
    expect(() => abytes('x', b(3))).not.toThrow();
    expect(() => abytes('SCBK', b(15), 16)).toThrow(
      new RangeError('SCBK must be 16 bytes, got 15'),
    );
    expect(() => abytes('SCBK', [1, 2, 3], 3)).toThrow(new RangeError('SCBK must be a Uint8Array'));
    expect(() => abytes('SCBK', 'abc')).toThrow(RangeError);
  });

  it('never echoes the bytes it refuses', () => {
    let err: unknown;
    try {
      abytes('key', Uint8Array.of(0xde, 0xad, 0xbe, 0xef), 16);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RangeError);
    expect(String(err)).toBe('RangeError: key must be 16 bytes, got 4');
  });
});

describe('secure channel inputs', () => {
  it('pdAnswerChlng checks the length of cUID and RND.B (a 7-byte cUID would make a 31-byte CCRYPT)', () => {
    const ok = pdAnswerChlng(chlng, { keyFor: () => SCBK_D, rndB: b(8), cUid: b(8) });
    expect(ok.ok && ok.ccrypt.data.length).toBe(32);
    expect(() => pdAnswerChlng(chlng, { keyFor: () => SCBK_D, rndB: b(8), cUid: b(7) })).toThrow(
      new RangeError('cUID must be 8 bytes, got 7'),
    );
    expect(() => pdAnswerChlng(chlng, { keyFor: () => SCBK_D, rndB: b(9), cUid: b(8) })).toThrow(
      new RangeError('RND.B must be 8 bytes, got 9'),
    );
  });

  it('cpChallenge checks the key indicator, SCBK and RND.A', () => {
    expect(() => cpChallenge(2 as KeyIndicator, SCBK_D, b(8))).toThrow(/key indicator/);
    expect(() => cpChallenge(0, b(15), b(8))).toThrow(
      new RangeError('SCBK must be 16 bytes, got 15'),
    );
    expect(() => cpChallenge(0, SCBK_D, b(7))).toThrow(
      new RangeError('RND.A must be 8 bytes, got 7'),
    );
  });

  it('crypto helpers check their inputs', () => {
    const keys = deriveSessionKeys(SCBK_D, b(8));
    expect(() => osdpMac(keys, b(15), b(3))).toThrow(/MAC IV must be 16 bytes/);
    expect(() => osdpMac(keys, b(16), 'x' as unknown as Uint8Array)).toThrow(
      /MAC input must be a Uint8Array/,
    );
    expect(() => encryptData(keys.sEnc, b(4), b(3))).toThrow(/peer MAC must be 16 bytes/);
    expect(() => macMatches(b(3), b(16))).toThrow(/wire MAC must be 4 bytes/);
    expect(() => macMatches(b(4), b(4))).toThrow(/MAC must be 16 bytes/);
    expect(() => pad80([1] as unknown as Uint8Array)).toThrow(RangeError);
  });
});

describe('PD model configuration', () => {
  const base: PdConfig = {
    address: 1,
    baud: 9600,
    scbk: null,
    installMode: true,
    random: { seed: 1 },
    pdcap: [],
    pdid: {
      vendor: b(3),
      model: 1,
      version: 1,
      serial: 1,
      firmware: { major: 1, minor: 0, build: 0 },
    },
  };
  it('refuses a wrong SCBK, cUID or baud at init, not at the first CHLNG', () => {
    expect(() => pdInit(base)).not.toThrow();
    expect(() => pdInit({ ...base, scbk: b(8) })).toThrow(
      new RangeError('PD SCBK must be 16 bytes, got 8'),
    );
    expect(() => pdInit({ ...base, cUid: b(7) })).toThrow(
      new RangeError('PD cUID must be 8 bytes, got 7'),
    );
    expect(() => pdInit({ ...base, baud: 0 })).toThrow(/PD baud must be a positive integer/);
  });
});
