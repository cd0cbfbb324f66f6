// A virtual-time line between the ACU driver and the PD model (pd.ts), with fault injection.
// Bytes take 10 bit-times each; a PD at another baud than the port hears nothing and is not heard.
import { concat, fromHex } from '../../src/bytes.ts';
import type { AcuPort } from '../../src/acu-driver.ts';
import { buildFrame, parseFrame, type Frame, type FrameFields } from '../../src/frame.ts';
import { pdInit, pdStep, type PdConfig, type PdState } from '../../src/pd.ts';
import { decodeReply, type PdCapEntry } from '../../src/replies.ts';
import { osdpVectors } from '../../../../test-support/shared.ts';

export const wire = (n: number, baud: number): number => (n * 10 * 1000) / baud;

/** What to do with one transmission from the ACU (n counts from 0). */
export interface Fault {
  /** undefined: the PD hears the bytes as sent; null: it hears nothing; bytes: it hears these instead. */
  command?: Uint8Array | null;
  /** Transform what the PD answered (possibly nothing) into what reaches the ACU. */
  reply?: (replies: Uint8Array[]) => Uint8Array[];
  /** Time from the end of the command to the start of the reply (default 2 ms). */
  turnaroundMs?: number;
  /** Deliver replies in chunks of this many bytes, each when its last byte arrives (default: whole). */
  chunkBytes?: number;
}

export interface WireEvent {
  dir: 'tx' | 'rx';
  bytes: Uint8Array;
  at: number;
}

export class SimLine implements AcuPort {
  t = 0;
  baud: number;
  pd: PdState;
  readonly log: WireEvent[] = [];
  readonly pdOutputs: string[] = [];
  private inbox: { bytes: Uint8Array; at: number }[] = [];
  private n = 0;
  private lastReplyEnd = 0;
  fault: (n: number, sent: Uint8Array) => Fault | undefined = () => undefined;

  constructor(pdConfig: PdConfig, baud = pdConfig.baud) {
    this.pd = pdInit(pdConfig);
    this.baud = baud;
  }

  now(): number {
    return this.t;
  }

  async write(bytes: Uint8Array): Promise<void> {
    const start = this.t;
    this.t += wire(bytes.length, this.baud);
    this.log.push({ dir: 'tx', bytes: bytes.slice(), at: start });
    const f = this.fault(this.n++, bytes) ?? {};
    const heard = f.command === undefined ? bytes : f.command;
    let replies: Uint8Array[] = [];
    if (heard && this.pd.baud === this.baud) {
      const r = pdStep(this.pd, { type: 'rx', bytes: heard, at: this.t });
      this.pd = r.state;
      for (const o of r.outputs) {
        if (o.type === 'send') replies.push(o.bytes);
        else
          this.pdOutputs.push(
            o.type === 'ignored'
              ? `ignored:${o.reason}`
              : o.type === 'sc_dropped'
                ? `sc_dropped:${o.reason}`
                : o.type,
          );
      }
    }
    if (f.reply) replies = f.reply(replies);
    // One UART: a PD's replies leave in order, a later one never overtakes an earlier (late) one.
    let at = Math.max(this.t + (f.turnaroundMs ?? 2), this.lastReplyEnd);
    for (const r of replies) {
      const step = f.chunkBytes ?? r.length;
      for (let i = 0; i < r.length; i += step) {
        const chunk = r.subarray(i, i + step);
        at += wire(chunk.length, this.baud);
        this.inbox.push({ bytes: chunk, at });
      }
      this.lastReplyEnd = at;
    }
    this.inbox.sort((a, b) => a.at - b.at);
  }

  async read(deadline: number): Promise<{ bytes: Uint8Array; at: number } | null> {
    const next = this.inbox[0];
    if (next && next.at <= deadline) {
      this.inbox.shift();
      this.t = Math.max(this.t, next.at);
      this.log.push({ dir: 'rx', bytes: next.bytes, at: next.at });
      return { bytes: next.bytes, at: next.at };
    }
    this.t = Math.max(this.t, deadline);
    return null;
  }

  flushInput(): void {
    this.inbox = this.inbox.filter((x) => x.at > this.t);
  }

  /** Switch the ACU's end of the line. */
  setBaud(baud: number): void {
    this.baud = baud;
  }

  /** Frames sent by the ACU, parsed. */
  sentFrames(): Frame[] {
    return this.log.filter((e) => e.dir === 'tx').map((e) => parsed(e.bytes));
  }
}

export function parsed(bytes: Uint8Array): Frame {
  const r = parseFrame(bytes);
  if (!r.ok) throw new Error(`not a frame: ${r.error.message}`);
  return r.frame;
}

/** Rebuilds a frame with some fields changed; the 4 MAC bytes on the wire are kept (or replaced). */
export function reframe(
  bytes: Uint8Array,
  patch: Partial<FrameFields>,
  mac?: Uint8Array,
): Uint8Array {
  const f = parsed(bytes);
  const fields: FrameFields = {
    address: f.address,
    reply: f.reply,
    sqn: f.sqn,
    check: f.check,
    code: f.code,
    data: f.data,
    mark: f.mark,
    ...(f.scb ? { scb: f.scb } : {}),
    ...patch,
  };
  const wireMac = mac ?? f.mac ?? new Uint8Array(4);
  return buildFrame(fields, () => concat(wireMac, new Uint8Array(12)));
}

/** The same frame with one MAC byte flipped (CRC recomputed, so only the MAC is wrong). */
export function flipMac(bytes: Uint8Array): Uint8Array {
  const f = parsed(bytes);
  const mac = f.mac!.slice();
  mac[0]! ^= 0x01;
  return reframe(bytes, {}, mac);
}

/** The same bytes with the last (check) byte flipped. */
export function corrupt(bytes: Uint8Array): Uint8Array {
  const b = bytes.slice();
  b[b.length - 1]! ^= 0xff;
  return b;
}

const ws = osdpVectors.secure_channel.worked_provisioning_session;
const stepHex = (n: number): string => ws.steps.find((s) => s.step === n)!.packet_hex;

function pdcapOfWorkedSession(): PdCapEntry[] {
  const f = parsed(fromHex(stepHex(4)));
  const r = decodeReply(f.code, f.data);
  if (!r.ok || r.value.kind !== 'PDCAP') throw new Error('step 4 is not a PDCAP');
  return r.value.entries;
}

/** The PD of the worked provisioning session: address 1, 9600, install mode, the session's RND.Bs. */
export function workedSessionPd(overrides: Partial<PdConfig> = {}): PdConfig {
  return {
    address: 0x01,
    baud: 9600,
    pdid: {
      vendor: fromHex('0A0017'),
      model: 1,
      version: 2,
      serial: 0x12345678,
      firmware: { major: 1, minor: 2, build: 3 },
    },
    pdcap: pdcapOfWorkedSession(),
    scbk: null,
    installMode: true,
    random: (n) =>
      fromHex(
        n === 0 ? ws.keys_session1.rnd_b : n === 1 ? ws.keys_session2.rnd_b : '0102030405060708',
      ),
    ...overrides,
  };
}

export { ws as workedSession, stepHex };
