// Types of the ACU (CP) link to one PD: configuration, inputs, actions, results and state.
// The reducer is in acu-link.ts, the async shell in acu-driver.ts.

import type { Bytes } from './bytes.ts';
import type { Command } from './commands.ts';
import type { Frame, Sqn } from './frame.ts';
import type { Reply } from './replies.ts';
import type {
  CpChallengeState,
  CpScryptState,
  KeyIndicator,
  ScError,
  ScSession,
} from './secure-channel.ts';

export interface AcuConfig {
  /** The PD's address 0x00..0x7E, or 0x7F while it is unknown (broadcast replies then come from any address). */
  readonly address: number;
  /** Current line speed: reply deadlines include our own frame's wire time at this rate. */
  readonly baud: number;
  /** Reply timeout after our frame has left the wire (spec: 200 ms). */
  readonly replyTimeoutMs: number;
  /** Transmissions per command, the first included. Every retransmission is byte-identical. */
  readonly tries: number;
  /** Stop earlier if this many transmissions drew no byte at all (a silent PD costs a full timeout each). */
  readonly triesIfSilent: number;
  /** Pause before retransmitting after a timeout (libosdp waits 800 ms; a provisioner on its own port need not). */
  readonly retryDelayMs: number;
  /** Pause before resending a command the PD answered with osdp_BUSY. */
  readonly busyDelayMs: number;
  /** Give up after this many osdp_BUSY replies to one command. */
  readonly maxBusy: number;
  /** Prefix every frame with the 0xFF MARK byte (libosdp and OSDP.Net do). */
  readonly mark: boolean;
  /** Inter-character timeout inside a received frame. */
  readonly interCharTimeoutMs: number;
}

export const DEFAULT_ACU_CONFIG: Omit<AcuConfig, 'address'> = {
  baud: 9600,
  replyTimeoutMs: 200,
  tries: 3,
  triesIfSilent: 3,
  retryDelayMs: 0,
  busyDelayMs: 50,
  maxBusy: 20,
  mark: false,
  interCharTimeoutMs: 20,
};

/** Per-request overrides of the retry policy. */
export interface RequestPolicy {
  readonly tries?: number;
  readonly triesIfSilent?: number;
  readonly replyTimeoutMs?: number;
  /**
   * Once the PD's turnaround is known: the first `earlyTries` silent transmissions get this shorter
   * reply window, on top of `tries`/`triesIfSilent`, which keep the full one. A command lost to line
   * noise draws no reply, and a quick resend (same bytes, same SQN; a PD that did answer resends its
   * cached reply) beats waiting out the spec's 200 ms — while a PD that really went quiet (a
   * restart) still gets every full window it got before. Ignored unless below `replyTimeoutMs`.
   */
  readonly earlyTimeoutMs?: number;
  /** Default 2 when `earlyTimeoutMs` is set. */
  readonly earlyTries?: number;
}

export type AcuInput =
  /** Bytes received; `at` is the bus time their last byte arrived. */
  | { readonly type: 'rx'; readonly bytes: Uint8Array; readonly at: number }
  /** Bus time moved on (a read returned nothing by its deadline). */
  | { readonly type: 'tick'; readonly at: number }
  /** One command/reply exchange, optionally inside the secure channel. `address` overrides the config's (0x7F = broadcast). */
  | {
      readonly type: 'send';
      readonly command: Command;
      readonly secure?: boolean;
      readonly address?: number;
      readonly policy?: RequestPolicy;
      readonly at: number;
    }
  /** CHLNG/CCRYPT/SCRYPT/RMAC_I on a restarted link (SQN 0). `rndA`: 8 random bytes from the caller. */
  | {
      readonly type: 'handshake';
      readonly kk: KeyIndicator;
      readonly scbk: Bytes;
      readonly rndA: Bytes;
      readonly address?: number;
      readonly policy?: RequestPolicy;
      readonly at: number;
    }
  /** Next command goes with SQN 0 and the session is dropped; cancels a request in flight. */
  | { readonly type: 'restart' }
  /** The port's line speed changed. */
  | { readonly type: 'set_baud'; readonly baud: number };

export type AcuAction =
  /** Put these bytes on the wire. A retransmission carries exactly the bytes sent before. */
  | { readonly type: 'send'; readonly bytes: Uint8Array; readonly retransmission: boolean }
  /** Feed me a tick at (or after) this bus time unless bytes arrive first. */
  | { readonly type: 'wake'; readonly at: number }
  /** The request finished. */
  | { readonly type: 'result'; readonly result: AcuResult };

/** Which exchange of a request a result or error belongs to. */
export type AcuStage = 'command' | 'chlng' | 'scrypt';

