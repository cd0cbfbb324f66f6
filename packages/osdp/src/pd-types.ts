// Configuration, state, inputs and outputs of the PD model (pd.ts). Kept apart so the reducer file
// stays readable. Everything here is a plain immutable value.

import type { Bytes } from './bytes.ts';
import { OSDP_BAUDS } from './codes.ts';
import type { Sqn } from './frame.ts';
import type { PdCapEntry, PdId } from './replies.ts';
import type { PdChallengeState, ScSession } from './secure-channel.ts';
import type { StreamSnapshot } from './stream.ts';

/**
 * Randomness for RND.B: either a pure function of the handshake counter (0 for the first CHLNG
 * answered, 1 for the next, …) returning 8 bytes, or a seed for a built-in deterministic source.
 */
export type PdRandom = ((handshake: number) => Bytes) | { seed: number };

export interface PdConfig {
  /** 0x00..0x7E. */
  address: number;
  baud: number;
  pdid: PdId;
  /** PDCAP entries, sent verbatim. FC 8 decides CRC support, FC 9 bit0 SC support. */
  pdcap: readonly PdCapEntry[];
  /** The PD's SCBK, or null if it has none yet. Never log it. */
  scbk: Bytes | null;
  /** Install mode: CHLNG with kk = 0x00 runs on SCBK-D (reference §5.9). */
  installMode: boolean;
  random: PdRandom;
  /** 8-byte cUID; default: vendor(3) ‖ model ‖ version ‖ serial LE[0..2], as libosdp builds it. */
  cUid?: Bytes;
  /** 'secure' (libosdp: SCS_16 under the old session) or 'plaintext' (HID readers). Default 'secure'. */
  keysetAck?: 'secure' | 'plaintext';
  /** 'crc' (libosdp always answers in CRC) or 'mirror' the command. Default 'crc'. */
  replyCheck?: 'crc' | 'mirror';
  /** Bauds COMSET may select; others get NAK 0x09. Default OSDP_BAUDS. */
  bauds?: readonly number[];
  /** LSTATR values. Default 0/0 (normal). */
  lstat?: { tamper: number; power: number };
  /** SC is dropped after this long without a valid secure command (libosdp: 8 s). Needs `at`. */
  scTimeoutMs?: number;
  /**
   * A byte-identical retry of the last command when both carry SQN 0 (e.g. a CHLNG whose CCRYPT was
   * lost): 'resend' the cached reply (default; keeps RND.B, so the CP's retry still completes the
   * handshake) or 'reprocess' it as a fresh restart, as libosdp's phy layer reads it.
   */
  sqn0Repeat?: 'resend' | 'reprocess';
  /**
   * Largest LEN accepted. Default: the PDCAP FC 10 receive buffer size if `pdcap` reports one, else
   * 1440. A command header addressed to this PD with a larger LEN is answered NAK 0x02.
   */
  maxLength?: number;
  /**
   * libosdp's ENFORCE_SECURE: outside a secure channel only osdp_ID, osdp_CAP, osdp_CHLNG and
   * osdp_SCRYPT are taken; every other plaintext command gets NAK 0x06. Install mode (SCBK-D) still
   * works, so such a PD is commissioned inside its install session. Default false.
   */
  enforceSecure?: boolean;
}

export const DEFAULT_BAUDS: readonly number[] = OSDP_BAUDS;

/** The secure-channel phase: an explicit state, not flags. */
export type PdScState =
  | { readonly phase: 'none' }
  /** CHLNG answered; waiting for SCRYPT. */
  | { readonly phase: 'challenged'; readonly challenge: PdChallengeState; readonly kk: number }
  | {
      readonly phase: 'active';
      readonly session: ScSession;
      readonly kk: number;
      readonly lastAt: number | undefined;
    };

export interface PdReplyCache {
  /** The command as received (SOM..check, no MARK). */
  readonly command: Bytes;
  /** The reply exactly as sent (MARK included if sent). */
  readonly reply: Bytes;
}

export interface PdState {
  readonly config: PdConfig;
  readonly address: number;
  readonly baud: number;
  /** Never log it. */
  readonly scbk: Bytes | null;
  readonly installMode: boolean;
  /** libosdp's seq_number: -1 after a reset (so the next expected SQN is 0), else the last SQN. */
  readonly seq: -1 | Sqn;
  readonly sc: PdScState;
  readonly handshakes: number;
  readonly cache: PdReplyCache | null;
  readonly rx: StreamSnapshot;
}

export type PdInput =
  /** Bytes from the line; `at` in ms enables the inter-character and SC timeouts. */
  | { readonly type: 'rx'; readonly bytes: Bytes; readonly at?: number }
  /**
   * Bus time reached `at` with no new byte. Lets a partial frame the line went quiet on expire after
   * the inter-character timeout, so a command buffered behind its false SOM is answered.
   */
  | { readonly type: 'tick'; readonly at: number }
  /** The PD-specific way into (or out of) install mode: jumper, config card… */
  | { readonly type: 'set_install_mode'; readonly installMode: boolean };

export type PdOutput =
  /** Put these bytes on the line. */
  | { readonly type: 'send'; readonly bytes: Bytes }
  /**
   * COMSET accepted. Switch address and baud only AFTER the preceding `send` has fully left the
   * UART (reference §3.5); the model already answers at the new address from the next frame on.
   */
  | { readonly type: 'comset_applied'; readonly address: number; readonly baud: number }
  /** KEYSET accepted: store the new SCBK (non-volatile). Key material: callers must not log it. */
  | { readonly type: 'keyset_applied'; readonly scbk: Bytes }
  | { readonly type: 'sc_established'; readonly kk: number }
  | { readonly type: 'sc_dropped'; readonly reason: PdScDropReason }
  /** Received bytes not acted on, and why (no key material in here). */
  | { readonly type: 'ignored'; readonly reason: string; readonly bytes: number };

export type PdScDropReason =
  | 'sqn_reset'
  | 'mac'
  | 'plaintext'
  | 'bad_scb'
  | 'keyset'
  | 'timeout'
  | 'new_challenge'
  | 'sequence';

/** The libosdp-style cUID: vendor(3) ‖ model ‖ version ‖ the first three serial bytes (LE). */
export function defaultCuid(pdid: PdId): Bytes {
  const s = pdid.serial >>> 0;
  return Uint8Array.of(
    pdid.vendor[0]!,
    pdid.vendor[1]!,
    pdid.vendor[2]!,
    pdid.model,
    pdid.version,
    s & 0xff,
    (s >>> 8) & 0xff,
    (s >>> 16) & 0xff,
  );
}

/** Deterministic 8 bytes from (seed, counter): splitmix32, so a seeded PD stays a pure value. */
export function seededBytes(seed: number, counter: number, n = 8): Bytes {
  const out = new Uint8Array(n);
  let x = (seed ^ Math.imul(counter + 1, 0x9e3779b9)) >>> 0;
  for (let i = 0; i < n; i += 4) {
    x = (x + 0x9e3779b9) >>> 0;
    let z = x;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    z = (z ^ (z >>> 16)) >>> 0;
    for (let j = 0; j < 4 && i + j < n; j++) out[i + j] = (z >>> (8 * j)) & 0xff;
  }
  return out;
}

export function rndBFor(random: PdRandom, handshake: number): Bytes {
  const b = typeof random === 'function' ? random(handshake) : seededBytes(random.seed, handshake);
  if (b.length !== 8) throw new RangeError(`RND.B source returned ${b.length} bytes, need 8`);
  return b;
}
