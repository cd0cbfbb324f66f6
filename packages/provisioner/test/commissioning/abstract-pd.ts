// An abstract PD that answers the machine's operations directly (no bytes, no crypto), with the
// same fault knobs as the simulated bus, and a driver with a virtual clock. Lets the machine's
// table tests run thousands of attempts in milliseconds.
import type { AttemptResult } from '../../src/stages.ts';
import type { AwaitedOp, Op, OpResult, PdCapabilityEntry } from '../../src/commissioning/ops.ts';
import { isAwaited } from '../../src/commissioning/ops.ts';
import { nextStep, startStep, type StepConfig } from '../../src/commissioning/machine.ts';

export type KeyState = 'scbk_d' | 'derived' | 'other';

export interface AbstractPd {
  address: number;
  baud: number;
  key: KeyState;
  /** Replies to broadcast from its own address instead of 0xFF. */
  answersBroadcastAsOwn?: boolean;
  absent?: boolean;
  /** Reply latency in ms (a reply slower than the policy's timeout is missed). */
  latencyMs?: number;
  /** COMSET: what the PD does. */
  comset?:
    | 'ok'
    | 'ignored'
    | 'silent_after'
    | 'different_address'
    | 'stays_at_old_baud'
    | 'reports_other_baud'
    | 'reports_other_address'
    | 'lost_reply'
    | 'nak'
    | 'ignored_once';
  keyset?:
    | 'ack'
    | 'plain_ack'
    | 'nak'
    | 'lost_ack'
    | 'not_stored'
    | 'stays_in_install_mode'
    | 'dies_after_ack'
    | 'silent';
  keysetNak?: number;
  /** Handshake refusal style when a key does not match. */
  refuse?: 'cryptogram_mismatch' | 'nak_05';
  caps?: PdCapabilityEntry[];
  /** Silent from this awaited-op index on. */
  dieAtOp?: number;
  /** Keeps accepting SCBK-D after KEYSET (install mode never turns off). */
  stickyInstall?: boolean;
  /** Once keyed, ignores this many kk=0 (SCBK-D) handshakes (draws no reply), then refuses as usual. */
  scbkdSilent?: number;
  /** The first `times` osdp_CAP requests draw this instead of a PDCAP. */
  capFails?: { kind: 'garbled' | 'silent' | 'nak'; times: number };
  /** Replies to exchanges before this index arrive garbled (a noisy line that later clears). */
  noisyUntilOp?: number;
  /** libosdp ENFORCE_SECURE: outside a session, COMSET (any command but ID/CAP) gets NAK 0x06. */
  enforceSecure?: boolean;
  /** Secure COMSET: the reply is lost this many times (the PD applies it each time). */
  secureComsetLost?: number;
}

export interface Trace {
  result: AttemptResult;
  ops: Op[];
  /** Awaited ops with the result each got. */
  exchanges: { op: AwaitedOp; result: OpResult; at: number }[];
  /** Probes that cost a whole reply timeout without any answer. */
  silentProbes: number;
  elapsedMs: number;
  pd: AbstractPd;
}

const ID = { vendor: '00068e', model: 1, version: 1, serial: 127, firmware: '1.10.5' };

