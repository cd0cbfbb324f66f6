// The OSDP ACU side of one commissioning step, over an injected Bus: SQN handling, retransmission
// of the exact same bytes (guarantee 5), CRC-16 on every frame sent (guarantee 6), reply
// timeouts, and the secure channel (handshake, SCS_15/17 wrap, SCS_16/18 unwrap, plaintext NAK /
// BUSY / KEYSET-ACK tolerance). Pure @osprio/osdp does the bytes; this file only sequences them.
import type { Bus } from '@osprio/bus';
import {
  FrameStreamParser, buildFrame, cpChallenge, cpCheckCcrypt, cpCheckRmacI, cpUnwrapReply, cpWrapCommand, decodeReply,
  encodeCommand, toHex, osdp_ACK, osdp_BUSY, osdp_NAK, type Command, type Frame, type KeyIndicator, type Reply,
  type ScError, type ScSession, type Sqn,
} from '@osprio/osdp';
import type { AwaitedOp, KeyRef, LinkPolicy, OpResult, PdReply } from './ops.ts';

type CommandOp = Extract<AwaitedOp, { op: 'command' }>;
type HandshakeOp = Extract<AwaitedOp, { op: 'handshake' }>;

/** What the runner needs from an OSDP link. */
export interface StepLink {
  /** New link: the next command goes with SQN 0; any secure-channel session is dropped. */
  restart(): void;
  /** The port changed speed: drop half-received bytes. */
  portChanged(): void;
  command(op: CommandOp, keyFor: (ref: KeyRef) => Uint8Array, deadline: number): Promise<OpResult>;
  handshake(op: HandshakeOp, key: Uint8Array, deadline: number): Promise<OpResult>;
}

/** Inter-character timeout (reference §1): a reply in progress extends the deadline by this much. */
const INTER_CHAR_MS = 20;
/** osdp_BUSY: wait, then resend the same bytes (reference §2.6). */
const BUSY_WAIT_MS = 50;
const MAX_BUSY = 20;

type Heard =
  | { kind: 'frame'; frame: Frame }
  | { kind: 'silent' }
  | { kind: 'garbled'; why: string };

type Sent = { kind: 'frame'; frame: Frame } | { kind: 'no_reply' } | { kind: 'bad_reply'; why: string };

export function nextSqn(sqn: Sqn): Sqn {
  return ((sqn % 3) + 1) as Sqn;
}

export function createWireLink(bus: Bus, random: (n: number) => Uint8Array): StepLink {
  return new WireLink(bus, random);
}

class WireLink implements StepLink {
  private sqn: Sqn = 0;
  private session: ScSession | undefined;
  private readonly parser = new FrameStreamParser({ accept: 'replies', interCharTimeoutMs: INTER_CHAR_MS });

  constructor(
    private readonly bus: Bus,
    private readonly random: (n: number) => Uint8Array,
  ) {}

  restart(): void {
    this.sqn = 0;
    this.session = undefined;
  }

  portChanged(): void {
    this.parser.reset();
    this.bus.flushInput();
  }

  /**
   * Sends one command and waits for its reply. The frame is built ONCE for its SQN; every
   * retransmission writes the very same bytes. The SQN advances only after a valid reply.
   */
  private async transact(address: number, bytes: Uint8Array, policy: LinkPolicy, deadline: number): Promise<Sent> {
    const sqn = this.sqn;
    let tries = 0;
    let silent = 0;
    let busy = 0;
    let why = '';
    while (tries < policy.tries && silent < policy.triesIfSilent && this.bus.now() < deadline) {
      tries++;
      this.bus.flushInput();
      this.parser.reset();
      await this.bus.write(bytes);
      const heard = await this.awaitReply(address, sqn, policy.replyTimeoutMs);
      if (heard.kind === 'frame') {
        if (heard.frame.code === osdp_BUSY && busy < MAX_BUSY) {
          busy++;
          tries--;
          await this.bus.sleep(this.bus.now() + BUSY_WAIT_MS);
          continue;
        }
        this.sqn = nextSqn(sqn);
        return heard;
      }
      if (heard.kind === 'silent') silent++;
      else why = heard.why;
    }
    return why ? { kind: 'bad_reply', why } : { kind: 'no_reply' };
  }

