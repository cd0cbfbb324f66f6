// Serves simulated PDs over a real byte stream: a TCP port (raw, or RFC 2217 so the client's
// SET-BAUDRATE sets its side of the line) or a serial device (a pty behind ser2net, or a real
// RS-485 adapter). Behind the stream is a SimLine run in real time, so the physics are the same as
// in tests: a client at the wrong baud is heard as garbage, faults behave identically.
// Node only; backs `osprio sim pd --listen 127.0.0.1:<port>`.

import fs from 'node:fs';
import net from 'node:net';
import { SerialPort } from 'serialport';
import { RealTimeLine } from './realtime-line.ts';
import { SimLine } from './sim-line.ts';
import type { LineNode, Port } from './sim-line.ts';
import { attachSimPd } from './sim-pd.ts';
import type { SimPd, SimPdOptions } from './sim-pd.ts';
import {
  CPO,
  DO,
  DONT,
  escapeIac,
  negotiation,
  OPT_BINARY,
  OPT_COM_PORT,
  OPT_SGA,
  subnegotiation,
  TelnetDecoder,
  WILL,
  WONT,
} from './telnet.ts';

export interface SimPdServerOptions {
  /** Listen for one TCP client at a time (a new client replaces the old). Loopback only; port 0 picks one. */
  listen?: { host?: string; port: number };
  /** TCP framing: 'raw' (default; the client side stays at `baud`) or 'rfc2217'. */
  protocol?: 'raw' | 'rfc2217';
  /** Or serve on a serial device. */
  serial?: {
    path: string;
    /** The far end's rate, if known (e.g. read back from the peer pty); default: the port's own rate, which follows the first PD. */
    peerBaud?: () => number;
    /**
     * Reconfigure the port when the first PD changes baud (a real adapter must). Default: true,
     * except on a pseudo-terminal, which has no line rate — and node-serialport's update() flushes
     * both directions, which would eat bytes in flight.
     */
    followBaud?: boolean;
  };
  /** The PDs on the served line. Default: one factory-fresh PD. Names default to pd1, pd2… */
  pds?: readonly SimPdOptions[];
  /** Seed for the line's randomness (garbage, noise). Default 1. */
  seed?: number;
  /** Cap on `line.trace` for a server left running for hours. Default: unlimited (every frame kept). */
  traceLimit?: number;
  /** Raw TCP: the rate of the client's side of the line. Default: the first PD's baud. */
  baud?: number;
  /** Progress messages (connections, baud changes). Never carries key material. */
  log?: (message: string) => void;
}

