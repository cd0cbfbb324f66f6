// The one interface the OSDP engine talks through. The simulator, a local serial port and a TCP
// serial bridge all implement it, so the provisioning engine never knows what carries its bytes.
//
// Time is the bus's own clock in milliseconds: virtual on the simulator (tests run hours of bus
// time in milliseconds), wall-clock on real transports. Callers never read Date.now() themselves.

export type BusKind = 'sim' | 'serial' | 'tcp' | 'rfc2217';

/** A chunk of received bytes and the bus time at which its last byte arrived. */
export interface RxChunk {
  bytes: Uint8Array;
  at: number;
}

export interface Bus {
  readonly kind: BusKind;
  /** Human-readable location, e.g. "sim", "serial:/dev/ttyUSB0", "tcp://127.0.0.1:4001". Never contains secrets. */
  readonly name: string;
  /**
   * False on raw TCP bridges: the baud of the far serial port cannot be changed from here, so
   * setBaud() only records the intent and the caller must know the port's rate is fixed.
   */
  readonly canSetBaud: boolean;
  /** The baud the local end is set to (or believes the remote end is set to). */
  readonly baud: number;
  /** Current bus time in ms. */
  now(): number;
  /** Waits until everything written has left the wire, then switches the line speed. */
  setBaud(baud: number): Promise<void>;
  /** Queues bytes for transmission; resolves once they have been fully transmitted. */
  write(bytes: Uint8Array): Promise<void>;
  /**
   * Resolves with the next chunk of received bytes, or null once bus time reaches `deadline`
   * with nothing received. Bytes that arrived before the call are returned first. Rejects once
   * the transport itself has failed (port closed, connection lost) and nothing is left to read.
   */
  read(deadline: number): Promise<RxChunk | null>;
  /** Drops anything received but not yet read (stale replies after a timeout). */
  flushInput(): void;
  /** Waits until bus time reaches `until` (virtual time on the simulator). */
  sleep(until: number): Promise<void>;
  close(): Promise<void>;
}

/** Wire time of `n` bytes at `baud` (10 bit-times a byte): one definition, in the OSDP package. */
export { wireTimeMs } from '@osprio/osdp';
