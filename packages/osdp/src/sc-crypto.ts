// OSDP Secure Channel cryptography (reference.md §5.2–5.7): pure functions over bytes, AES-128 via
// @noble/ciphers (synchronous, identical in Node and the browser). Nothing here keeps state: the
// session layer (secure-channel.ts) owns the MAC chain. Never log or stringify what goes in here.

import { cbc, ecb } from '@noble/ciphers/aes.js';
import { abytes, concat, equalCt, type Bytes } from './bytes.ts';

export const AES_BLOCK = 16;

const SCBK_D_BYTES = [
  0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x3b, 0x3c, 0x3d, 0x3e, 0x3f,
];
// Private copy for comparisons: typed arrays cannot be frozen, so a caller that wipes the exported
// constant must not be able to change what "SCBK-D" means inside this module.
const SCBK_D_PRIVATE = Uint8Array.from(SCBK_D_BYTES);

/** SCBK-D, the install-mode default key: ASCII "0123456789:;<=>?" (reference §5.2). Do not mutate. */
export const SCBK_D: Bytes = Uint8Array.from(SCBK_D_BYTES);

/** A fresh copy of SCBK-D, for callers that may wipe their key buffers. */
export function scbkD(): Bytes {
  return Uint8Array.from(SCBK_D_BYTES);
}

/** The three session keys derived from SCBK and RND.A. */
export interface SessionKeys {
  readonly sEnc: Bytes;
  readonly sMac1: Bytes;
  readonly sMac2: Bytes;
}

/** Key material for the OSDP MAC only (a subset of SessionKeys, so test vectors can supply just these). */
export type MacKeys = Pick<SessionKeys, 'sMac1' | 'sMac2'>;

// Local programming errors (wrong lengths) throw a RangeError without echoing any bytes; data from
// a peer is length-checked by the session layer before it reaches these functions.
function need(name: string, b: Bytes, len: number): void {
  abytes(name, b, len);
}

/** One AES-128 block encryption (the spec's "ECB"). */
export function aesBlock(key: Bytes, block: Bytes): Bytes {
  need('AES key', key, 16);
  need('AES block', block, 16);
  return ecb(key, { disablePadding: true }).encrypt(block);
}

function xor16(a: Bytes, b: Bytes): Bytes {
  const out = new Uint8Array(16);
  for (let i = 0; i < 16; i++) out[i] = a[i]! ^ b[i]!;
  return out;
}

/** Bitwise NOT of a block: the encryption IV is the complement of the peer's last MAC (§5.7). */
export function notBytes(b: Bytes): Bytes {
  const out = new Uint8Array(b.length);
  for (let i = 0; i < b.length; i++) out[i] = ~b[i]! & 0xff;
  return out;
}

/** S-ENC/S-MAC1/S-MAC2 = AES(SCBK, c1 c2 ‖ RND.A[0..5] ‖ 00×8) with c = 01 82 / 01 01 / 01 02 (§5.4). */
export function deriveSessionKeys(scbk: Bytes, rndA: Bytes): SessionKeys {
  need('SCBK', scbk, 16);
  need('RND.A', rndA, 8);
  const block = (c2: number): Bytes => {
    const b = new Uint8Array(16);
    b[0] = 0x01;
    b[1] = c2;
    b.set(rndA.subarray(0, 6), 2);
    return aesBlock(scbk, b);
  };
  return { sEnc: block(0x82), sMac1: block(0x01), sMac2: block(0x02) };
}

/** Client (PD) cryptogram, sent in osdp_CCRYPT: AES(S-ENC, RND.A ‖ RND.B). */
export function clientCryptogram(sEnc: Bytes, rndA: Bytes, rndB: Bytes): Bytes {
  need('RND.A', rndA, 8);
  need('RND.B', rndB, 8);
  return aesBlock(sEnc, concat(rndA, rndB));
}

/** Server (CP) cryptogram, sent in osdp_SCRYPT: AES(S-ENC, RND.B ‖ RND.A). */
export function serverCryptogram(sEnc: Bytes, rndA: Bytes, rndB: Bytes): Bytes {
  need('RND.A', rndA, 8);
  need('RND.B', rndB, 8);
  return aesBlock(sEnc, concat(rndB, rndA));
}

