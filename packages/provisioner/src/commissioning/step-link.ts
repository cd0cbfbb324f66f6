// The runner's view of an OSDP link, and its default implementation over @osprio/osdp's ACU
// driver (SQN, byte-identical retransmission, BUSY, NAK, secure channel: guarantees 5 and 6 live
// there). This file only translates between the machine's operations/results and the driver's
// requests/results; key bytes pass through, never into a result.
import type { Bus } from '@osprio/bus';
import {
  BROADCAST, hex2,
  AcuDriver, toHex, wireTimeMs, type AcuError, type AcuResult, type AcuTraceEvent, type Command, type KeyIndicator, type Reply, type RequestPolicy,
} from '@osprio/osdp';
import type { AwaitedOp, KeyRef, LinkPolicy, OpResult, PdReply } from './ops.ts';

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
  // Reply latency (end of our last frame → end of the reply): tells a slow PD from a noisy line.
  let txEnd = 0;
  let rxAt = 0;
  let rxLen = 0;
  const watch = (e: AcuTraceEvent) => {
    if (e.dir === 'tx') txEnd = e.at + wireTimeMs(e.bytes.length, driver.state.baud);
    else {
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
        const r = commandResult(await driver.send(cmd, { secure: op.secure, address: op.address, policy: requestPolicy(op.policy) }));
        if (r.kind !== 'reply' && r.kind !== 'nak') return r;
        const latencyMs = Math.max(0, rxAt - txEnd);
        return { ...r, latencyMs, turnaroundMs: Math.max(0, latencyMs - wireTimeMs(rxLen, driver.state.baud)) };
      } finally {
        if (cmd.kind === 'KEYSET') cmd.key.fill(0);
      }
    },
    async handshake(op, key, rndA) {
      return handshakeResult(await driver.handshake(op.kk as KeyIndicator, key, rndA, { address: op.address, policy: requestPolicy(op.policy) }));
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
      return { kind: 'KEYSET', keyType: 0x01, key: keyFor(c.key).slice() };
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
      return { kind: 'bad_reply', why: `secure channel: ${e.kind.replace(/^sc_/, '').replace(/_/g, ' ')}` };
  }
}

export function handshakeResult(r: AcuResult): OpResult {
  if (r.ok) return { kind: 'handshake_ok' };
  const e = r.error;
  switch (e.kind) {
    case 'timeout':
      return { kind: 'handshake_failed', failure: 'no_reply' };
    case 'nak':
      return { kind: 'handshake_failed', failure: `nak_${hex2(e.code)}` };
    case 'bad_reply':
      return { kind: 'handshake_failed', failure: 'bad_reply' };
    case 'busy':
      return { kind: 'handshake_failed', failure: 'busy' };
    case 'link_busy':
    case 'cancelled':
    case 'bad_request':
      return linkFault(e);
    case 'sc_rmac_status':
      return { kind: 'handshake_failed', failure: 'rmac_rejected' };
    default:
      return { kind: 'handshake_failed', failure: e.kind.replace(/^sc_/, '') };
  }
}

export function toPdReply(r: Reply): PdReply {
  switch (r.kind) {
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
      return { code: 'OTHER', replyCode: REPLY_CODES[r.kind] ?? 0 };
  }
}

const REPLY_CODES: Record<string, number> = { NAK: 0x41, LSTATR: 0x48, CCRYPT: 0x76, RMAC_I: 0x78, BUSY: 0x79 };
