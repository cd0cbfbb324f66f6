// The PD model: a pure reducer, pdStep(state, input) → { state, outputs }. It behaves like
// libosdp's PD as captured in libosdp-captures.json (observed_libosdp_pd) and completes the worked
// provisioning session of vectors.json. Rules: reference §2.5 (broadcast), §2.6 (SQN), §3 (commands),
// §5.8 (failures), §5.9 (install mode, KEYSET). Secure-channel crypto comes from secure-channel.ts.
//
// Order of checks for each received command frame (as libosdp): address → SQN → security block →
// payload → command. Frames with a bad check character never get here (the stream drops them).

import { type Bytes, abytes, equalBytes } from './bytes.ts';
import {
  NAK_CHECK,
  NAK_CMD_LEN,
  NAK_CMD_UNKNOWN,
  NAK_RECORD,
  NAK_SC_COND,
  NAK_SC_UNSUP,
  NAK_SEQ_NUM,
  KEY_SCBK_D,
  SCS_11,
  SCS_13,
  osdp_CAP,
  osdp_CHLNG,
  osdp_ID,
  osdp_NAK,
  osdp_SCRYPT,
} from './codes.ts';
import { decodeCommand, type Command, KEYSET_TYPE_SCBK } from './commands.ts';
import {
  BROADCAST,
  CTRL_CRC,
  CTRL_SQN_MASK,
  type CheckMode,
  type Frame,
  MARK,
  MAX_FRAME_LEN,
  REPLY_FLAG,
  type Sqn,
  buildFrame,
} from './frame.ts';
import {
  DEFAULT_BAUDS,
  type PdConfig,
  type PdInput,
  type PdOutput,
  type PdScDropReason,
  type PdState,
  defaultCuid,
  rndBFor,
} from './pd-types.ts';
import { type Reply, encodeReply, rxBufferSize, supportsAes, supportsCrc } from './replies.ts';
import { SCBK_D } from './sc-crypto.ts';
import {
  type ScMessage,
  type ScSession,
  pdAnswerChlng,
  pdCheckScrypt,
  pdUnwrapCommand,
  pdWrapReply,
} from './secure-channel.ts';
import { EMPTY_STREAM, FrameStreamParser } from './stream.ts';

export * from './pd-types.ts';

/** What an ENFORCE_SECURE PD still takes in plaintext (CHLNG/SCRYPT are routed before this check). */
const PLAINTEXT_WHEN_ENFORCED: ReadonlySet<number> = new Set([osdp_ID, osdp_CAP]);

export interface PdStepResult {
  state: PdState;
  outputs: PdOutput[];
}

export function pdInit(config: PdConfig): PdState {
  if (!Number.isInteger(config.address) || config.address < 0 || config.address > 0x7e) {
    throw new RangeError(`PD address must be 0x00..0x7E, got ${config.address}`);
  }
  if (!Number.isInteger(config.baud) || config.baud <= 0)
    throw new RangeError(`PD baud must be a positive integer, got ${config.baud}`);
  if (config.scbk !== null) abytes('PD SCBK', config.scbk, 16);
  if (config.cUid !== undefined) abytes('PD cUID', config.cUid, 8);
  return {
    config,
    address: config.address,
    baud: config.baud,
    scbk: config.scbk ? config.scbk.slice() : null,
    installMode: config.installMode,
    seq: -1,
    sc: { phase: 'none' },
    handshakes: 0,
    cache: null,
    rx: EMPTY_STREAM,
  };
}

export function pdStep(state: PdState, input: PdInput): PdStepResult {
  switch (input.type) {
    case 'set_install_mode':
      return { state: { ...state, installMode: input.installMode }, outputs: [] };
    case 'rx':
    case 'tick': {
      const parser = FrameStreamParser.restore(state.rx, {
        accept: 'commands',
        maxLength: rxLimit(state.config),
      });
      // A tick lets a stale partial frame go, so commands behind its false SOM are still answered.
      const events =
        input.type === 'rx' ? parser.push(input.bytes, input.at) : parser.expire(input.at);
      const at = input.type === 'rx' ? input.at : state.rx.lastAt;
      let s: PdState = { ...state, rx: parser.snapshot() };
      const outputs: PdOutput[] = [];
      for (const ev of events) {
        if (ev.type === 'frame') s = onFrame(s, ev.frame, at, outputs);
        else if (ev.header) overSize(s, ev.header, ev.bytes.length, outputs);
        else outputs.push({ type: 'ignored', reason: ev.reason, bytes: ev.bytes.length });
      }
      return { state: s, outputs };
    }
  }
}

