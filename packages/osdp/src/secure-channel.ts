// The OSDP Secure Channel session (reference §5) for both roles, as immutable values and pure
// functions. Every function that succeeds returns the NEXT state; on failure the caller's state is
// untouched, which is exactly what a retransmission needs (the MAC chain only moves on success).
//
// CP (ACU) side:  cpChallenge → CHLNG … cpCheckCcrypt → SCRYPT … cpCheckRmacI → ScSession,
//                 then cpWrapCommand / cpUnwrapReply.
// PD side:        pdAnswerChlng → CCRYPT … pdCheckScrypt → RMAC_I + ScSession,
//                 then pdUnwrapCommand / pdWrapReply.
//
// Address, SQN, check mode and MARK are the link's business; the handshake functions return only
// the SC-specific parts of a frame (ScMessage). Key material never appears in an error.

import { abytes, concat, equalCt, hex2, type Bytes } from './bytes.ts';
import {
  type KEY_SCBK,
  type KEY_SCBK_D,
  NAK_CMD_LEN,
  NAK_SC_COND,
  NAK_SC_UNSUP,
  RMAC_I_ACCEPTED,
  RMAC_I_REJECTED,
  SCS_11,
  SCS_12,
  SCS_13,
  SCS_14,
  SCS_15,
  SCS_16,
  SCS_17,
  SCS_18,
  osdp_CCRYPT,
  osdp_CHLNG,
  osdp_RMAC_I,
  osdp_SCRYPT,
} from './codes.ts';
import { buildFrame, macInputOf, type Frame, type FrameFields, type Scb } from './frame.ts';
import {
  clientCryptogram,
  decryptData,
  deriveSessionKeys,
  encryptData,
  initialRmac,
  macMatches,
  osdpMac,
  serverCryptogram,
  type SessionKeys,
} from './sc-crypto.ts';

/** Key indicator `kk` (codes.ts KEY_SCBK_D / KEY_SCBK): 0x00 = SCBK-D (install mode), 0x01 = the PD's SCBK. */
export type KeyIndicator = typeof KEY_SCBK_D | typeof KEY_SCBK;

/** An established session. `cMac`/`rMac` are full 16-byte MACs; the 4-byte wire form is never chained. */
export interface ScSession {
  readonly keys: SessionKeys;
  /** MAC of the last command (C-MAC): the IV of the reply that answers it. */
  readonly cMac: Bytes;
  /** MAC of the last reply (R-MAC), RMAC-I right after the handshake: the IV of the next command. */
  readonly rMac: Bytes;
}

/** The SC-specific parts of a frame: the link adds address, SQN, check mode and MARK. */
export interface ScMessage {
  readonly scb: Scb;
  readonly code: number;
  readonly data: Bytes;
}

/** What the SC layer needs from a received frame (a parsed `Frame` fits). */
export type ScFrameView = Pick<Frame, 'scb' | 'code' | 'data'>;

export type ScError =
  /** Wrong code, SCB or length for the handshake step or secured message. */
  | { readonly kind: 'sc_bad_message'; readonly reason: string }
  /** CCRYPT echoed another key indicator than the CHLNG asked for (OSDP.Net issue #193). */
  | {
      readonly kind: 'sc_key_indicator_mismatch';
      readonly sent: KeyIndicator;
      readonly echoed: number;
    }
  /** Client cryptogram (at the CP) or server cryptogram (at the PD) does not match: other key. */
  | { readonly kind: 'sc_cryptogram_mismatch' }
  /** RMAC_I status byte is not 0x01: the PD did not accept the session. */
  | { readonly kind: 'sc_rmac_status'; readonly status: number }
  /** RMAC_I carries a value other than the one both sides must compute. */
  | { readonly kind: 'sc_rmac_mismatch' }
  /** A secured frame's MAC does not verify. */
  | { readonly kind: 'sc_mac_mismatch' }
  /** Encrypted DATA is not a non-zero multiple of 16 or its 0x80 padding is wrong. */
  | { readonly kind: 'sc_bad_padding' }
  /** A frame without a security block where a secured one was required. */
  | { readonly kind: 'sc_not_secured' }
  /** PD side: no key for the requested indicator (e.g. SCBK-D outside install mode). */
  | { readonly kind: 'sc_key_refused'; readonly kk: number };

export type ScErrorKind = ScError['kind'];

