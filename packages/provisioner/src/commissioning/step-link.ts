// The runner's view of an OSDP link, and its default implementation over @osprio/osdp's ACU
// driver (SQN, byte-identical retransmission, BUSY, NAK, secure channel: guarantees 5 and 6 live
// there). This file only translates between the machine's operations/results and the driver's
// requests/results; key bytes pass through, never into a result.
import type { Bus } from '@osprio/bus';
import {
  BROADCAST,
  KEYSET_TYPE_SCBK,
  AcuDriver,
  encodeReply,
  toHex,
  wireTimeMs,
  type AcuError,
  type AcuResult,
  type AcuTraceEvent,
  type Command,
  type KeyIndicator,
  type Reply,
  type RequestPolicy,
  type ScError,
} from '@osprio/osdp';
import type { AwaitedOp, HandshakeFailure, KeyRef, LinkPolicy, OpResult, PdReply } from './ops.ts';
import { PATIENT_REPLY_TIMEOUT_MS } from './context.ts';

export type CommandOp = Extract<AwaitedOp, { op: 'command' }>;
export type HandshakeOp = Extract<AwaitedOp, { op: 'handshake' }>;

/** What the runner needs from an OSDP link. */
export interface StepLink {
  /** New link: the next command goes with SQN 0; any secure-channel session is dropped. */
  restart(): void;
  /** The port now runs at `baud`. */
  setBaud(baud: number): void;
  command(op: CommandOp, keyFor: (ref: KeyRef) => Uint8Array): Promise<OpResult>;
  handshake(op: HandshakeOp, key: Uint8Array, rndA: Uint8Array): Promise<OpResult>;
}

/** The default link: @osprio/osdp's AcuDriver over the bus. `trace` sees frames only (ciphertext under SC). */
export function createAcuStepLink(bus: Bus, trace?: (e: AcuTraceEvent) => void): StepLink {
  // Reply latency (end of our frame → end of the reply): tells a slow PD from a noisy line. A
  // frame that drew nothing may still be answered later, and an identical frame (discovery's
  // broadcast osdp_ID at SQN 0, again at the same baud in the next pass) cannot tell that late
  // answer from its own: measure from the earliest such silent copy, or a PD slower than the
  // window passes for a fast one and every later exchange races its late replies.
  let txEnd = 0;
  let txKey = '';
  let heard = true;
  let rxAt = 0;
  let rxLen = 0;
  const silentSince = new Map<string, number>();
  const watch = (e: AcuTraceEvent) => {
    if (e.dir === 'tx') {
      if (!heard && !silentSince.has(txKey)) silentSince.set(txKey, txEnd);
      txEnd = e.at + wireTimeMs(e.bytes.length, driver.state.baud);
      txKey = `${driver.state.baud}:${toHex(e.bytes)}`;
      heard = false;
    } else {
      heard = true;
      rxAt = e.at;
      rxLen = e.bytes.length;
    }
    trace?.(e);
  };
  // The PD's address is unknown to the driver (0x7F); every request names its own address.
  const driver: AcuDriver = new AcuDriver(bus, { address: BROADCAST, baud: bus.baud }, watch);
  return {
    restart: () => driver.restart(),
    setBaud: (baud) => driver.setBaud(baud),
    async command(op, keyFor) {
      const cmd = toCommand(op, keyFor);
      try {
        const r = commandResult(
          await driver.send(cmd, {
            secure: op.secure,
            address: op.address,
            policy: requestPolicy(op.policy),
          }),
        );
        if (r.kind !== 'reply' && r.kind !== 'nak') return r;
        // A copy older than the patient window is not one whose answer anything waits for.
        const since = silentSince.get(txKey);
        const from =
          since !== undefined && rxAt - since <= PATIENT_REPLY_TIMEOUT_MS ? since : txEnd;
        const latencyMs = Math.max(0, rxAt - from);
        silentSince.delete(txKey);
        return {
          ...r,
          latencyMs,
          turnaroundMs: Math.max(0, latencyMs - wireTimeMs(rxLen, driver.state.baud)),
        };
      } finally {
        if (cmd.kind === 'KEYSET') cmd.key.fill(0);
      }
    },
    async handshake(op, key, rndA) {
      return handshakeResult(
        await driver.handshake(op.kk as KeyIndicator, key, rndA, {
          address: op.address,
          policy: requestPolicy(op.policy),
        }),
      );
    },
  };
}

