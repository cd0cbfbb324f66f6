// The vocabulary between the pure commissioning machine and the runner that drives a bus.
// The machine emits operations and consumes their results; it never sees key bytes — an operation
// names a key only symbolically ('derived' = this step's SCBK, 'scbk_d' = the default install key),
// so every operation can be logged as is (guarantee 7). The runner holds the bytes.
import type { ScError } from '@osprio/osdp';
import type { AttemptResult, Stage, StageStatus } from '../stages.ts';

/** 'derived': this step's SCBK (held by the runner). 'scbk_d': the OSDP default install-mode key. */
export type KeyRef = 'scbk_d' | 'derived';

/** The commands a step sends (CRC-16 on all of them, guarantee 6). */
export type CommandSpec =
  | { code: 'ID' }
  | { code: 'CAP' }
  | { code: 'POLL' }
  | { code: 'COMSET'; address: number; baud: number }
  | { code: 'KEYSET'; key: 'derived' };

/**
 * How hard the link tries for one exchange. Every failed transmission is retransmitted with the same
 * SQN and the same bytes (guarantee 5); the link gives up after `tries` transmissions, or after
 * `triesIfSilent` of them drew no byte at all (a silent probe costs a whole reply timeout).
 */
export interface LinkPolicy {
  replyTimeoutMs: number;
  tries: number;
  triesIfSilent: number;
  /** A shorter window for every silent try but the last (the PD's learned turnaround; see @osprio/osdp RequestPolicy). */
  earlyTimeoutMs?: number;
}

export type Op =
  /** Switch the local port's line speed. */
  | { op: 'set_baud'; baud: number }
  /** Start a new link: next command goes with SQN 0, any secure-channel session is dropped. */
  | { op: 'restart' }
  /** One command/reply exchange. `secure`: send inside the current secure-channel session. */
  | { op: 'command'; address: number; command: CommandSpec; secure: boolean; policy: LinkPolicy }
  /** A secure-channel handshake (CHLNG/CCRYPT/SCRYPT/RMAC_I) on the current link. */
  | { op: 'handshake'; address: number; kk: 0 | 1; key: KeyRef; policy: LinkPolicy }
  /** A stage milestone. */
  | { op: 'stage'; stage: Stage; status: StageStatus }
  /** The attempt ended. */
  | { op: 'done'; result: AttemptResult };

/** Operations the runner must execute and answer with an OpResult. */
export type AwaitedOp = Extract<Op, { op: 'command' | 'handshake' }>;

export function isAwaited(op: Op): op is AwaitedOp {
  return op.op === 'command' || op.op === 'handshake';
}

export interface PdIdentity {
  /** IEEE OUI as 6 lowercase hex digits in wire order. */
  vendor: string;
  model: number;
  version: number;
  serial: number;
  firmware: string;
}

export interface PdCapabilityEntry {
  functionCode: number;
  compliance: number;
  count: number;
}

/** A decoded PD reply, as far as commissioning cares. */
export type PdReply =
  | { code: 'PDID'; id: PdIdentity }
  | { code: 'PDCAP'; entries: PdCapabilityEntry[] }
  | { code: 'COM'; address: number; baud: number }
  | { code: 'ACK' }
  | { code: 'OTHER'; replyCode: number };

export type OpResult =
  /**
   * A valid reply. `from` is the address the reply came from (reply bit stripped); 0x7F when the PD
   * answered a broadcast as 0xFF. `secure`: it arrived under the secure channel (SCS_16/18).
   * `latencyMs`: from the end of our last transmission to the end of the reply, when the link knows;
   * `turnaroundMs`: the part of it before the reply started (latency minus the reply's wire time).
   */
  | {
      kind: 'reply';
      from: number;
      reply: PdReply;
      secure: boolean;
      latencyMs?: number;
      turnaroundMs?: number;
    }
  | { kind: 'nak'; from: number; code: number; latencyMs?: number; turnaroundMs?: number }
  /** Nothing at all came back, after every try. */
  | { kind: 'no_reply' }
  /** Bytes came back but never a valid reply to this command (noise, wrong baud, bad CRC, bad MAC). */
  | { kind: 'bad_reply'; why: string }
  | { kind: 'handshake_ok' }
  /** The handshake failed, and why (typed: the refusal decision is a compiler-checked switch). */
  | { kind: 'handshake_failed'; failure: HandshakeFailure };

/**
 * Why a handshake failed: the secure-channel error union of @osprio/osdp carried through as is,
 * plus what the link itself saw. Surfaced verbatim as an `sc_…` outcome (text.ts failureCode).
 * No variant carries key material.
 */
export type HandshakeFailure =
  | ScError
  /** Nothing came back, after every try. */
  | { kind: 'no_reply' }
  /** Bytes came back but never a valid reply (noise, wrong baud, bad CRC). */
  | { kind: 'bad_reply' }
  /** The PD kept answering osdp_BUSY. */
  | { kind: 'busy' }
  /** osdp_NAK to CHLNG or SCRYPT (e.g. 0x05: SCBK-D not allowed, server cryptogram refused). */
  | { kind: 'nak'; code: number };

export type MachineInput =
  | { type: 'result'; result: OpResult; now: number }
  /** The attempt was cancelled (device restart, slot delete, reset). */
  | { type: 'abort'; now: number };