const bad = (reason: string): { ok: false; error: ScError } => ({
  ok: false,
  error: { kind: 'sc_bad_message', reason },
});

function scbOf(type: number, b?: number): Scb {
  return { type, data: b === undefined ? new Uint8Array(0) : Uint8Array.of(b) };
}

// ───────────────────────────── CP (ACU) side ─────────────────────────────

/** CP state after sending osdp_CHLNG. */
export interface CpChallengeState {
  readonly kk: KeyIndicator;
  readonly rndA: Bytes;
  readonly keys: SessionKeys;
}

/** CP state after sending osdp_SCRYPT. */
export interface CpScryptState {
  readonly keys: SessionKeys;
  readonly expectedRmacI: Bytes;
}

/**
 * Starts a handshake. `scbk` must match `kk` (SCBK_D for 0x00); `rndA` is 8 random bytes from the
 * caller. Session keys are derived now so the CCRYPT check is a single comparison.
 */
export function cpChallenge(
  kk: KeyIndicator,
  scbk: Bytes,
  rndA: Bytes,
): { state: CpChallengeState; chlng: ScMessage } {
  if (kk !== 0 && kk !== 1)
    throw new RangeError(`key indicator must be 0x00 or 0x01, got ${String(kk)}`);
  abytes('SCBK', scbk, 16);
  abytes('RND.A', rndA, 8);
  const keys = deriveSessionKeys(scbk, rndA);
  const a = rndA.slice();
  return {
    state: { kk, rndA: a, keys },
    chlng: { scb: scbOf(SCS_11, kk), code: osdp_CHLNG, data: a },
  };
}

/** Checks osdp_CCRYPT (SCS_12, echoed kk, client cryptogram) and builds osdp_SCRYPT. */
export function cpCheckCcrypt(
  state: CpChallengeState,
  reply: ScFrameView,
):
  | { ok: true; state: CpScryptState; scrypt: ScMessage; cUid: Bytes; rndB: Bytes }
  | { ok: false; error: ScError } {
  if (reply.code !== osdp_CCRYPT)
    return bad(`expected osdp_CCRYPT (0x76), got 0x${hex2(reply.code)}`);
  if (!reply.scb || reply.scb.type !== SCS_12 || reply.scb.data.length !== 1)
    return bad('CCRYPT without an SCS_12 block');
  const echoed = reply.scb.data[0]!;
  if (echoed !== state.kk)
    return { ok: false, error: { kind: 'sc_key_indicator_mismatch', sent: state.kk, echoed } };
  if (reply.data.length !== 32)
    return bad(`CCRYPT data must be 32 bytes, got ${reply.data.length}`);
  const cUid = reply.data.slice(0, 8);
  const rndB = reply.data.slice(8, 16);
  const expected = clientCryptogram(state.keys.sEnc, state.rndA, rndB);
  if (!equalCt(expected, reply.data.subarray(16, 32)))
    return { ok: false, error: { kind: 'sc_cryptogram_mismatch' } };
  const sc = serverCryptogram(state.keys.sEnc, state.rndA, rndB);
  return {
    ok: true,
    state: { keys: state.keys, expectedRmacI: initialRmac(state.keys, sc) },
    scrypt: { scb: scbOf(SCS_13, state.kk), code: osdp_SCRYPT, data: sc },
    cUid,
    rndB,
  };
}

/**
 * Checks osdp_RMAC_I: status byte must be 0x01 and the value must match. Returns the live session.
 * A block labelled SCS_12 instead of SCS_14 (OSDP.Net's simulator) is accepted and flagged.
 */
export function cpCheckRmacI(
  state: CpScryptState,
  reply: ScFrameView,
): { ok: true; session: ScSession; relabelled: boolean } | { ok: false; error: ScError } {
  if (reply.code !== osdp_RMAC_I)
    return bad(`expected osdp_RMAC_I (0x78), got 0x${hex2(reply.code)}`);
  const scb = reply.scb;
  if (!scb || (scb.type !== SCS_14 && scb.type !== SCS_12) || scb.data.length !== 1)
    return bad('RMAC_I without an SCS_14 block');
  const status = scb.data[0]!;
  if (status !== RMAC_I_ACCEPTED) return { ok: false, error: { kind: 'sc_rmac_status', status } };
  if (reply.data.length !== 16)
    return bad(`RMAC_I data must be 16 bytes, got ${reply.data.length}`);
  if (!equalCt(reply.data, state.expectedRmacI))
    return { ok: false, error: { kind: 'sc_rmac_mismatch' } };
  const rmacI = state.expectedRmacI.slice();
  return {
    ok: true,
    session: { keys: state.keys, cMac: rmacI, rMac: rmacI },
    relabelled: scb.type !== SCS_14,
  };
}