/** Initial R-MAC, sent in osdp_RMAC_I: AES(S-MAC2, AES(S-MAC1, server cryptogram)). */
export function initialRmac(keys: MacKeys, serverCrypt: Bytes): Bytes {
  return aesBlock(keys.sMac2, aesBlock(keys.sMac1, serverCrypt));
}

/**
 * The OSDP MAC (§5.6): CBC-MAC over `message` starting from `iv`, S-MAC1 for every block but the
 * last and S-MAC2 for the last. A short last block is padded 80 00…; a block-aligned message gets
 * NO padding block. (An empty message — never a real frame — is treated as one padding block.)
 * Returns all 16 bytes: the chain keeps 16, only the first 4 go on the wire.
 */
export function osdpMac(keys: MacKeys, iv: Bytes, message: Bytes): Bytes {
  need('S-MAC1', keys.sMac1, 16);
  need('S-MAC2', keys.sMac2, 16);
  need('MAC IV', iv, 16);
  abytes('MAC input', message);
  const aligned = message.length > 0 && message.length % AES_BLOCK === 0;
  const padded = aligned ? message : pad80(message);
  const head = padded.subarray(0, padded.length - AES_BLOCK);
  const last = padded.subarray(padded.length - AES_BLOCK);
  let chain = iv;
  if (head.length > 0) {
    const ct = cbc(keys.sMac1, iv, { disablePadding: true }).encrypt(head);
    chain = ct.subarray(ct.length - AES_BLOCK);
  }
  return aesBlock(keys.sMac2, xor16(last, chain));
}

/** Appends 0x80 then 0x00s up to the next multiple of 16 (always at least one byte of padding). */
export function pad80(data: Bytes): Bytes {
  abytes('data', data);
  const n = (Math.floor(data.length / AES_BLOCK) + 1) * AES_BLOCK;
  const out = new Uint8Array(n);
  out.set(data);
  out[data.length] = 0x80;
  return out;
}

/**
 * Encrypts SCS_17/18 DATA (§5.7): always 0x80-padded, AES-CBC under S-ENC with IV = NOT of the last
 * full MAC received from the peer (R-MAC for a command, the answered C-MAC for a reply).
 */
export function encryptData(sEnc: Bytes, lastMacFromPeer: Bytes, plaintext: Bytes): Bytes {
  need('S-ENC', sEnc, 16);
  need('peer MAC', lastMacFromPeer, 16);
  return cbc(sEnc, notBytes(lastMacFromPeer), { disablePadding: true }).encrypt(pad80(plaintext));
}

export type DecryptResult =
  | { readonly ok: true; readonly data: Bytes }
  | { readonly ok: false; readonly error: 'bad_length' | 'bad_padding' };

/**
 * Inverse of encryptData. A peer's bytes never make this throw: a ciphertext that is not a non-zero
 * multiple of 16 gives 'bad_length', a plaintext not ending 80 00… gives 'bad_padding'.
 */
export function decryptData(sEnc: Bytes, lastMacFromPeer: Bytes, ciphertext: Bytes): DecryptResult {
  need('S-ENC', sEnc, 16);
  need('peer MAC', lastMacFromPeer, 16);
  if (ciphertext.length === 0 || ciphertext.length % AES_BLOCK !== 0)
    return { ok: false, error: 'bad_length' };
  const pt = cbc(sEnc, notBytes(lastMacFromPeer), { disablePadding: true }).decrypt(ciphertext);
  let i = pt.length - 1;
  // Padding lives only in the last block; stop there so a long run of data zeros is not "padding".
  const floor = pt.length - AES_BLOCK;
  while (i > floor && pt[i] === 0x00) i--;
  if (pt[i] !== 0x80) return { ok: false, error: 'bad_padding' };
  return { ok: true, data: pt.slice(0, i) };
}

/** Constant-time check of the 4 MAC bytes on the wire against a locally computed 16-byte MAC. */
export function macMatches(wireMac: Bytes, fullMac: Bytes): boolean {
  need('wire MAC', wireMac, 4);
  need('MAC', fullMac, 16);
  return equalCt(wireMac, fullMac.subarray(0, 4));
}

/** True for keys a derivation must never produce: SCBK-D or all zeros (compared in constant time). */
export function isWeakScbk(key: Bytes): boolean {
  return equalCt(key, SCBK_D_PRIVATE) || equalCt(key, new Uint8Array(key.length));
}
