// The ACU's end of a simulated line, behind the same Bus interface as a real port. Every call runs
// the line's discrete-event simulation just far enough, so `await bus.read(deadline)` returns as
// soon as the simulated reply has arrived, without any real waiting.

import type { Bus, RxChunk } from './bus.ts';
import { msToTicks, SimLine } from './sim-line.ts';
import type { AttachOptions, LineNode, Port, SimLineOptions } from './sim-line.ts';

export interface SimBusOptions extends AttachOptions {
  /** Initial baud of the ACU's UART. Default 9600. */
  baud?: number;
  /** Node name on the line (and in the trace). Default "acu". */
  nodeName?: string;
}

export class SimBus implements Bus {
  readonly kind = 'sim' as const;
  readonly canSetBaud = true;
  readonly name: string;
  readonly line: SimLine;
  private readonly uart = { baud: 9600, open: true, rx: [] as RxChunk[] };
  private readonly port: Port;

  constructor(line: SimLine, opts: SimBusOptions = {}) {
    this.line = line;
    const nodeName = opts.nodeName ?? 'acu';
    this.name = `sim:${nodeName}`;
    const uart = this.uart;
    uart.baud = checkBaud(opts.baud ?? 9600);
    const node: LineNode = {
      name: nodeName,
      // The line reads `baud` live at the start and end of every transmission.
      get baud() {
        return uart.baud;
      },
      receive(bytes, at) {
        if (uart.open) uart.rx.push({ bytes, at });
      },
    };
    this.port = line.attach(node, opts);
  }

  get baud(): number {
    return this.uart.baud;
  }

  now(): number {
    return this.line.now();
  }

  async setBaud(baud: number): Promise<void> {
    this.assertOpen();
    checkBaud(baud);
    // Drain: our own transmissions must have left the wire before the UART changes rate.
    this.line.runUntil(this.port.busyUntil);
    this.uart.baud = baud;
  }

  async write(bytes: Uint8Array): Promise<void> {
    this.assertOpen();
    const { end } = this.port.transmit(bytes);
    this.line.runUntil(end);
  }

  async read(deadline: number): Promise<RxChunk | null> {
    this.assertOpen();
    if (this.uart.rx.length === 0)
      this.line.runUntilTicks(msToTicks(deadline), () => this.uart.rx.length > 0);
    return this.uart.rx.shift() ?? null;
  }

  flushInput(): void {
    this.uart.rx.length = 0;
  }

  async sleep(until: number): Promise<void> {
    this.assertOpen();
    this.line.runUntil(until);
  }

  async close(): Promise<void> {
    if (!this.uart.open) return;
    this.uart.open = false;
    this.port.detach();
  }

  private assertOpen(): void {
    if (!this.uart.open) throw new Error(`${this.name}: bus is closed`);
  }
}

/** A fresh line with the ACU attached: the usual way to get a simulated bus. */
export function createSimBus(opts: SimBusOptions & SimLineOptions = {}): SimBus {
  return new SimBus(new SimLine(opts), opts);
}

function checkBaud(baud: number): number {
  if (!Number.isInteger(baud) || baud <= 0) throw new RangeError(`invalid baud rate: ${baud}`);
  return baud;
}