/** A plaintext frame to secure: everything but the security block and the reply flag. */
export type PlainFrameFields = Omit<FrameFields, 'scb' | 'reply'>;

function wrap(
  session: ScSession,
  f: PlainFrameFields,
  reply: boolean,
): { bytes: Uint8Array; session: ScSession } {
  // A command chains on the last R-MAC, a reply on the C-MAC it answers (§5.6, §5.7).
  const iv = reply ? session.cMac : session.rMac;
  const encrypted = f.data.length > 0;
  const type = reply ? (encrypted ? SCS_18 : SCS_16) : encrypted ? SCS_17 : SCS_15;
  const data = encrypted ? encryptData(session.keys.sEnc, iv, f.data) : new Uint8Array(0);
  let full: Bytes | undefined;
  const bytes = buildFrame({ ...f, reply, scb: scbOf(type), data }, (input) => {
    full = osdpMac(session.keys, iv, input);
    return full;
  });
  const mac = full!;
  return { bytes, session: reply ? { ...session, rMac: mac } : { ...session, cMac: mac } };
}

function unwrap(
  session: ScSession,
  frame: Frame,
  reply: boolean,
): { ok: true; code: number; data: Bytes; session: ScSession } | { ok: false; error: ScError } {
  const scb = frame.scb;
  if (!scb) return { ok: false, error: { kind: 'sc_not_secured' } };
  const [plainType, encType] = reply ? [SCS_16, SCS_18] : [SCS_15, SCS_17];
  if (scb.type !== plainType && scb.type !== encType)
    return bad(`unexpected security block 0x${hex2(scb.type)}`);
  if (scb.data.length !== 0) return bad('SCS_15..18 block carries no data byte');
  if (!frame.mac) return bad('secured frame has no room for a MAC');
  // Mirror of wrap(): a reply was chained on our C-MAC, a command on our R-MAC.
  const iv = reply ? session.cMac : session.rMac;
  const mac = osdpMac(session.keys, iv, macInputOf(frame));
  if (!macMatches(frame.mac, mac)) return { ok: false, error: { kind: 'sc_mac_mismatch' } };
  let data = frame.data;
  if (scb.type === encType) {
    // Encrypt-then-MAC: the MAC is checked first, so a padding error is never an oracle.
    const d = decryptData(session.keys.sEnc, iv, frame.data);
    if (!d.ok) return { ok: false, error: { kind: 'sc_bad_padding' } };
    data = d.data;
  }
  return {
    ok: true,
    code: frame.code,
    data,
    session: reply ? { ...session, rMac: mac } : { ...session, cMac: mac },
  };
}

/**
 * Secures a command: SCS_17 (encrypted) if it has data, else SCS_15. Returns the bytes to send and
 * the session with the new C-MAC. A retransmission must resend these bytes, never rewrap.
 */
export function cpWrapCommand(
  session: ScSession,
  f: PlainFrameFields,
): { bytes: Uint8Array; session: ScSession } {
  return wrap(session, f, false);
}

/** Verifies (and decrypts) an SCS_16/18 reply. A plaintext frame gives `sc_not_secured`. */
export function cpUnwrapReply(
  session: ScSession,
  frame: Frame,
): { ok: true; code: number; data: Bytes; session: ScSession } | { ok: false; error: ScError } {
  return unwrap(session, frame, true);
}

// ───────────────────────────── PD side ─────────────────────────────

/** PD state after answering osdp_CHLNG. */
export interface PdChallengeState {
  readonly kk: number;
  readonly keys: SessionKeys;
  readonly rndA: Bytes;
  readonly rndB: Bytes;
}

export interface PdChallengeOptions {
  /**
   * The key the PD uses for the requested indicator, or null to refuse (answer NAK 0x05). Policy
   * lives with the caller: e.g. SCBK-D only in install mode; libosdp ignores kk and uses its SCBK.
   */
  keyFor(kk: number): Bytes | null;
  /** 8 random bytes from the caller. */
  rndB: Bytes;
  /** 8-byte client UID (takes part in no session computation). */
  cUid: Bytes;
}

