// A TCP serial bridge (ser2net-style), raw or RFC 2217. Node only: reached through openBus().
//
// Raw TCP carries data bytes only, so the far port's baud cannot be changed from here:
// canSetBaud is false, and setBaud() records the intent (requestedBaud) without effect, leaving
// `baud` at the rate the bridge is configured for. RFC 2217 (Telnet COM-PORT-OPTION) carries
// SET-BAUDRATE, so the remote port follows osdp_COMSET; data is IAC-escaped both ways.

import net from 'node:net';
import type { Bus } from './bus.ts';
import { WallClockBus, sleepUntil } from './rx-queue.ts';
import {
  CPO,
  DO,
  DONT,
  escapeIac,
  negotiation,
  OPT_BINARY,
  OPT_COM_PORT,
  OPT_SGA,
  setBaudrate,
  subnegotiation,
  TelnetDecoder,
  WILL,
  WONT,
} from './telnet.ts';
import type { TelnetEvent } from './telnet.ts';

export interface TcpBusOptions {
  /** Raw TCP: the rate the bridge's serial port is configured for. RFC 2217: the rate to set on connect. Default 9600. */
  baud?: number;
  /** Use RFC 2217 (Telnet COM-PORT-OPTION). Default false (raw). */
  rfc2217?: boolean;
  connectTimeoutMs?: number;
  /** How long to wait for the server to confirm a COM-PORT command. Default 2000 ms. */
  commandTimeoutMs?: number;
}

const OUR_OPTIONS = new Set([OPT_BINARY, OPT_SGA, OPT_COM_PORT]); // we WILL these
const HIS_OPTIONS = new Set([OPT_BINARY, OPT_SGA]); // we let the server do these

export class TcpBus extends WallClockBus implements Bus {
  readonly kind: 'tcp' | 'rfc2217';
  readonly canSetBaud: boolean;
  readonly name: string;
  /** Raw TCP: the last rate asked for through setBaud(); the remote port does not follow it. */
  requestedBaud: number;
  private currentBaud: number;
  private readonly telnet: TelnetDecoder | null;
  private readonly us = new Set<number>();
  private readonly him = new Set<number>();
  private baudWaiters: ((baud: number) => void)[] = [];
  private comPortAccepted: (() => void) | null = null;

  private constructor(
    private readonly socket: net.Socket,
    name: string,
    baud: number,
    rfc2217: boolean,
    private readonly commandTimeoutMs: number,
  ) {
    super();
    this.kind = rfc2217 ? 'rfc2217' : 'tcp';
    this.canSetBaud = rfc2217;
    this.name = name;
    this.currentBaud = baud;
    this.requestedBaud = baud;
    this.telnet = rfc2217 ? new TelnetDecoder() : null;
    socket.setNoDelay(true);
    socket.on('data', (d: Buffer) => this.onData(new Uint8Array(d)));
    socket.on('error', (e: Error) => this.rx.fail(new Error(`${this.name}: ${e.message}`)));
    socket.on('close', () => {
      this.closed = true;
      this.rx.fail(new Error(`${this.name}: connection closed`));
    });
  }

  static async open(host: string, port: number, opts: TcpBusOptions = {}): Promise<TcpBus> {
    const rfc2217 = opts.rfc2217 ?? false;
    const name = `${rfc2217 ? 'rfc2217' : 'tcp'}://${host}:${port}`;
    const socket = await connect(host, port, opts.connectTimeoutMs ?? 5000, name);
    const bus = new TcpBus(socket, name, opts.baud ?? 9600, rfc2217, opts.commandTimeoutMs ?? 2000);
    if (rfc2217) {
      try {
        await bus.startRfc2217(opts.baud ?? 9600);
      } catch (e) {
        socket.destroy();
        throw e;
      }
    }
    return bus;
  }

  get baud(): number {
    return this.currentBaud;
  }

  async setBaud(baud: number): Promise<void> {
    this.assertOpen();
    if (!Number.isInteger(baud) || baud <= 0) throw new RangeError(`invalid baud rate: ${baud}`);
    if (!this.canSetBaud) {
      // Raw TCP cannot carry a rate change: record the intent only (see canSetBaud).
      this.requestedBaud = baud;
      return;
    }
    // "Drain": let what we wrote reach the far wire before its UART changes rate.
    await sleepUntil(this.wireUntil + 2);
    const confirmed = await this.comPortCommand(setBaudrate(baud));
    this.currentBaud = confirmed;
    this.requestedBaud = baud;
    if (confirmed !== baud)
      throw new Error(`${this.name}: remote port refused ${baud} baud (reports ${confirmed})`);
  }

