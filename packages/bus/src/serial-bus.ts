// A local serial port (USB-RS485 adapter) through node-serialport. Node only: reached through
// openBus(), never imported by the browser-safe index.

import { SerialPort } from 'serialport';
import type { Bus } from './bus.ts';
import { WallClockBus, sleepUntil } from './rx-queue.ts';

export interface SerialBusOptions {
  baud?: number;
}

export class SerialBus extends WallClockBus implements Bus {
  readonly kind = 'serial' as const;
  readonly canSetBaud = true;
  readonly name: string;
  private currentBaud: number;
  /** The last write still in progress (each write drains the port when done); settles, never rejects. */
  private writing: Promise<void> = Promise.resolve();

  private constructor(
    private readonly port: SerialPort,
    path: string,
    baud: number,
  ) {
    super();
    this.name = `serial:${path}`;
    this.currentBaud = baud;
    port.on('data', (d: Buffer) => this.rx.push(new Uint8Array(d)));
    port.on('error', (e: Error) => this.rx.fail(new Error(`${this.name}: ${e.message}`)));
    port.on('close', () => {
      this.closed = true;
      this.rx.fail(new Error(`${this.name}: port closed`));
    });
  }

  static async open(path: string, opts: SerialBusOptions = {}): Promise<SerialBus> {
    const baud = opts.baud ?? 9600;
    const port = new SerialPort({
      path,
      baudRate: baud,
      dataBits: 8,
      parity: 'none',
      stopBits: 1,
      autoOpen: false,
    });
    await new Promise<void>((resolve, reject) =>
      port.open((err) =>
        err ? reject(new Error(`serial:${path}: cannot open (${err.message})`)) : resolve(),
      ),
    );
    return new SerialBus(port, path, baud);
  }

  get baud(): number {
    return this.currentBaud;
  }

  async setBaud(baud: number): Promise<void> {
    this.assertOpen();
    // Drain first: changing the UART rate under bytes still in its FIFO garbles them, and
    // node-serialport's update() flushes both directions (TCIOFLUSH). Wait for every write, even
    // one not awaited (each ends with tcdrain); tcdrain alone is not enough on every USB adapter
    // (nor on a pty), so also wait out the bytes' wire time. Read a reply before switching: input
    // pending across the change is discarded.
    await this.writing;
    await sleepUntil(this.wireUntil + 1);
    await new Promise<void>((resolve, reject) =>
      this.port.update({ baudRate: baud }, (err) =>
        err
          ? reject(new Error(`${this.name}: cannot set ${baud} baud (${err.message})`))
          : resolve(),
      ),
    );
    this.currentBaud = baud;
  }

  write(bytes: Uint8Array): Promise<void> {
    const done = this.writeAndDrain(bytes);
    this.writing = done.catch(() => {});
    return done;
  }

  private async writeAndDrain(bytes: Uint8Array): Promise<void> {
    this.assertOpen();
    await new Promise<void>((resolve, reject) =>
      this.port.write(Buffer.from(bytes), (err) =>
        err ? reject(new Error(`${this.name}: write failed (${err.message})`)) : resolve(),
      ),
    );
    this.noteWritten(bytes.length, this.currentBaud);
    await this.drain();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await new Promise<void>((resolve) => this.port.close(() => resolve()));
  }

  private drain(): Promise<void> {
    return new Promise((resolve, reject) =>
      this.port.drain((err) =>
        err ? reject(new Error(`${this.name}: drain failed (${err.message})`)) : resolve(),
      ),
    );
  }
}