/** Answers osdp_CHLNG with osdp_CCRYPT (kk echoed). On failure, `nak` is the code to answer with. */
export function pdAnswerChlng(
  cmd: ScFrameView,
  opts: PdChallengeOptions,
):
  | { ok: true; state: PdChallengeState; ccrypt: ScMessage }
  | { ok: false; error: ScError; nak: number } {
  // The caller's inputs (not the peer's): a wrong length is a programming error, e.g. a 7-byte cUID
  // would silently make a 31-byte CCRYPT.
  abytes('RND.B', opts.rndB, 8);
  abytes('cUID', opts.cUid, 8);
  if (cmd.code !== osdp_CHLNG || !cmd.scb || cmd.scb.type !== SCS_11 || cmd.scb.data.length !== 1) {
    return { ...bad('CHLNG without an SCS_11 block'), nak: NAK_SC_COND };
  }
  if (cmd.data.length !== 8)
    return { ...bad(`CHLNG data must be 8 bytes, got ${cmd.data.length}`), nak: NAK_CMD_LEN };
  const kk = cmd.scb.data[0]!;
  const key = opts.keyFor(kk);
  if (!key) return { ok: false, error: { kind: 'sc_key_refused', kk }, nak: NAK_SC_UNSUP };
  const rndA = cmd.data.slice();
  const rndB = opts.rndB.slice();
  const keys = deriveSessionKeys(key, rndA);
  const cc = clientCryptogram(keys.sEnc, rndA, rndB);
  return {
    ok: true,
    state: { kk, keys, rndA, rndB },
    ccrypt: { scb: scbOf(SCS_12, kk), code: osdp_CCRYPT, data: concat(opts.cUid, rndB, cc) },
  };
}

/**
 * Checks osdp_SCRYPT. On success returns the live session and osdp_RMAC_I (ss = 0x01). On a
 * server cryptogram mismatch returns `nak` 0x05 (libosdp/OSDP.Net); a PD that prefers to answer
 * RMAC_I with ss = 0xFF can use `pdRejectedRmacI()`.
 */
export function pdCheckScrypt(
  state: PdChallengeState,
  cmd: ScFrameView,
): { ok: true; session: ScSession; rmacI: ScMessage } | { ok: false; error: ScError; nak: number } {
  if (
    cmd.code !== osdp_SCRYPT ||
    !cmd.scb ||
    cmd.scb.type !== SCS_13 ||
    cmd.scb.data.length !== 1
  ) {
    return { ...bad('SCRYPT without an SCS_13 block'), nak: NAK_SC_COND };
  }
  if (cmd.data.length !== 16)
    return { ...bad(`SCRYPT data must be 16 bytes, got ${cmd.data.length}`), nak: NAK_CMD_LEN };
  const expected = serverCryptogram(state.keys.sEnc, state.rndA, state.rndB);
  if (!equalCt(expected, cmd.data))
    return { ok: false, error: { kind: 'sc_cryptogram_mismatch' }, nak: NAK_SC_UNSUP };
  const rmacI = initialRmac(state.keys, expected);
  return {
    ok: true,
    session: { keys: state.keys, cMac: rmacI, rMac: rmacI },
    rmacI: { scb: scbOf(SCS_14, RMAC_I_ACCEPTED), code: osdp_RMAC_I, data: rmacI.slice() },
  };
}

/** osdp_RMAC_I with ss = 0xFF ("server cryptogram rejected"), an alternative to NAK 0x05. */
export function pdRejectedRmacI(): ScMessage {
  return { scb: scbOf(SCS_14, RMAC_I_REJECTED), code: osdp_RMAC_I, data: new Uint8Array(16) };
}

/**
 * Verifies (and decrypts) an SCS_15/17 command and advances the C-MAC. On failure the PD must drop
 * the session and answer `nak` (0x06), normally in plaintext (reference §5.8).
 */
export function pdUnwrapCommand(
  session: ScSession,
  frame: Frame,
):
  | { ok: true; code: number; data: Bytes; session: ScSession }
  | { ok: false; error: ScError; nak: number } {
  const r = unwrap(session, frame, false);
  return r.ok ? r : { ...r, nak: NAK_SC_COND };
}

/** Secures a reply to the command just unwrapped: SCS_18 if it has data, else SCS_16. */
export function pdWrapReply(
  session: ScSession,
  f: PlainFrameFields,
): { bytes: Uint8Array; session: ScSession } {
  return wrap(session, f, true);
}