  async write(bytes: Uint8Array): Promise<void> {
    this.assertOpen();
    const out = this.telnet ? escapeIac(bytes) : bytes;
    await new Promise<void>((resolve, reject) =>
      this.socket.write(out, (err) =>
        err ? reject(new Error(`${this.name}: write failed (${err.message})`)) : resolve(),
      ),
    );
    // The socket cannot tell when the far UART has sent the bytes; estimate it from the rate so a
    // reply deadline computed after write() still starts when the command has left the wire.
    this.noteWritten(bytes.length, this.currentBaud);
    await sleepUntil(this.wireUntil);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await new Promise<void>((resolve) => {
      this.socket.once('close', () => resolve());
      this.socket.end();
      setTimeout(() => this.socket.destroy(), 500).unref();
    });
  }

  private async startRfc2217(baud: number): Promise<void> {
    const accepted = new Promise<void>((resolve) => (this.comPortAccepted = resolve));
    for (const opt of OUR_OPTIONS) this.sendNegotiation(WILL, opt);
    for (const opt of HIS_OPTIONS) this.sendNegotiation(DO, opt);
    await withTimeout(
      accepted,
      this.commandTimeoutMs,
      `${this.name}: server did not accept COM-PORT-OPTION (is it an RFC 2217 port?)`,
    );
    this.socket.write(subnegotiation(OPT_COM_PORT, Uint8Array.of(CPO.SET_DATASIZE, 8)));
    this.socket.write(subnegotiation(OPT_COM_PORT, Uint8Array.of(CPO.SET_PARITY, 1))); // NONE
    this.socket.write(subnegotiation(OPT_COM_PORT, Uint8Array.of(CPO.SET_STOPSIZE, 1)));
    await this.setBaud(baud);
  }

  private comPortCommand(cmd: Uint8Array): Promise<number> {
    const reply = new Promise<number>((resolve) => this.baudWaiters.push(resolve));
    this.socket.write(cmd);
    return withTimeout(reply, this.commandTimeoutMs, `${this.name}: no answer to SET-BAUDRATE`);
  }

  private onData(chunk: Uint8Array): void {
    if (!this.telnet) return this.rx.push(chunk);
    const { data, events } = this.telnet.feed(chunk);
    for (const e of events) this.onTelnet(e);
    this.rx.push(data);
  }

  private onTelnet(e: TelnetEvent): void {
    if (e.type === 'sub') {
      if (
        e.option === OPT_COM_PORT &&
        e.payload[0] === CPO.SET_BAUDRATE + CPO.SERVER_OFFSET &&
        e.payload.length >= 5
      ) {
        const p = e.payload;
        const baud = ((p[1]! << 24) | (p[2]! << 16) | (p[3]! << 8) | p[4]!) >>> 0;
        const waiters = this.baudWaiters;
        this.baudWaiters = [];
        for (const w of waiters) w(baud);
      }
      return; // line/modem state notifications are of no use to OSDP
    }
    // Minimal RFC 1143-style negotiation: answer only changes of state, so we never loop.
    const { verb, option } = e;
    if (verb === DO) {
      if (OUR_OPTIONS.has(option)) {
        if (!this.us.has(option)) this.sendNegotiation(WILL, option);
        if (option === OPT_COM_PORT) this.comPortAccepted?.();
      } else this.socket.write(negotiation(WONT, option));
    } else if (verb === DONT) {
      if (this.us.delete(option)) this.socket.write(negotiation(WONT, option));
    } else if (verb === WILL) {
      if (HIS_OPTIONS.has(option)) {
        if (!this.him.has(option)) this.sendNegotiation(DO, option);
      } else this.socket.write(negotiation(DONT, option));
    } else if (verb === WONT) {
      if (this.him.delete(option)) this.socket.write(negotiation(DONT, option));
    }
  }

  private sendNegotiation(verb: number, option: number): void {
    if (verb === WILL) this.us.add(option);
    if (verb === DO) this.him.add(option);
    this.socket.write(negotiation(verb, option));
  }
}

function connect(host: string, port: number, timeoutMs: number, name: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`${name}: connect timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      resolve(socket);
    });
    socket.once('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(new Error(`${name}: cannot connect (${e.code ?? e.message})`));
    });
  });
}

function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(message)), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}