/** Largest LEN taken: config.maxLength, else the PDCAP FC 10 receive buffer size, else the spec maximum. */
function rxLimit(cfg: PdConfig): number {
  const fc10 = rxBufferSize(cfg.pdcap);
  return cfg.maxLength ?? (fc10 ? Math.min(fc10, MAX_FRAME_LEN) : MAX_FRAME_LEN);
}

/**
 * A command header (`[MARK] SOM ADDR LEN LEN CTRL`) whose LEN exceeds our receive buffer: if it is
 * addressed to us, NAK 0x02 at once (reference §1, §3.2). The frame was never received whole, so
 * the SQN state and the reply cache stay as they are.
 */
function overSize(s: PdState, header: Bytes, dropped: number, out: PdOutput[]): void {
  const mark = header[0] === MARK;
  const h = mark ? header.subarray(1) : header;
  const address = h[1]! & 0x7f;
  const ctrl = h[4]!;
  if (h[1]! & REPLY_FLAG || (address !== s.address && address !== BROADCAST)) {
    out.push({ type: 'ignored', reason: 'bad_length', bytes: dropped });
    return;
  }
  const crcOk = supportsCrc(s.config.pdcap);
  const check: CheckMode = !crcOk
    ? 'checksum'
    : s.config.replyCheck === 'mirror' && !(ctrl & CTRL_CRC)
      ? 'checksum'
      : 'crc';
  const ctx = {
    address: address === BROADCAST ? BROADCAST : s.address,
    sqn: (ctrl & CTRL_SQN_MASK) as Sqn,
    check,
    mark,
  };
  out.push({
    type: 'send',
    bytes: plainReply({ ...ctx, command: h }, { code: osdp_NAK, data: Uint8Array.of(NAK_CMD_LEN) }),
  });
}

/** libosdp's SQN cycle: after a reset (-1) comes 0, then 1, 2, 3, 1, 2, 3… */
function nextSeq(seq: -1 | Sqn): Sqn {
  return seq === -1 ? 0 : seq === 3 ? 1 : ((seq + 1) as Sqn);
}

function dropSc(s: PdState, reason: PdScDropReason, out: PdOutput[]): PdState {
  if (s.sc.phase === 'none') return s;
  if (s.sc.phase === 'active') out.push({ type: 'sc_dropped', reason });
  return { ...s, sc: { phase: 'none' } };
}

/** Where and how a reply to one command goes. */
interface ReplyCtx {
  address: number;
  sqn: Sqn;
  check: CheckMode;
  mark: boolean;
  command: Bytes;
}

function plainReply(
  ctx: ReplyCtx,
  msg: { code: number; data: Bytes; scb?: ScMessage['scb'] },
): Bytes {
  return buildFrame({
    address: ctx.address,
    reply: true,
    sqn: ctx.sqn,
    check: ctx.check,
    mark: ctx.mark,
    ...msg,
  });
}

/** Sends bytes and remembers them as the answer to this command (for a repeated SQN). */
function send(s: PdState, ctx: ReplyCtx, bytes: Bytes, out: PdOutput[]): PdState {
  out.push({ type: 'send', bytes });
  return { ...s, cache: { command: ctx.command, reply: bytes } };
}

function nak(s: PdState, ctx: ReplyCtx, code: number, out: PdOutput[]): PdState {
  return send(s, ctx, plainReply(ctx, { code: osdp_NAK, data: Uint8Array.of(code) }), out);
}