  private async awaitReply(address: number, sqn: Sqn, timeoutMs: number): Promise<Heard> {
    let deadline = this.bus.now() + timeoutMs;
    let why = '';
    for (;;) {
      const chunk = await this.bus.read(deadline);
      if (!chunk) {
        for (const ev of this.parser.reset()) if (ev.type === 'dropped') why ||= 'incomplete frame';
        return why ? { kind: 'garbled', why } : { kind: 'silent' };
      }
      for (const ev of this.parser.push(chunk.bytes, chunk.at)) {
        if (ev.type === 'dropped') {
          why = ev.reason === 'wrong_direction' ? why : `${ev.reason.replace('_', ' ')} on received bytes`;
          continue;
        }
        const f = ev.frame;
        const fromOk = address === 0x7f || f.address === address;
        // BUSY comes with SQN 0 (reference §2.6); anything else must echo our SQN, else it is stale.
        if (fromOk && (f.sqn === sqn || f.code === osdp_BUSY)) return { kind: 'frame', frame: f };
        why = f.sqn !== sqn ? 'stale reply (other SQN)' : `reply from address ${f.address}`;
      }
      // A reply in progress may finish after the deadline: wait one inter-character gap past it.
      if (this.parser.pending > 0) deadline = Math.max(deadline, chunk.at + INTER_CHAR_MS);
      if (!why) why = 'unframed bytes';
    }
  }

  async command(op: CommandOp, keyFor: (ref: KeyRef) => Uint8Array, deadline: number): Promise<OpResult> {
    const payload = encodeCommand(toCommand(op, keyFor));
    const fields = { address: op.address, sqn: this.sqn, check: 'crc' as const, code: payload.code, data: payload.data, mark: true };
    let bytes: Uint8Array;
    let after: ScSession | undefined;
    if (op.secure) {
      if (!this.session) return { kind: 'bad_reply', why: 'no secure-channel session' };
      const w = cpWrapCommand(this.session, fields);
      bytes = w.bytes;
      after = w.session;
    } else {
      bytes = buildFrame({ ...fields, reply: false });
    }
    payload.data.fill(0); // a KEYSET payload holds the key in plaintext
    const sent = await this.transact(op.address, bytes, op.policy, deadline);
    if (sent.kind !== 'frame') return sent;
    const f = sent.frame;
    const isKeyset = op.command.code === 'KEYSET';
    if (op.secure && f.scb) {
      const u = cpUnwrapReply(after!, f);
      if (!u.ok) {
        this.session = undefined;
        return { kind: 'bad_reply', why: scWhy(u.error) };
      }
      // After KEYSET the PD drops the session (reference §5.9); so do we.
      this.session = isKeyset ? undefined : u.session;
      return toResult(f.address, u.code, u.data, true);
    }
    if (op.secure) {
      // Plaintext inside SC: only NAK (PD dropped the session) and the KEYSET ACK of some PDs.
      this.session = undefined;
      if (f.code !== osdp_NAK && !(isKeyset && f.code === osdp_ACK)) return { kind: 'bad_reply', why: 'plaintext reply inside the secure channel' };
    }
    return toResult(f.address, f.code, f.data, false);
  }

