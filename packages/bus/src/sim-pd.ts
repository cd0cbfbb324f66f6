// A simulated PD on the line: @osprio/osdp's pure PD model behind a UART, plus the faults a
// technician really meets. The model decides what to answer; this shell decides what reaches the
// wire (and when), keeps the "flash" a reboot survives, and bends the model for each fault.

import {
  buildFrame,
  equalBytes,
  osdp_COM,
  osdp_NAK,
  parseFrame,
  pdInit,
  pdStep,
  NAK_RECORD,
  u32le,
} from '@osprio/osdp';
import type { PdConfig, PdId, PdOutput, PdState, PdCapEntry, PdRandom } from '@osprio/osdp';
import type { LineNode, NodeAction, SimLine, Transmit } from './sim-line.ts';

export type SimPdFault =
  /** Not on the line (powered off, wrong drop): hears, never answers. */
  | { kind: 'absent' }
  /**
   * Applies and stores COMSET but never answers again, not even osdp_COM (unless `answersComset`),
   * until rebooted — after which it comes up at the new settings.
   */
  | { kind: 'silent_after_comset'; answersComset?: boolean }
  /**
   * Applies COMSET with another address (e.g. DIP switches win). osdp_COM reports the address it
   * really took ('actual', default) or echoes the requested one ('requested').
   */
  | { kind: 'other_address'; address: number; reports?: 'actual' | 'requested' }
  /**
   * Answers osdp_COM (reporting the new baud unless reports = 'actual') and stores the new baud, but
   * its UART stays at the old rate until it reboots.
   */
  | { kind: 'stays_at_old_baud'; reports?: 'actual' | 'requested' }
  /** Already keyed with another SCBK and not in install mode. Never log the key. */
  | { kind: 'keyed'; scbk: Uint8Array }
  /** Refuses KEYSET with a plaintext NAK (default code 0x09) and keeps its old key and install mode. */
  | { kind: 'nak_keyset'; code?: number }
  /** Acknowledges KEYSET in plaintext, having already dropped the session (HID-style). */
  | { kind: 'plaintext_keyset_ack' }
  /**
   * Loses power instead of sending its `atReply`-th reply (1-based): the session is gone, the SQN
   * resets, and what it had stored survives. `applied`: that last command's stored effects
   * (COMSET, KEYSET) were saved before the power went (default false). Deaf for `downMs` (default 1000).
   */
  | { kind: 'reboot'; atReply: number; applied?: boolean; downMs?: number }
  /** Answers after `replyDelayMs` (beyond the spec's 200 ms when > 200). */
  | { kind: 'slow'; replyDelayMs: number }
  /** A noisy drop: each byte to or from this PD is corrupted with this probability. */
  | { kind: 'noisy'; byteErrorRate: number }
  /** libosdp ENFORCE_SECURE: outside a session only ID, CAP, CHLNG and SCRYPT; anything else gets NAK 0x06. */
  | { kind: 'enforce_secure' };

export type SimPdFaultKind = SimPdFault['kind'];

/** What the PD keeps across a power cycle. Key material: never log `scbk`. */
export interface PdFlash {
  address: number;
  baud: number;
  scbk: Uint8Array | null;
  installMode: boolean;
}

export interface SimPdOptions {
  /** Node name on the line. Default "pd". */
  name?: string;
  /** Model configuration; defaults to a factory-fresh PD (address 0, 9600, install mode, no key). */
  config?: Partial<PdConfig>;
  faults?: readonly SimPdFault[];
  /** Reply turnaround (default 2 ms; a `slow` fault overrides it). */
  turnaroundMs?: number;
  /** Told of each event as it happens, key included for KEYSET: see `SimPd.onEvent`. */
  onEvent?: SimPdListener;
}

/** What happened inside the PD, for tests and diagnosis (`SimPd.events`). Never carries key material. */
export type SimPdEvent = { at: number } & (
  | { type: 'comset_applied'; address: number; baud: number }
  | { type: 'keyset_applied' }
  | { type: 'keyset_refused'; code: number }
  | { type: 'sc_established'; kk: number }
  | { type: 'sc_dropped'; reason: string }
  | { type: 'uart_baud'; baud: number }
  | { type: 'rebooted'; upAt: number }
  | { type: 'muted'; reason: string }
);