function onFrame(state: PdState, frame: Frame, at: number | undefined, out: PdOutput[]): PdState {
  const cfg = state.config;
  let s = state;
  if (frame.address !== s.address && frame.address !== BROADCAST) {
    out.push({ type: 'ignored', reason: 'not_addressed', bytes: frame.bytes.length });
    return s;
  }
  const crcOk = supportsCrc(cfg.pdcap);
  if (
    s.sc.phase === 'active' &&
    at !== undefined &&
    s.sc.lastAt !== undefined &&
    at - s.sc.lastAt > (cfg.scTimeoutMs ?? 8000)
  ) {
    s = dropSc(s, 'timeout', out);
  }
  const ctx: ReplyCtx = {
    // Broadcast is answered from 0xFF (0x7F | reply flag), reference §2.5.
    address: frame.address === BROADCAST ? BROADCAST : s.address,
    sqn: frame.sqn,
    check: !crcOk ? 'checksum' : cfg.replyCheck === 'mirror' ? frame.check : 'crc',
    mark: frame.mark,
    command: frame.bytes,
  };
  // A checksum-only PD cannot verify a CRC frame: NAK 0x01 so the CP falls back (reference §2.4).
  if (frame.check === 'crc' && !crcOk) return nak(s, ctx, NAK_CHECK, out);

  // Sequence number (reference §2.6, libosdp phy_check_packet).
  // A true repeat (same SQN, same bytes): the CP lost our reply. Resend it bit for bit, run nothing.
  // This includes a retried SQN-0 command unless `sqn0Repeat` is 'reprocess' (see PdConfig).
  const sameBytes =
    s.cache !== null && frame.sqn === s.seq && equalBytes(s.cache.command, frame.bytes);
  if (sameBytes && (frame.sqn !== 0 || cfg.sqn0Repeat !== 'reprocess')) {
    out.push({ type: 'send', bytes: s.cache!.reply });
    return s;
  }
  // SQN 0 restarts: reset the counter and drop SC. Same SQN with a different command is
  // processed as new (libosdp drops its cache), keeping the counter.
  if (frame.sqn === 0) s = dropSc({ ...s, seq: -1 }, 'sqn_reset', out);
  if (frame.sqn !== s.seq) {
    // libosdp advances its counter before comparing, so the NAK carries (and the PD keeps) the
    // SQN it expected: after 3 it expects 1, and NAK 04 goes out with SQN 1 (the capture shows it).
    const expected = nextSeq(s.seq);
    s = { ...s, seq: expected };
    if (frame.sqn !== expected) {
      s = dropSc(s, 'sequence', out);
      return nak(s, { ...ctx, sqn: expected }, NAK_SEQ_NUM, out);
    }
  }
  return onCommand(s, frame, at, ctx, out);
}

function onCommand(
  state: PdState,
  frame: Frame,
  at: number | undefined,
  ctx: ReplyCtx,
  out: PdOutput[],
): PdState {
  let s = state;
  const scb = frame.scb;
  const scCapable = supportsAes(s.config.pdcap);
  if (scb && !scCapable) return nak(s, ctx, NAK_SC_UNSUP, out);
  if (frame.code === osdp_CHLNG) return onChlng(s, frame, ctx, out);
  if (frame.code === osdp_SCRYPT) return onScrypt(s, frame, at, ctx, out);
  if (scb && (scb.type < 0x11 || scb.type > 0x18 || scb.type === SCS_11 || scb.type === SCS_13)) {
    // Unknown SCS type, or a handshake block on another command.
    return nak(dropSc(s, 'bad_scb', out), ctx, NAK_SC_COND, out);
  }

  let session: ScSession | undefined;
  let code = frame.code;
  let data = frame.data;
  if (s.sc.phase === 'active') {
    if (!scb) return nak(dropSc(s, 'plaintext', out), ctx, NAK_SC_COND, out);
    const r = pdUnwrapCommand(s.sc.session, frame);
    if (!r.ok) return nak(dropSc(s, 'mac', out), ctx, r.nak, out);
    session = r.session;
    s = { ...s, sc: { ...s.sc, session, lastAt: at ?? s.sc.lastAt } };
    code = r.code;
    data = r.data;
  } else if (scb) {
    // SCS_15..18 without a session (libosdp fixture: "SCS_16 while SC inactive → NAK 06").
    return nak(s, ctx, NAK_SC_COND, out);
  } else if (s.config.enforceSecure && !PLAINTEXT_WHEN_ENFORCED.has(code)) {
    return nak(s, ctx, NAK_SC_COND, out);
  }

  const reply = (st: PdState, r: Reply): PdState => {
    const msg = encodeReply(r);
    if (st.sc.phase !== 'active') return send(st, ctx, plainReply(ctx, msg), out);
    const w = pdWrapReply(st.sc.session, {
      address: ctx.address,
      sqn: ctx.sqn,
      check: ctx.check,
      mark: ctx.mark,
      ...msg,
    });
    return send({ ...st, sc: { ...st.sc, session: w.session } }, ctx, w.bytes, out);
  };
  const nakReply = (st: PdState, c: number): PdState =>
    reply(st, { kind: 'NAK', errorCode: c, detail: new Uint8Array(0) });

  const decoded = decodeCommand(code, data);
  if (!decoded.ok) return nakReply(s, NAK_CMD_LEN);
  return execute(s, decoded.value, session !== undefined, ctx, out, reply, nakReply);
}