export type AcuError =
  /** No valid reply after every try, and nothing at all was heard. */
  | { readonly kind: 'timeout'; readonly stage: AcuStage; readonly tries: number }
  /** Bytes came back but never a valid reply (noise, bad CRC, wrong baud), or a reply that makes no sense here. */
  | {
      readonly kind: 'bad_reply';
      readonly stage: AcuStage;
      readonly reason: string;
      readonly tries: number;
      readonly frame?: Frame;
    }
  /** osdp_NAK. NAK 0x04 restarts the link; a plaintext NAK drops the secure channel. */
  | {
      readonly kind: 'nak';
      readonly stage: AcuStage;
      readonly code: number;
      readonly detail: Bytes;
      readonly sessionDropped: boolean;
      readonly restarted: boolean;
      readonly frame: Frame;
    }
  /** The PD kept answering osdp_BUSY. */
  | { readonly kind: 'busy'; readonly stage: AcuStage; readonly count: number }
  /** A secure-channel failure (handshake or secured reply); the session is gone. */
  | (ScError & { readonly stage: AcuStage; readonly frame?: Frame })
  /** `secure: true` without an established session. */
  | { readonly kind: 'sc_no_session'; readonly stage: 'command' }
  /** A request arrived while another was in flight. */
  | { readonly kind: 'link_busy' }
  /** The request was cancelled by a restart. */
  | { readonly kind: 'cancelled' }
  /** The request itself is malformed (e.g. a command the codec cannot encode). */
  | { readonly kind: 'bad_request'; readonly reason: string };

export type AcuErrorKind = AcuError['kind'];

export type AcuResult =
  | {
      readonly ok: true;
      readonly request: 'send' | 'handshake';
      /** The decoded reply (RMAC_I for a handshake). */
      readonly reply: Reply;
      readonly frame: Frame;
      /** Address the reply came from (reply bit stripped): 0x7F when a PD answered a broadcast as 0xFF. */
      readonly from: number;
      /** It arrived under the secure channel (SCS_16/18, or the handshake's RMAC_I). */
      readonly secure: boolean;
      /** The session ended with this reply (KEYSET acknowledged: the PD drops it, §5.9). */
      readonly sessionDropped: boolean;
      /** Transmissions of the final exchange. */
      readonly tries: number;
    }
  | { readonly ok: false; readonly error: AcuError };

/** What a transmission is for. */
export type TxPurpose =
  | {
      readonly stage: 'command';
      readonly code: number;
      readonly secure: boolean;
      /** Session after wrapping this command (new C-MAC): committed only on a verified reply. */
      readonly session: ScSession | null;
    }
  | { readonly stage: 'chlng'; readonly cp: CpChallengeState }
  | { readonly stage: 'scrypt'; readonly cp: CpScryptState };

export interface ResolvedPolicy {
  readonly tries: number;
  readonly triesIfSilent: number;
  readonly replyTimeoutMs: number;
  readonly earlyTimeoutMs?: number;
  /** 0 unless earlyTimeoutMs is set. */
  readonly earlyTries: number;
}

/** One frame in flight, retransmitted verbatim until it draws a valid reply. */
export interface Tx {
  readonly purpose: TxPurpose;
  readonly bytes: Uint8Array;
  readonly sqn: Sqn;
  readonly address: number;
  readonly policy: ResolvedPolicy;
  /** Transmissions so far (BUSY resends not counted). */
  readonly tries: number;
  /** Transmissions that drew no byte at all. */
  readonly silentTries: number;
  /** Any byte heard since the last transmission. */
  readonly heard: boolean;
  /** Any byte heard during any transmission of this request. */
  readonly heardAny: boolean;
  readonly busy: number;
  /**
   * A CCRYPT held back while a retransmitted CHLNG's reply window runs: SQN 0 makes the PD treat
   * every copy as new, so each may draw a CCRYPT with another RND.B and only the last one counts.
   */
  readonly held?: Frame;
  /** Copies put on the wire, BUSY resends included. */
  readonly copies: number;
  /** Verifying CCRYPTs heard for the copies of a retransmitted CHLNG. */
  readonly answers?: number;
  /** A CCRYPT that failed the cryptogram check while stale replies may be around (see acu-reply.ts). */
  readonly mismatch?: Frame;
  /** The reply window was already extended once to wait for the remaining copies' answers. */
  readonly extended?: boolean;
}

export type AcuPhase =
  | { readonly name: 'idle' }
  | { readonly name: 'awaiting_reply'; readonly tx: Tx; readonly deadline: number }
  /** Waiting to resend `tx` verbatim; `countTry` is false after osdp_BUSY (not a failed try). */
  | {
      readonly name: 'retry_wait';
      readonly tx: Tx;
      readonly resendAt: number;
      readonly countTry: boolean;
    };

export interface AcuState {
  readonly config: AcuConfig;
  readonly baud: number;
  /** SQN of the next new command: 0 after a restart, then 1, 2, 3, 1, … */
  readonly nextSqn: Sqn;
  readonly session: ScSession | null;
  readonly phase: AcuPhase;
  /** Received bytes of an incomplete frame, and when the last of them arrived. */
  readonly rx: { readonly pending: Uint8Array; readonly lastAt: number | undefined };
  /**
   * Some earlier frame went out more than once or was never answered, so a late reply to it may
   * still arrive. Cleared by an exchange answered at the first try.
   */
  readonly unsettled: boolean;
}

export interface AcuTransition {
  readonly state: AcuState;
  readonly actions: readonly AcuAction[];
}
