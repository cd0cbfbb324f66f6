// The weak-key guard of deriveScbk: a result equal to SCBK-D or all zeros (odds 2^-127) is an
// internal error. The CMAC is stubbed to force those results; Node only (module mocking).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SCBK_D } from '@osprio/osdp';
import type * as Aes from '@noble/ciphers/aes.js';

const forced = vi.hoisted(() => ({ value: undefined as Uint8Array | undefined }));
vi.mock('@noble/ciphers/aes.js', async (importOriginal) => {
  const real = await importOriginal<typeof Aes>();
  const cmac = (msg: Uint8Array, key: Uint8Array): Uint8Array =>
    forced.value ? forced.value.slice() : real.cmac(msg, key);
  return { ...real, cmac };
});

const { KdfError, deriveScbk } = await import('../src/kdf.ts');
const SID = '6f1c7a52-93b1-4c0e-9d43-2a9b7f3e5c10';

describe('deriveScbk weak-key guard', () => {
  afterEach(() => {
    forced.value = undefined;
  });
  it.each([
    ['SCBK-D', () => SCBK_D.slice()],
    ['all zeros', () => new Uint8Array(16)],
  ])('treats a derived key equal to %s as an internal error', (_n, make) => {
    forced.value = make();
    let err: unknown;
    try {
      deriveScbk(new Uint8Array(16), SID, 0, 1);
    } catch (e) {
      err = e;
    }
    // Asserted outside the catch: if nothing throws, err is undefined and this fails.
    expect(err).toBeInstanceOf(KdfError);
    expect((err as InstanceType<typeof KdfError>).code).toBe('weak_key');
    expect((err as Error).message).toMatch(/internal error/);
  });
  it('passes an ordinary key through', () => {
    forced.value = Uint8Array.from({ length: 16 }, (_, i) => i + 1);
    expect(deriveScbk(new Uint8Array(16), SID, 0, 1)).toEqual(forced.value);
  });
});