export interface SimPdServer {
  /** Bus URL a client uses to reach it (tcp://…, rfc2217://…), or the serial device path. */
  readonly url: string;
  readonly port: number | null;
  readonly line: SimLine;
  readonly pds: readonly SimPd[];
  /** The client side's current rate as the line sees it. */
  readonly clientBaud: number;
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

export async function runSimPdServer(opts: SimPdServerOptions): Promise<SimPdServer> {
  if (!opts.listen === !opts.serial)
    throw new Error('sim PD server: give exactly one of listen or serial');
  const line = new SimLine({
    seed: opts.seed ?? 1,
    ...(opts.traceLimit === undefined ? {} : { traceLimit: opts.traceLimit }),
  });
  const specs = opts.pds?.length ? opts.pds : [{}];
  const pds = specs.map((s, i) => attachSimPd(line, { ...s, name: s.name ?? `pd${i + 1}` }));
  const log = opts.log ?? (() => {});
  return opts.listen
    ? serveTcp(opts, opts.listen, line, pds, log)
    : serveSerial(opts, opts.serial!, line, pds, log);
}

/** The client's end of the served line. */
function attachClient(
  line: SimLine,
  baud: () => number,
  deliver: (bytes: Uint8Array) => void,
): Port {
  const node: LineNode = {
    name: 'client',
    get baud() {
      return baud();
    },
    receive(bytes) {
      deliver(bytes);
    },
  };
  return line.attach(node, { turnaroundMs: 0 });
}

async function serveTcp(
  opts: SimPdServerOptions,
  listen: { host?: string; port: number },
  line: SimLine,
  pds: SimPd[],
  log: (m: string) => void,
): Promise<SimPdServer> {
  const host = listen.host ?? '127.0.0.1';
  if (!LOOPBACK.has(host))
    throw new Error(`sim PD server listens on loopback only (127.0.0.1), not ${host}`);
  const rfc2217 = opts.protocol === 'rfc2217';
  let clientBaud = opts.baud ?? pds[0]!.baud;
  let socket: net.Socket | null = null;
  let decoder = new TelnetDecoder();
  const rt = new RealTimeLine(line);
  const client = attachClient(
    line,
    () => clientBaud,
    (bytes) => socket?.write(rfc2217 ? escapeIac(bytes) : bytes),
  );

  const server = net.createServer((s) => {
    if (socket) {
      log('sim PD server: new client replaces the previous one');
      socket.destroy();
    }
    socket = s;
    decoder = new TelnetDecoder();
    s.setNoDelay(true);
    log(`sim PD server: client connected from ${s.remoteAddress}:${s.remotePort}`);
    s.on('data', (d: Buffer) => {
      let data: Uint8Array = new Uint8Array(d);
      if (rfc2217) {
        const r = decoder.feed(data);
        data = r.data;
        for (const e of r.events) {
          if (e.type === 'negotiate') answerNegotiation(s, e.verb, e.option);
          else if (e.option === OPT_COM_PORT) {
            const set = answerComPort(s, e.payload, clientBaud);
            if (set !== clientBaud) log(`sim PD server: client side now at ${set} baud`);
            clientBaud = set;
          }
        }
      }
      if (data.length > 0) {
        rt.pump();
        client.transmit(data, rt.now());
        rt.pump();
      }
    });
    s.on('error', () => {});
    s.on('close', () => {
      if (socket === s) socket = null;
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, host, () => resolve());
  });
  const addr = server.address() as net.AddressInfo;
  const url = `${rfc2217 ? 'rfc2217' : 'tcp'}://${host}:${addr.port}`;
  log(`sim PD server: ${pds.length} PD(s) on ${url}`);
  return {
    url,
    port: addr.port,
    line,
    pds,
    get clientBaud() {
      return clientBaud;
    },
    close: async () => {
      rt.stop();
      socket?.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function serveSerial(
  opts: SimPdServerOptions,
  serial: NonNullable<SimPdServerOptions['serial']>,
  line: SimLine,
  pds: SimPd[],
  log: (m: string) => void,
): Promise<SimPdServer> {
  let portBaud = pds[0]!.baud;
  const port = new SerialPort({ path: serial.path, baudRate: portBaud, autoOpen: false });
  await new Promise<void>((resolve, reject) =>
    port.open((e) =>
      e ? reject(new Error(`sim PD server: cannot open ${serial.path} (${e.message})`)) : resolve(),
    ),
  );
  const clientBaud = serial.peerBaud ?? (() => portBaud);
  const follow = serial.followBaud ?? !isPty(serial.path);
  // A real adapter must run at the PD's rate: follow the first PD's UART after each run. The line
  // switches the PD once its reply has left the (simulated) wire; the real bytes went out when the
  // client heard them, so drain before reconfiguring.
  const rt = new RealTimeLine(line, () => {
    const want = pds[0]!.baud;
    if (want === portBaud) return;
    portBaud = want;
    if (!follow) return;
    port.drain(() =>
      port.update(
        { baudRate: want },
        (e) => e && log(`sim PD server: cannot set ${want} baud (${e.message})`),
      ),
    );
    log(`sim PD server: ${serial.path} now at ${want} baud`);
  });
  const client = attachClient(line, clientBaud, (bytes) => port.write(Buffer.from(bytes)));
  port.on('data', (d: Buffer) => {
    rt.pump();
    client.transmit(new Uint8Array(d), rt.now());
    rt.pump();
  });
  port.on('error', (e: Error) => log(`sim PD server: ${serial.path}: ${e.message}`));
  log(`sim PD server: ${pds.length} PD(s) on ${serial.path}`);
  return {
    url: `serial:${serial.path}`,
    port: null,
    line,
    pds,
    get clientBaud() {
      return clientBaud();
    },
    close: async () => {
      rt.stop();
      if (port.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
    },
  };
}

function isPty(path: string): boolean {
  try {
    return /^\/dev\/(pts\/|pty|tty[p-za-e])/.test(fs.realpathSync(path));
  } catch {
    return false;
  }
}

// --- RFC 2217 server side -------------------------------------------------------------------

const SERVER_WILL = new Set([OPT_BINARY, OPT_SGA]);
const SERVER_DO = new Set([OPT_BINARY, OPT_SGA, OPT_COM_PORT]);

function answerNegotiation(s: net.Socket, verb: number, option: number): void {
  // Stateless agreement: we accept the same request again with the same answer, which cannot loop
  // because clients only answer changes of state.
  if (verb === WILL) s.write(negotiation(SERVER_DO.has(option) ? DO : DONT, option));
  else if (verb === DO) s.write(negotiation(SERVER_WILL.has(option) ? WILL : WONT, option));
  else if (verb === WONT) s.write(negotiation(DONT, option));
  else if (verb === DONT) s.write(negotiation(WONT, option));
}

/** Answers a COM-PORT-OPTION command; returns the client side's baud afterwards. */
function answerComPort(s: net.Socket, payload: Uint8Array, baud: number): number {
  const cmd = payload[0];
  if (cmd === undefined) return baud;
  if (cmd === CPO.SET_BAUDRATE && payload.length >= 5) {
    const v = ((payload[1]! << 24) | (payload[2]! << 16) | (payload[3]! << 8) | payload[4]!) >>> 0;
    const now = v === 0 ? baud : v;
    s.write(
      subnegotiation(
        OPT_COM_PORT,
        Uint8Array.of(
          cmd + CPO.SERVER_OFFSET,
          now >>> 24,
          (now >>> 16) & 0xff,
          (now >>> 8) & 0xff,
          now & 0xff,
        ),
      ),
    );
    return now;
  }
  if (cmd < CPO.SERVER_OFFSET) {
    // Data size, parity, stop size, control…: echo the request as the new setting (8N1 is all OSDP uses).
    s.write(
      subnegotiation(OPT_COM_PORT, Uint8Array.of(cmd + CPO.SERVER_OFFSET, ...payload.subarray(1))),
    );
  }
  return baud;
}