/**
 * What a listener is told, synchronously, as each event happens: the same events, except that
 * `keyset_applied` carries the SCBK it applied (a copy). Key material: never log `scbk` unless the
 * operator asked (--reveal-keys).
 */
export type SimPdLiveEvent =
  | Exclude<SimPdEvent, { type: 'keyset_applied' }>
  | { type: 'keyset_applied'; at: number; scbk: Uint8Array };

export type SimPdListener = (event: SimPdLiveEvent) => void;

export const FACTORY_PDID: PdId = {
  vendor: Uint8Array.of(0x0a, 0x00, 0x17),
  model: 1,
  version: 2,
  serial: 0x12345678,
  firmware: { major: 1, minor: 2, build: 3 },
};

/** CRC, AES-128 SC (on the default key), 256-byte RX buffer, OSDP 2.2. */
export const FACTORY_PDCAP: readonly PdCapEntry[] = [
  { functionCode: 8, compliance: 1, numberOf: 0 },
  { functionCode: 9, compliance: 1, numberOf: 1 },
  { functionCode: 10, compliance: 0, numberOf: 1 },
  { functionCode: 16, compliance: 2, numberOf: 0 },
];

export function factoryPdConfig(overrides: Partial<PdConfig> = {}): PdConfig {
  return {
    address: 0,
    baud: 9600,
    pdid: FACTORY_PDID,
    pdcap: FACTORY_PDCAP,
    scbk: null,
    installMode: true,
    random: { seed: 1 },
    ...overrides,
  };
}

export class SimPd implements LineNode {
  readonly name: string;
  readonly events: SimPdEvent[] = [];
  readonly turnaroundMs: number;
  private model: PdState;
  private uart: number;
  private flash: PdFlash;
  private readonly baseConfig: PdConfig;
  private readonly faults: readonly SimPdFault[];
  private pendingBaud: number | null = null;
  private muted: string | null = null;
  private downUntil = -Infinity;
  private replies = 0;
  private boots = 0;
  private handshakeBase = 0;
  private readonly listeners: SimPdListener[] = [];

  constructor(opts: SimPdOptions = {}) {
    this.name = opts.name ?? 'pd';
    this.faults = opts.faults ?? [];
    const keyed = this.fault('keyed');
    const plaintextAck = this.fault('plaintext_keyset_ack');
    this.baseConfig = factoryPdConfig({
      ...opts.config,
      ...(keyed ? { scbk: keyed.scbk.slice(), installMode: false } : {}),
      ...(plaintextAck ? { keysetAck: 'plaintext' as const } : {}),
      ...(this.fault('enforce_secure') ? { enforceSecure: true } : {}),
    });
    this.model = pdInit(this.baseConfig);
    this.uart = this.baseConfig.baud;
    this.flash = {
      address: this.baseConfig.address,
      baud: this.baseConfig.baud,
      scbk: this.baseConfig.scbk ? this.baseConfig.scbk.slice() : null,
      installMode: this.baseConfig.installMode,
    };
    this.turnaroundMs = this.fault('slow')?.replyDelayMs ?? opts.turnaroundMs ?? 2;
    if (this.fault('absent')) this.muted = 'absent';
    if (opts.onEvent) this.listeners.push(opts.onEvent);
  }

  /**
   * Calls `listener` with each event as it happens, inside the line run that caused it, so each
   * KEYSET comes with the key that KEYSET applied (reading `stored` later may show a newer one).
   * `events` stays free of key bytes. Returns a function that removes the listener.
   */
  onEvent(listener: SimPdListener): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  /** The UART's current rate (what the line compares with the sender's). */
  get baud(): number {
    return this.uart;
  }

  /** The model's live state (address, SC phase, SQN…). Key material inside: never log it. */
  get state(): PdState {
    return this.model;
  }

  /** What survives a reboot. Key material inside: never log it. */
  get stored(): Readonly<PdFlash> {
    return this.flash;
  }

  get rebootCount(): number {
    return this.boots;
  }