  async handshake(op: HandshakeOp, key: Uint8Array, deadline: number): Promise<OpResult> {
    this.session = undefined;
    const rndA = this.random(8);
    if (rndA.length !== 8) throw new RangeError(`random(8) returned ${rndA.length} bytes`);
    const { state, chlng } = cpChallenge(op.kk as KeyIndicator, key, rndA);
    const frame1 = buildFrame({ address: op.address, reply: false, sqn: this.sqn, check: 'crc', scb: chlng.scb, code: chlng.code, data: chlng.data, mark: true });
    const r1 = await this.transact(op.address, frame1, op.policy, deadline);
    if (r1.kind !== 'frame') return failed(r1.kind);
    if (r1.frame.code === osdp_NAK) return failed(`nak_${toHex(r1.frame.data.subarray(0, 1)) || '00'}`);
    const cc = cpCheckCcrypt(state, r1.frame);
    if (!cc.ok) return failed(scFailure(cc.error));
    const frame2 = buildFrame({ address: op.address, reply: false, sqn: this.sqn, check: 'crc', scb: cc.scrypt.scb, code: cc.scrypt.code, data: cc.scrypt.data, mark: true });
    const r2 = await this.transact(op.address, frame2, op.policy, deadline);
    if (r2.kind !== 'frame') return failed(r2.kind);
    if (r2.frame.code === osdp_NAK) return failed(`nak_${toHex(r2.frame.data.subarray(0, 1)) || '00'}`);
    const rm = cpCheckRmacI(cc.state, r2.frame);
    if (!rm.ok) return failed(scFailure(rm.error));
    this.session = rm.session;
    return { kind: 'handshake_ok' };
  }
}

function failed(failure: string): OpResult {
  return { kind: 'handshake_failed', failure };
}

/** ScError kind → the verbatim failure name the outcome carries (sc_<name>). */
function scFailure(e: ScError): string {
  if (e.kind === 'sc_rmac_status') return 'rmac_rejected';
  return e.kind.replace(/^sc_/, '');
}

function scWhy(e: ScError): string {
  return e.kind === 'sc_bad_message' ? `bad secure message (${e.reason})` : e.kind.replace(/^sc_/, '').replace(/_/g, ' ');
}

function toCommand(op: CommandOp, keyFor: (ref: KeyRef) => Uint8Array): Command {
  const c = op.command;
  switch (c.code) {
    case 'ID':
      return { kind: 'ID', reportType: 0 };
    case 'CAP':
      return { kind: 'CAP', reportType: 0 };
    case 'POLL':
      return { kind: 'POLL' };
    case 'COMSET':
      return { kind: 'COMSET', address: c.address, baud: c.baud };
    case 'KEYSET':
      return { kind: 'KEYSET', keyType: 0x01, key: keyFor(c.key) };
  }
}

function toResult(from: number, code: number, data: Uint8Array, secure: boolean): OpResult {
  const d = decodeReply(code, data);
  if (!d.ok) return { kind: 'bad_reply', why: d.error.message };
  const reply = toPdReply(d.value);
  if (reply === 'nak') return { kind: 'nak', from, code: data[0]! };
  return { kind: 'reply', from, reply, secure };
}

function toPdReply(r: Reply): PdReply | 'nak' {
  switch (r.kind) {
    case 'NAK':
      return 'nak';
    case 'ACK':
      return { code: 'ACK' };
    case 'PDID':
      return {
        code: 'PDID',
        id: { vendor: toHex(r.vendor), model: r.model, version: r.version, serial: r.serial, firmware: `${r.firmware.major}.${r.firmware.minor}.${r.firmware.build}` },
      };
    case 'PDCAP':
      return { code: 'PDCAP', entries: r.entries.map((e) => ({ functionCode: e.functionCode, compliance: e.compliance, count: e.numberOf })) };
    case 'COM':
      return { code: 'COM', address: r.address, baud: r.baud };
    case 'unknown':
      return { code: 'OTHER', replyCode: r.code };
    default:
      return { code: 'OTHER', replyCode: encodeReplyCode(r) };
  }
}

const REPLY_CODES: Record<string, number> = { LSTATR: 0x48, CCRYPT: 0x76, RMAC_I: 0x78, BUSY: 0x79 };
function encodeReplyCode(r: Reply): number {
  return REPLY_CODES[r.kind] ?? 0;
}