export function drive(
  cfg: StepConfig,
  pdIn: AbstractPd,
  opts: { abortAtOp?: number; maxOps?: number } = {},
): Trace {
  const pd: AbstractPd = { ...pdIn };
  let now = 1000;
  const start = now;
  let t = startStep(cfg, now);
  const ops: Op[] = [];
  const exchanges: Trace['exchanges'] = [];
  let portBaud = cfg.portBaud ?? 9600;
  let session: KeyState | null = null;
  let silentProbes = 0;
  let comsetIgnored = false;
  // A reply slower than the window is still sent: the next exchange hears it (as garbage at another baud).
  let lateReply = false;
  for (let guard = 0; guard < (opts.maxOps ?? 500); guard++) {
    let awaited: AwaitedOp | undefined;
    for (const op of t.ops) {
      ops.push(op);
      if (op.op === 'done')
        return { result: op.result, ops, exchanges, silentProbes, elapsedMs: now - start, pd };
      if (op.op === 'set_baud') portBaud = op.baud;
      if (op.op === 'restart') session = null;
      if (isAwaited(op)) awaited = op;
    }
    if (!awaited) throw new Error('machine emitted no awaited op and no done');
    if (opts.abortAtOp !== undefined && exchanges.length === opts.abortAtOp) {
      t = nextStep(t.state, { type: 'abort', now });
      continue;
    }
    const reachable = (address: number) =>
      !pd.absent &&
      (pd.dieAtOp === undefined || exchanges.length < pd.dieAtOp) &&
      portBaud === pd.baud &&
      (address === 0x7f || address === pd.address);
    const latency = pd.latencyMs ?? 2;
    const slow = latency > awaited.policy.replyTimeoutMs;
    let r: OpResult;
    const silent = (): OpResult => {
      silentProbes += awaited.policy.triesIfSilent;
      now += awaited.policy.replyTimeoutMs * awaited.policy.triesIfSilent;
      return { kind: 'no_reply' };
    };
    if (lateReply && (!reachable(awaited.address) || slow)) {
      lateReply = false;
      now += awaited.policy.replyTimeoutMs;
      r =
        awaited.op === 'handshake'
          ? { kind: 'handshake_failed', failure: { kind: 'bad_reply' } }
          : { kind: 'bad_reply', why: 'a late reply to the previous command' };
      if (slow && reachable(awaited.address)) lateReply = true;
    } else if (!reachable(awaited.address) || slow) {
      if (slow && reachable(awaited.address)) lateReply = true;
      r = silent();
    } else if (exchanges.length < (pd.noisyUntilOp ?? 0)) {
      now += latency + awaited.policy.replyTimeoutMs;
      r =
        awaited.op === 'handshake'
          ? { kind: 'handshake_failed', failure: { kind: 'bad_reply' } }
          : { kind: 'bad_reply', why: 'bad CRC' };
    } else {
      now += latency + 10;
      const from = awaited.address === 0x7f && !pd.answersBroadcastAsOwn ? 0x7f : pd.address;
      if (awaited.op === 'handshake') {
        const want: KeyState = awaited.key === 'scbk_d' ? 'scbk_d' : 'derived';
        now += latency + 10;
        if (want === 'scbk_d' && pd.key === 'derived' && (pd.scbkdSilent ?? 0) > 0) {
          pd.scbkdSilent = (pd.scbkdSilent ?? 0) - 1;
          silent();
          r = { kind: 'handshake_failed', failure: { kind: 'no_reply' } };
        } else if (pd.key === want || (want === 'scbk_d' && pd.stickyInstall)) {
          session = want;
          r = { kind: 'handshake_ok' };
        } else {
          r = {
            kind: 'handshake_failed',
            failure:
              pd.refuse === 'nak_05'
                ? { kind: 'nak', code: 0x05 }
                : { kind: 'sc_cryptogram_mismatch' },
          };
        }
      } else {
        const c = awaited.command;
        if (awaited.secure && session === null) {
          // No session on the PD: the ACU link cannot verify a plaintext NAK as the reply it expects.
          exchanges.push({
            op: awaited,
            result: { kind: 'bad_reply', why: 'no secure-channel session' },
            at: now,
          });
          t = nextStep(t.state, {
            type: 'result',
            result: { kind: 'bad_reply', why: 'no secure-channel session' },
            now,
          });
          continue;
        }
        switch (c.code) {
          case 'ID':
          case 'POLL':
            r = {
              kind: 'reply',
              from,
              reply: { code: 'PDID', id: ID },
              secure: awaited.secure,
              latencyMs: latency,
            };
            break;
          case 'CAP':
            if (pd.capFails && pd.capFails.times > 0) {
              pd.capFails = { ...pd.capFails, times: pd.capFails.times - 1 };
              const k = pd.capFails.kind;
              r =
                k === 'silent'
                  ? silent()
                  : k === 'nak'
                    ? { kind: 'nak', from, code: 0x03 }
                    : { kind: 'bad_reply', why: 'bad MAC' };
              break;
            }
            r = {
              kind: 'reply',
              from,
              reply: {
                code: 'PDCAP',
                entries: pd.caps ?? [{ functionCode: 9, compliance: 1, count: 0 }],
              },
              secure: awaited.secure,
            };
            break;
          case 'COMSET': {
            const mode = pd.comset ?? 'ok';
            if (pd.enforceSecure && !awaited.secure) {
              r = { kind: 'nak', from, code: 0x06, latencyMs: latency };
              break;
            }
            if (awaited.secure && (pd.secureComsetLost ?? 0) > 0) {
              // Applied, but the reply is lost (the line drops mid-COMSET); the session survives on the PD.
              pd.secureComsetLost = (pd.secureComsetLost ?? 0) - 1;
              pd.address = c.address;
              pd.baud = c.baud;
              r = silent();
              break;
            }
            let reported = { address: c.address, baud: c.baud };
            let applied = { address: c.address, baud: c.baud };
            if (mode === 'nak') {
              r = { kind: 'nak', from, code: 0x03 };
              break;
            }
            if (mode === 'ignored' || (mode === 'ignored_once' && !comsetIgnored)) {
              comsetIgnored = true;
              r = silent();
              break;
            }
            if (mode === 'different_address')
              applied = { address: (c.address + 7) % 127, baud: c.baud };
            if (mode === 'stays_at_old_baud') applied = { address: c.address, baud: pd.baud };
            if (mode === 'reports_other_baud')
              applied = reported = { address: c.address, baud: 19200 };
            if (mode === 'reports_other_address')
              applied = reported = { address: 42, baud: c.baud };
            r =
              mode === 'lost_reply'
                ? { kind: 'bad_reply', why: 'bad CRC' }
                : {
                    kind: 'reply',
                    from,
                    reply: { code: 'COM', ...reported },
                    secure: awaited.secure,
                  };
            pd.address = applied.address;
            pd.baud = applied.baud;
            if (mode === 'silent_after') pd.absent = true;
            break;
          }
          case 'KEYSET': {
            const mode = pd.keyset ?? 'ack';
            if (session !== 'scbk_d') {
              r = { kind: 'nak', from, code: 0x06 };
              break;
            }
            if (mode === 'nak') {
              r = { kind: 'nak', from, code: pd.keysetNak ?? 0x09 };
              break;
            }
            if (mode === 'silent') {
              r = silent();
              break;
            }
            if (mode !== 'not_stored') pd.key = 'derived';
            if (mode === 'stays_in_install_mode') pd.stickyInstall = true;
            session = null;
            if (mode === 'lost_ack') r = { kind: 'bad_reply', why: 'bad MAC' };
            else r = { kind: 'reply', from, reply: { code: 'ACK' }, secure: mode !== 'plain_ack' };
            if (mode === 'dies_after_ack') pd.absent = true;
            break;
          }
        }
      }
    }
    exchanges.push({ op: awaited, result: r, at: now });
    t = nextStep(t.state, { type: 'result', result: r, now });
  }
  throw new Error('machine did not finish');
}

export function fresh(over: Partial<AbstractPd> = {}): AbstractPd {
  return { address: 0, baud: 9600, key: 'scbk_d', ...over };
}

export const OPTS = { timeoutMs: 0, autoVerify: true, expectedCapabilities: [] };