  /** The PD-specific way into install mode (jumper, config card). */
  setInstallMode(on: boolean): void {
    this.model = pdStep(this.model, { type: 'set_install_mode', installMode: on }).state;
    this.flash = { ...this.flash, installMode: on };
  }

  /** Power-cycles the PD at bus time `at`: back from flash, deaf for `downMs`. */
  reboot(at: number, downMs = 0): void {
    this.boots++;
    this.handshakeBase += this.model.handshakes;
    const base = this.baseConfig.random;
    const offset = this.handshakeBase;
    const random: PdRandom =
      typeof base === 'function' ? (h) => base(h + offset) : { seed: base.seed + offset };
    this.model = pdInit({
      ...this.baseConfig,
      ...this.flash,
      scbk: this.flash.scbk?.slice() ?? null,
      random,
    });
    this.pendingBaud = null;
    this.setUart(this.flash.baud, at);
    if (this.muted !== 'absent') this.muted = null;
    this.downUntil = at + downMs;
    this.emit({ type: 'rebooted', at, upAt: this.downUntil });
  }

  receive(bytes: Uint8Array, at: number): NodeAction {
    if (this.muted || at < this.downUntil) return null;
    const before = this.model;
    const r = pdStep(this.model, { type: 'rx', bytes, at });
    this.model = r.state;
    const sends = r.outputs.filter(
      (o): o is Extract<PdOutput, { type: 'send' }> => o.type === 'send',
    );
    let replyBytes = sends.map((s) => s.bytes);
    const reboot = this.fault('reboot');
    if (reboot && sends.length > 0 && this.replies + 1 === reboot.atReply) {
      this.replies++;
      if (reboot.applied) this.store(r.outputs, at);
      this.reboot(at, reboot.downMs ?? 1000);
      return null;
    }
    this.replies += sends.length;
    replyBytes = this.applyFaults(before, r.outputs, replyBytes, at);
    if (this.muted)
      return this.fault('silent_after_comset')?.answersComset
        ? replyBytes.map((b) => this.tx(b))
        : null;
    return replyBytes.map((b) => this.tx(b));
  }

  transmitted(_bytes: Uint8Array, at: number): NodeAction {
    // As the spec says, the new baud takes effect once osdp_COM has fully left the UART.
    if (this.pendingBaud !== null) {
      this.setUart(this.pendingBaud, at);
      this.pendingBaud = null;
    }
  }

  /** Records an event (without key bytes) and tells the listeners; `scbk` only for keyset_applied. */
  private emit(event: SimPdEvent, scbk?: Uint8Array): void {
    this.events.push(event);
    if (this.listeners.length === 0) return;
    const live: SimPdLiveEvent =
      event.type === 'keyset_applied' ? { ...event, scbk: scbk!.slice() } : { ...event };
    for (const l of [...this.listeners]) l(live);
  }

  private tx(bytes: Uint8Array): Transmit {
    return { bytes, delayMs: this.turnaroundMs };
  }

  private fault<K extends SimPdFaultKind>(kind: K): Extract<SimPdFault, { kind: K }> | undefined {
    return this.faults.find((f): f is Extract<SimPdFault, { kind: K }> => f.kind === kind);
  }

  private setUart(baud: number, at: number): void {
    if (baud === this.uart) return;
    this.uart = baud;
    this.emit({ type: 'uart_baud', baud, at });
  }

  /** Writes COMSET/KEYSET results to flash (no reply side effects). */
  private store(outputs: readonly PdOutput[], at: number): void {
    for (const o of outputs) {
      if (o.type === 'comset_applied') {
        this.flash = { ...this.flash, address: o.address, baud: o.baud };
        this.emit({ type: 'comset_applied', address: o.address, baud: o.baud, at });
      } else if (o.type === 'keyset_applied') {
        this.flash = { ...this.flash, scbk: o.scbk.slice(), installMode: false };
        this.emit({ type: 'keyset_applied', at }, o.scbk);
      }
    }
  }