function requestPolicy(p: LinkPolicy): RequestPolicy {
  const base = { tries: p.tries, triesIfSilent: p.triesIfSilent, replyTimeoutMs: p.replyTimeoutMs };
  return p.earlyTimeoutMs === undefined ? base : { ...base, earlyTimeoutMs: p.earlyTimeoutMs };
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
      // A copy: the driver's frame is built from it, then it is wiped.
      return { kind: 'KEYSET', keyType: KEYSET_TYPE_SCBK, key: keyFor(c.key).slice() };
  }
}

/** Errors that mean the runner (not the PD) did something wrong: they end the attempt as internal_error. */
function linkFault(e: AcuError): never {
  const why = e.kind === 'bad_request' ? `bad request (${e.reason})` : e.kind.replace(/_/g, ' ');
  throw new Error(`OSDP link: ${why}`);
}

export function commandResult(r: AcuResult): OpResult {
  if (r.ok) {
    const reply = toPdReply(r.reply);
    return { kind: 'reply', from: r.from, reply, secure: r.secure };
  }
  const e = r.error;
  switch (e.kind) {
    case 'timeout':
      return { kind: 'no_reply' };
    case 'nak':
      return { kind: 'nak', from: e.frame.address, code: e.code };
    case 'bad_reply':
      return { kind: 'bad_reply', why: e.reason };
    case 'busy':
      return { kind: 'bad_reply', why: `PD answered osdp_BUSY ${e.count} times` };
    case 'link_busy':
    case 'cancelled':
    case 'bad_request':
      return linkFault(e);
    case 'sc_no_session':
      return { kind: 'bad_reply', why: 'no secure-channel session' };
    default:
      // A secure-channel failure on a secured reply (bad MAC, plaintext reply…): the session is gone.
      return {
        kind: 'bad_reply',
        why: `secure channel: ${e.kind.replace(/^sc_/, '').replace(/_/g, ' ')}`,
      };
  }
}

export function handshakeResult(r: AcuResult): OpResult {
  return r.ok
    ? { kind: 'handshake_ok' }
    : { kind: 'handshake_failed', failure: handshakeFailure(r.error) };
}

/** The driver's error as the machine's typed failure (the link's stage and frame are left behind). */
export function handshakeFailure(e: AcuError): HandshakeFailure {
  switch (e.kind) {
    case 'timeout':
      return { kind: 'no_reply' };
    case 'nak':
      return { kind: 'nak', code: e.code };
    case 'bad_reply':
      return { kind: 'bad_reply' };
    case 'busy':
      return { kind: 'busy' };
    case 'link_busy':
    case 'cancelled':
    case 'bad_request':
    case 'sc_no_session':
      return linkFault(e);
    default:
      return scError(e);
  }
}

/** An ScError without the link's additions (stage, frame). */
function scError(e: ScError): ScError {
  switch (e.kind) {
    case 'sc_bad_message':
      return { kind: e.kind, reason: e.reason };
    case 'sc_key_indicator_mismatch':
      return { kind: e.kind, sent: e.sent, echoed: e.echoed };
    case 'sc_rmac_status':
      return { kind: e.kind, status: e.status };
    case 'sc_key_refused':
      return { kind: e.kind, kk: e.kk };
    case 'sc_cryptogram_mismatch':
    case 'sc_rmac_mismatch':
    case 'sc_mac_mismatch':
    case 'sc_bad_padding':
    case 'sc_not_secured':
      return { kind: e.kind };
  }
}

export function toPdReply(r: Reply): PdReply {
  switch (r.kind) {
    case 'ACK':
      return { code: 'ACK' };
    case 'PDID':
      return {
        code: 'PDID',
        id: {
          vendor: toHex(r.vendor),
          model: r.model,
          version: r.version,
          serial: r.serial,
          firmware: `${r.firmware.major}.${r.firmware.minor}.${r.firmware.build}`,
        },
      };
    case 'PDCAP':
      return {
        code: 'PDCAP',
        entries: r.entries.map((e) => ({
          functionCode: e.functionCode,
          compliance: e.compliance,
          count: e.numberOf,
        })),
      };
    case 'COM':
      return { code: 'COM', address: r.address, baud: r.baud };
    case 'unknown':
      return { code: 'OTHER', replyCode: r.code };
    default:
      // The reply codec is the one source of reply codes.
      return { code: 'OTHER', replyCode: encodeReply(r).code };
  }
}