function execute(
  s: PdState,
  cmd: Command,
  secure: boolean,
  ctx: ReplyCtx,
  out: PdOutput[],
  reply: (st: PdState, r: Reply) => PdState,
  nakReply: (st: PdState, code: number) => PdState,
): PdState {
  const cfg = s.config;
  switch (cmd.kind) {
    case 'POLL':
      return reply(s, { kind: 'ACK' });
    case 'ID':
      return reply(s, { kind: 'PDID', ...cfg.pdid });
    case 'CAP':
      return reply(s, { kind: 'PDCAP', entries: [...cfg.pdcap] });
    case 'LSTAT':
      return reply(s, {
        kind: 'LSTATR',
        tamper: cfg.lstat?.tamper ?? 0,
        power: cfg.lstat?.power ?? 0,
      });
    case 'COMSET': {
      if (cmd.address >= BROADCAST) return nakReply(s, NAK_CMD_LEN);
      if (!(cfg.bauds ?? DEFAULT_BAUDS).includes(cmd.baud)) return nakReply(s, NAK_RECORD);
      // osdp_COM goes out at the OLD address and baud, carrying the new values (reference §3.5).
      const after = reply(s, { kind: 'COM', address: cmd.address, baud: cmd.baud });
      out.push({ type: 'comset_applied', address: cmd.address, baud: cmd.baud });
      return { ...after, address: cmd.address, baud: cmd.baud };
    }
    case 'KEYSET': {
      if (!secure) return nakReply(s, NAK_SC_COND);
      if (cmd.keyType !== KEYSET_TYPE_SCBK || cmd.key.length !== 16)
        return nakReply(s, NAK_CMD_LEN);
      let after: PdState;
      if (cfg.keysetAck === 'plaintext') {
        // HID readers discard the session first and ACK in plaintext (reference §5.9, LOi#194).
        after = send(s, ctx, plainReply(ctx, encodeReply({ kind: 'ACK' })), out);
      } else {
        after = reply(s, { kind: 'ACK' });
      }
      const scbk = cmd.key.slice();
      out.push({ type: 'keyset_applied', scbk });
      after = dropSc(after, 'keyset', out);
      return { ...after, scbk, installMode: false };
    }
    case 'CHLNG':
    case 'SCRYPT':
    case 'unknown':
      // CHLNG/SCRYPT are routed before decoding; anything else is not implemented here.
      return nakReply(s, NAK_CMD_UNKNOWN);
  }
}

function onChlng(state: PdState, frame: Frame, ctx: ReplyCtx, out: PdOutput[]): PdState {
  const s = dropSc(state, 'new_challenge', out);
  const cfg = s.config;
  const r = pdAnswerChlng(frame, {
    // Only install mode honours kk = 0x00; otherwise use the PD's SCBK whatever kk says, as libosdp
    // does, so a CP that asked for SCBK-D sees its cryptogram check fail (reference §5.8).
    keyFor: (kk) => (s.installMode && kk === KEY_SCBK_D ? SCBK_D : s.scbk),
    rndB: rndBFor(cfg.random, s.handshakes),
    cUid: cfg.cUid ?? defaultCuid(cfg.pdid),
  });
  if (!r.ok) return nak(s, ctx, r.nak, out);
  const next: PdState = {
    ...s,
    handshakes: s.handshakes + 1,
    sc: { phase: 'challenged', challenge: r.state, kk: r.state.kk },
  };
  return send(next, ctx, plainReply(ctx, r.ccrypt), out);
}

function onScrypt(
  s: PdState,
  frame: Frame,
  at: number | undefined,
  ctx: ReplyCtx,
  out: PdOutput[],
): PdState {
  // SCRYPT needs a pending CHLNG; during an active session it is refused (reference §5.8).
  if (s.sc.phase !== 'challenged') return nak(s, ctx, NAK_SC_COND, out);
  const kk = s.sc.kk;
  const r = pdCheckScrypt(s.sc.challenge, frame);
  if (!r.ok) return nak({ ...s, sc: { phase: 'none' } }, ctx, r.nak, out);
  out.push({ type: 'sc_established', kk });
  const next: PdState = { ...s, sc: { phase: 'active', session: r.session, kk, lastAt: at } };
  return send(next, ctx, plainReply(ctx, r.rmacI), out);
}
