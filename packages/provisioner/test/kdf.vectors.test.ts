// osprio-scbk-v1 against every case of kdf-vectors.json (also runs in headless Chromium).
import { describe, expect, it } from 'vitest';
import { kdfVectors } from '../../../test-support/shared.ts';
import { fromHex, toHex } from '@osprio/osdp';
import { KDF_INPUT_LEN, KdfError, aesCmac, deriveScbk, kdfInput, uuidToBytes } from '../src/kdf.ts';

describe('AES-CMAC (RFC 4493)', () => {
  it.each(kdfVectors.aesCmacRfc4493.map((v) => [v.msgHex.length / 2, v] as const))(
    '%i-byte message',
    (_n, v) => {
      expect(toHex(aesCmac(fromHex(v.keyHex), fromHex(v.msgHex)))).toBe(v.macHex);
    },
  );
});

describe(`${kdfVectors.kdf} derivation cases`, () => {
  it('covers all 15 cases', () => expect(kdfVectors.cases).toHaveLength(15));
  it.each(kdfVectors.cases.map((c) => [c.sessionId, c.stepIndex, c.pdAddress, c] as const))(
    'session %s step %i address %i',
    (_s, _i, _a, c) => {
      const m = kdfInput(c.sessionId, c.stepIndex, c.pdAddress);
      expect(m.length).toBe(KDF_INPUT_LEN);
      expect(toHex(m)).toBe(c.cmacInputHex);
      expect(toHex(deriveScbk(fromHex(c.seedHex), c.sessionId, c.stepIndex, c.pdAddress))).toBe(
        c.scbkHex,
      );
    },
  );
  it('is the CMAC of the input under the seed', () => {
    const c = kdfVectors.cases[0]!;
    expect(toHex(aesCmac(fromHex(c.seedHex), fromHex(c.cmacInputHex)))).toBe(c.scbkHex);
  });
});

describe('UUID parsing', () => {
  it('takes the 16 bytes in RFC 4122 textual order, any case', () => {
    expect(toHex(uuidToBytes('6F1C7A52-93B1-4C0E-9D43-2A9B7F3E5C10'))).toBe(
      '6f1c7a5293b14c0e9d432a9b7f3e5c10',
    );
  });
  it.each([
    ['', 'empty'],
    ['6f1c7a5293b14c0e9d432a9b7f3e5c10', 'no dashes'],
    ['{6f1c7a52-93b1-4c0e-9d43-2a9b7f3e5c10}', 'braces'],
    ['6f1c7a52-93b1-4c0e-9d43-2a9b7f3e5c1', 'short'],
    ['6f1c7a52-93b1-4c0e-9d43-2a9b7f3e5c10 ', 'trailing space'],
    ['6f1c7a52-93b1-4c0e-9d43-2a9b7f3e5c1g', 'non-hex'],
  ])('rejects %j (%s) with a clear typed error', (text) => {
    expect(() => uuidToBytes(text)).toThrow(KdfError);
    expect(() => uuidToBytes(text)).toThrow(/session id is not a UUID/);
    try {
      uuidToBytes(text);
    } catch (e) {
      expect((e as KdfError).code).toBe('bad_session_id');
    }
  });
});

describe('input validation', () => {
  const sid = kdfVectors.cases[0]!.sessionId;
  const codeOf = (f: () => unknown): string | undefined => {
    try {
      f();
    } catch (e) {
      return e instanceof KdfError ? e.code : 'other';
    }
    return undefined;
  };
  it('rejects seeds that are not 16 bytes', () => {
    expect(codeOf(() => deriveScbk(new Uint8Array(15), sid, 0, 1))).toBe('bad_seed');
    expect(codeOf(() => deriveScbk(new Uint8Array(32), sid, 0, 1))).toBe('bad_seed');
  });
  it('rejects step indexes outside 0..65535 and non-integers', () => {
    for (const i of [-1, 65536, 1.5, NaN])
      expect(codeOf(() => kdfInput(sid, i, 1))).toBe('bad_step_index');
    expect(toHex(kdfInput(sid, 65535, 1)).slice(64, 68)).toBe('ffff');
  });
  it('rejects addresses outside 0..126 (0x7F is broadcast)', () => {
    for (const a of [-1, 0x7f, 0x80, 2.5])
      expect(codeOf(() => kdfInput(sid, 0, a))).toBe('bad_pd_address');
  });
  it('never puts the seed into an error message', () => {
    const secret = fromHex('a1b2c3d4e5f60718293a4b5c6d7e8f90');
    for (const f of [
      () => deriveScbk(secret, 'nope', 0, 1),
      () => deriveScbk(secret, sid, -1, 1),
      () => deriveScbk(secret, sid, 0, 200),
    ]) {
      try {
        f();
        expect.unreachable();
      } catch (e) {
        const text = `${String(e)} ${(e as Error).stack ?? ''}`.toLowerCase();
        expect(text).not.toContain('a1b2c3d4');
        expect(text).not.toContain('161,178');
      }
    }
  });
});
