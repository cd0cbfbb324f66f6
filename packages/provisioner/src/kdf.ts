// Per-PD SCBK derivation `osprio-scbk-v1` (../shared/design/kdf.md): NIST SP 800-108r1 counter-mode
// KDF with AES-128-CMAC as the PRF, one 128-bit block. Host and device must agree bit for bit.
// Key custody: the seed and the derived SCBK never go into an error message or a log line.

import { isUuid } from './uuid.ts';
import { cmac } from '@noble/ciphers/aes.js';
import { isWeakScbk, type Bytes } from '@osprio/osdp';

export const KDF_ID = 'osprio-scbk-v1';
/** ASCII label, 14 bytes, no terminator. */
const LABEL: Bytes = new TextEncoder().encode(KDF_ID);
/** The CMAC message M is always this long: 1 + 14 + 1 + 16 + 2 + 1 + 2. */
export const KDF_INPUT_LEN = 37;

export type KdfErrorCode =
  'bad_seed' | 'bad_session_id' | 'bad_step_index' | 'bad_pd_address' | 'weak_key';

/** A typed error whose message never contains key material. */
export class KdfError extends Error {
  override name = 'KdfError';
  constructor(
    readonly code: KdfErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** UUID text (8-4-4-4-12 hex, any case) → its 16 raw bytes in RFC 4122 (textual, big-endian) order. */
export function uuidToBytes(uuid: string): Bytes {
  if (!isUuid(uuid)) {
    throw new KdfError(
      'bad_session_id',
      'session id is not a UUID (expected 8-4-4-4-12 hex digits)',
    );
  }
  const hex = uuid.replace(/-/g, '');
  const out = new Uint8Array(16);
  for (let i = 0; i < 16; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

function checkContext(stepIndex: number, pdAddress: number): void {
  if (!Number.isInteger(stepIndex) || stepIndex < 0 || stepIndex > 0xffff) {
    throw new KdfError(
      'bad_step_index',
      `step index must be an integer 0..65535, got ${String(stepIndex)}`,
    );
  }
  if (!Number.isInteger(pdAddress) || pdAddress < 0 || pdAddress > 0x7e) {
    throw new KdfError(
      'bad_pd_address',
      `PD address must be an integer 0..126, got ${String(pdAddress)}`,
    );
  }
}

/**
 * The 37-byte CMAC message M = 0x01 ‖ label ‖ 0x00 ‖ session_id(16) ‖ step_index(2, BE) ‖
 * pd_address(1) ‖ 0x00 0x80. Contains no key material.
 */
export function kdfInput(sessionId: string, stepIndex: number, pdAddress: number): Bytes {
  const sid = uuidToBytes(sessionId);
  checkContext(stepIndex, pdAddress);
  const m = new Uint8Array(KDF_INPUT_LEN);
  let o = 0;
  m[o++] = 0x01; // SP 800-108 counter i
  m.set(LABEL, o);
  o += LABEL.length;
  m[o++] = 0x00; // separator
  m.set(sid, o);
  o += 16;
  m[o++] = (stepIndex >>> 8) & 0xff;
  m[o++] = stepIndex & 0xff;
  m[o++] = pdAddress;
  m[o++] = 0x00; // L = 128 bits, big-endian
  m[o++] = 0x80;
  return m;
}

/** AES-128-CMAC (RFC 4493). */
export function aesCmac(key: Bytes, message: Bytes): Bytes {
  if (key.length !== 16)
    throw new KdfError('bad_seed', `CMAC key must be 16 bytes, got ${key.length}`);
  return cmac(message, key);
}

/**
 * Derives the SCBK for one step. Throws KdfError on malformed input, and ('weak_key') if the result
 * is SCBK-D or all zeros — odds 2^-127 each, so that means something upstream is broken.
 */
export function deriveScbk(
  seed: Bytes,
  sessionId: string,
  stepIndex: number,
  pdAddress: number,
): Bytes {
  if (!(seed instanceof Uint8Array) || seed.length !== 16) {
    throw new KdfError(
      'bad_seed',
      `seed must be 16 bytes, got ${seed instanceof Uint8Array ? seed.length : typeof seed}`,
    );
  }
  const key = aesCmac(seed, kdfInput(sessionId, stepIndex, pdAddress));
  if (isWeakScbk(key)) {
    key.fill(0);
    throw new KdfError('weak_key', 'internal error: derived SCBK is SCBK-D or all zeros');
  }
  return key;
}