  private applyFaults(
    before: PdState,
    outputs: readonly PdOutput[],
    replies: Uint8Array[],
    at: number,
  ): Uint8Array[] {
    for (const o of outputs) {
      switch (o.type) {
        case 'comset_applied':
          replies = this.onComset(o.address, o.baud, replies, at);
          break;
        case 'keyset_applied': {
          const nak = this.fault('nak_keyset');
          if (nak) {
            const code = nak.code ?? NAK_RECORD;
            // Refused: the old key and install mode stay; a plaintext NAK ends the session.
            this.model = {
              ...this.model,
              scbk: before.scbk,
              installMode: before.installMode,
              sc: { phase: 'none' },
            };
            replies = replies.map((b) => reframe(b, osdp_NAK, Uint8Array.of(code), true));
            this.model = {
              ...this.model,
              cache: this.model.cache && {
                ...this.model.cache,
                reply: replies[0] ?? this.model.cache.reply,
              },
            };
            this.emit({ type: 'keyset_refused', code, at });
          } else {
            this.store([o], at);
          }
          break;
        }
        case 'sc_established':
          this.emit({ type: 'sc_established', kk: o.kk, at });
          break;
        case 'sc_dropped':
          this.emit({ type: 'sc_dropped', reason: o.reason, at });
          break;
        default:
          break;
      }
    }
    return replies;
  }

  private onComset(address: number, baud: number, replies: Uint8Array[], at: number): Uint8Array[] {
    const oldBaud = this.uart;
    const other = this.fault('other_address');
    const stays = this.fault('stays_at_old_baud');
    const silent = this.fault('silent_after_comset');
    let took = address;
    if (other) {
      took = other.address;
      this.model = { ...this.model, address: took };
      if ((other.reports ?? 'actual') === 'actual')
        replies = replies.map((b) => reframe(b, osdp_COM, comData(took, baud)));
    }
    this.store([{ type: 'comset_applied', address: took, baud }], at);
    if (stays) {
      // Stored, but the UART keeps the old rate until the next power cycle.
      if (stays.reports === 'actual')
        replies = replies.map((b) => reframe(b, osdp_COM, comData(took, oldBaud)));
    } else {
      this.pendingBaud = baud;
    }
    if (silent) {
      this.muted = 'silent_after_comset';
      this.emit({ type: 'muted', reason: 'silent_after_comset', at });
    }
    // The reply cache must hold what was really sent, for a repeated SQN.
    const sent = replies[0];
    if (sent && this.model.cache && !equalBytes(sent, this.model.cache.reply)) {
      this.model = { ...this.model, cache: { ...this.model.cache, reply: sent } };
    }
    return replies;
  }
}

function comData(address: number, baud: number): Uint8Array {
  const d = new Uint8Array(5);
  d[0] = address;
  d.set(u32le(baud), 1);
  return d;
}

/**
 * Rebuilds a reply in plaintext with another code/data, keeping address, SQN, check mode and MARK.
 * A secured reply is only replaced when `overSecure` (a plaintext NAK may answer a secure command;
 * a secured osdp_COM cannot be rewritten without the session keys, so it is left as the model sent it).
 */
function reframe(
  bytes: Uint8Array,
  code: number,
  data: Uint8Array,
  overSecure = false,
): Uint8Array {
  const p = parseFrame(bytes[0] === 0xff ? bytes.subarray(1) : bytes);
  if (!p.ok || (p.frame.scb && !overSecure)) return bytes;
  const f = p.frame;
  return buildFrame({
    address: f.address,
    reply: true,
    sqn: f.sqn,
    check: f.check,
    code,
    data,
    mark: bytes[0] === 0xff,
  });
}

/** Creates a simulated PD and attaches it to `line` (with its noise, if any; RND.B seeded from the line). */
export function attachSimPd(line: SimLine, opts: SimPdOptions = {}): SimPd {
  // Unless told otherwise, the PD's randomness comes from the line's seed too.
  const random = opts.config?.random ?? { seed: line.deriveSeed(opts.name ?? 'pd') };
  const pd = new SimPd({ ...opts, config: { ...opts.config, random } });
  const noisy = opts.faults?.find((f) => f.kind === 'noisy');
  line.attach(pd, {
    turnaroundMs: pd.turnaroundMs,
    ...(noisy?.kind === 'noisy' ? { byteErrorRate: noisy.byteErrorRate } : {}),
  });
  return pd;
}
