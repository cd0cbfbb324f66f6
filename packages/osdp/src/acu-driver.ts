// The async shell around the pure ACU link (acu-link.ts): runs one request at a time over any port
// shaped like the Bus (packages/bus/src/bus.ts). No timers: waiting is the port's read(deadline),
// on the port's own clock, so a simulated bus runs it in virtual time.

import type { Bytes } from './bytes.ts';
import type { Command } from './commands.ts';
import type { KeyIndicator } from './secure-channel.ts';
import { acuInit, acuStep } from './acu-link.ts';
import type { AcuConfig, AcuInput, AcuResult, AcuState, RequestPolicy } from './acu-types.ts';

/** The part of the Bus interface the link needs (declared here: osdp does not depend on the bus package). */
export interface AcuPort {
  now(): number;
  /** Resolves once the bytes have left the wire. */
  write(bytes: Uint8Array): Promise<void>;
  /** Next received chunk, or null once the port's clock reaches `deadline` with nothing received. */
  read(deadline: number): Promise<{ bytes: Uint8Array; at: number } | null>;
  /** Drops anything received but not yet read. */
  flushInput(): void;
}

/** What the driver saw on the wire, for logs and tests. Frames only: never key material in clear. */
export type AcuTraceEvent =
  | { dir: 'tx'; bytes: Uint8Array; at: number; retransmission: boolean }
  | { dir: 'rx'; bytes: Uint8Array; at: number };

/** A request, without the time: the driver stamps it with the port's clock. */
export type AcuRequest = DistributiveOmit<Extract<AcuInput, { type: 'send' | 'handshake' }>, 'at'>;
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** Runs one request to its result. Throws only if the port throws. */
export async function runAcuRequest(
  port: AcuPort,
  state: AcuState,
  request: AcuRequest,
  trace?: (e: AcuTraceEvent) => void,
): Promise<{ state: AcuState; result: AcuResult }> {
  port.flushInput(); // stale bytes from before this request are nobody's reply
  let input: AcuInput = { ...request, at: port.now() } as AcuInput;
  let deadline: number | undefined;
  for (;;) {
    const t = acuStep(state, input);
    state = t.state;
    for (const a of t.actions) {
      if (a.type === 'result') return { state, result: a.result };
      if (a.type === 'wake') deadline = a.at;
      else {
        trace?.({ dir: 'tx', bytes: a.bytes, at: port.now(), retransmission: a.retransmission });
        await port.write(a.bytes);
      }
    }
    if (deadline === undefined) throw new Error('ACU link produced neither a result nor a wake-up');
    const chunk = await port.read(deadline);
    if (chunk) {
      trace?.({ dir: 'rx', bytes: chunk.bytes, at: chunk.at });
      input = { type: 'rx', bytes: chunk.bytes, at: chunk.at };
    } else {
      input = { type: 'tick', at: Math.max(port.now(), deadline) };
    }
  }
}

/** A link to one PD over a port: the pure state plus a convenience API. One request at a time. */
export class AcuDriver {
  state: AcuState;

  constructor(
    private readonly port: AcuPort,
    config: Partial<AcuConfig> & Pick<AcuConfig, 'address'>,
    private readonly trace?: (e: AcuTraceEvent) => void,
  ) {
    this.state = acuInit(config);
  }

  private inFlight = false;

  /** Runs one request; a second one started before the first resolves gets `link_busy`. */
  async request(r: AcuRequest): Promise<AcuResult> {
    if (this.inFlight) return { ok: false, error: { kind: 'link_busy' } };
    this.inFlight = true;
    try {
      const { state, result } = await runAcuRequest(this.port, this.state, r, this.trace);
      this.state = state;
      return result;
    } finally {
      this.inFlight = false;
    }
  }

  send(
    command: Command,
    opts: { secure?: boolean; address?: number; policy?: RequestPolicy } = {},
  ): Promise<AcuResult> {
    return this.request({ type: 'send', command, ...opts });
  }

  /** `rndA`: 8 random bytes from the caller (the core has no randomness of its own). */
  handshake(
    kk: KeyIndicator,
    scbk: Bytes,
    rndA: Bytes,
    opts: { address?: number; policy?: RequestPolicy } = {},
  ): Promise<AcuResult> {
    return this.request({ type: 'handshake', kk, scbk, rndA, ...opts });
  }

  /** Next command with SQN 0, session dropped (e.g. after COMSET or before a handshake). */
  restart(): void {
    this.state = acuStep(this.state, { type: 'restart' }).state;
  }

  /** Tell the link the port's speed changed (the caller switches the port itself). */
  setBaud(baud: number): void {
    this.state = acuStep(this.state, { type: 'set_baud', baud }).state;
  }

  get hasSession(): boolean {
    return this.state.session !== null;
  }
}
