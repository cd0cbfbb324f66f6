// Telnet framing for RFC 2217 (COM-PORT-OPTION): IAC escaping of data (0xFF is OSDP's MARK, so it
// is common), option negotiation and COM-PORT subnegotiations. Pure: bytes in, bytes/events out.

export const IAC = 0xff;
export const DONT = 0xfe;
export const DO = 0xfd;
export const WONT = 0xfc;
export const WILL = 0xfb;
export const SB = 0xfa;
export const SE = 0xf0;

export const OPT_BINARY = 0x00;
export const OPT_SGA = 0x03;
export const OPT_COM_PORT = 0x2c; // 44

/** COM-PORT-OPTION sub-commands (client → server; the server answers with +100). */
export const CPO = {
  SET_BAUDRATE: 1,
  SET_DATASIZE: 2,
  SET_PARITY: 3,
  SET_STOPSIZE: 4,
  SET_CONTROL: 5,
  PURGE_DATA: 12,
  SERVER_OFFSET: 100,
} as const;

/** Doubles every 0xFF so data bytes cannot be read as telnet commands. */
export function escapeIac(data: Uint8Array): Uint8Array {
  let n = 0;
  for (const b of data) if (b === IAC) n++;
  if (n === 0) return data;
  const out = new Uint8Array(data.length + n);
  let o = 0;
  for (const b of data) {
    out[o++] = b;
    if (b === IAC) out[o++] = IAC;
  }
  return out;
}

export function negotiation(verb: number, option: number): Uint8Array {
  return Uint8Array.of(IAC, verb, option);
}

/** IAC SB <option> <payload, escaped> IAC SE. */
export function subnegotiation(option: number, payload: Uint8Array): Uint8Array {
  const body = escapeIac(payload);
  const out = new Uint8Array(body.length + 5);
  out.set([IAC, SB, option]);
  out.set(body, 3);
  out.set([IAC, SE], 3 + body.length);
  return out;
}

/** COM-PORT SET-BAUDRATE (RFC 2217: 4 bytes, network order; 0 asks for the current value). */
export function setBaudrate(baud: number): Uint8Array {
  return subnegotiation(
    OPT_COM_PORT,
    Uint8Array.of(
      CPO.SET_BAUDRATE,
      (baud >>> 24) & 0xff,
      (baud >>> 16) & 0xff,
      (baud >>> 8) & 0xff,
      baud & 0xff,
    ),
  );
}

export type TelnetEvent =
  | { type: 'negotiate'; verb: number; option: number }
  | { type: 'sub'; option: number; payload: Uint8Array };

const enum St {
  Data,
  Iac,
  Opt,
  Sb,
  SbIac,
}

/**
 * Incremental decoder: feed it whatever the socket delivered; it returns the data bytes and the
 * telnet events, and keeps partial sequences across calls.
 */
export class TelnetDecoder {
  private st = St.Data;
  private verb = 0;
  private sb: number[] = [];

  feed(chunk: Uint8Array): { data: Uint8Array; events: TelnetEvent[] } {
    const data: number[] = [];
    const events: TelnetEvent[] = [];
    for (const b of chunk) {
      switch (this.st) {
        case St.Data:
          if (b === IAC) this.st = St.Iac;
          else data.push(b);
          break;
        case St.Iac:
          if (b === IAC) {
            data.push(IAC);
            this.st = St.Data;
          } else if (b === WILL || b === WONT || b === DO || b === DONT) {
            this.verb = b;
            this.st = St.Opt;
          } else if (b === SB) {
            this.sb = [];
            this.st = St.Sb;
          } else {
            this.st = St.Data; // NOP, GA, etc.: nothing to do
          }
          break;
        case St.Opt:
          events.push({ type: 'negotiate', verb: this.verb, option: b });
          this.st = St.Data;
          break;
        case St.Sb:
          if (b === IAC) this.st = St.SbIac;
          else this.sb.push(b);
          break;
        case St.SbIac:
          if (b === IAC) {
            this.sb.push(IAC);
            this.st = St.Sb;
          } else if (b === SE) {
            const [option = -1, ...rest] = this.sb;
            events.push({ type: 'sub', option, payload: Uint8Array.from(rest) });
            this.st = St.Data;
          } else {
            this.st = St.Data; // malformed: drop the subnegotiation
          }
          break;
      }
    }
    return { data: Uint8Array.from(data), events };
  }
}
