// Typed payload codecs for PD replies (reference §3.1–3.5, §5.3). CODE + plaintext DATA only.
// Decoding never throws; encoding throws RangeError only for caller bugs.

import { readU32le, u32le } from './bytes.ts';
import {
  CAP_CHECK_CHARACTER_SUPPORT,
  CAP_COMMUNICATION_SECURITY,
  CAP_RECEIVE_BUFFERSIZE,
  osdp_ACK,
  osdp_BUSY,
  osdp_CCRYPT,
  osdp_COM,
  osdp_LSTATR,
  osdp_NAK,
  osdp_PDCAP,
  osdp_PDID,
  osdp_RMAC_I,
} from './codes.ts';
import { badPayload, fixed, u32, u8, type CodecResult, type Payload } from './payload.ts';

export interface Firmware {
  major: number;
  minor: number;
  build: number;
}

export interface PdId {
  /** IEEE OUI as 3 raw bytes in wire order (HID: 00 06 8E). */
  vendor: Uint8Array;
  model: number;
  version: number;
  /** Little-endian u32 on the wire. */
  serial: number;
  firmware: Firmware;
}

export interface PdCapEntry {
  functionCode: number;
  compliance: number;
  numberOf: number;
}

export type Reply =
  | { kind: 'ACK' }
  | { kind: 'NAK'; errorCode: number; detail: Uint8Array }
  | ({ kind: 'PDID' } & PdId)
  | { kind: 'PDCAP'; entries: PdCapEntry[] }
  | { kind: 'LSTATR'; tamper: number; power: number }
  | { kind: 'COM'; address: number; baud: number }
  | { kind: 'CCRYPT'; cUID: Uint8Array; rndB: Uint8Array; clientCryptogram: Uint8Array }
  | { kind: 'RMAC_I'; rmacI: Uint8Array }
  | { kind: 'BUSY' }
  | { kind: 'unknown'; code: number; data: Uint8Array };

export function encodeReply(reply: Reply): Payload {
  switch (reply.kind) {
    case 'ACK':
      return { code: osdp_ACK, data: new Uint8Array(0) };
    case 'NAK': {
      const data = new Uint8Array(1 + reply.detail.length);
      data[0] = u8('errorCode', reply.errorCode);
      data.set(reply.detail, 1);
      return { code: osdp_NAK, data };
    }
    case 'PDID': {
      const data = new Uint8Array(12);
      data.set(fixed('vendor', reply.vendor, 3), 0);
      data[3] = u8('model', reply.model);
      data[4] = u8('version', reply.version);
      data.set(u32le(u32('serial', reply.serial)), 5);
      data[9] = u8('firmware.major', reply.firmware.major);
      data[10] = u8('firmware.minor', reply.firmware.minor);
      data[11] = u8('firmware.build', reply.firmware.build);
      return { code: osdp_PDID, data };
    }
    case 'PDCAP': {
      const data = new Uint8Array(reply.entries.length * 3);
      reply.entries.forEach((e, i) => {
        data[i * 3] = u8('functionCode', e.functionCode);
        data[i * 3 + 1] = u8('compliance', e.compliance);
        data[i * 3 + 2] = u8('numberOf', e.numberOf);
      });
      return { code: osdp_PDCAP, data };
    }
    case 'LSTATR':
      return {
        code: osdp_LSTATR,
        data: Uint8Array.of(u8('tamper', reply.tamper), u8('power', reply.power)),
      };
    case 'COM': {
      const data = new Uint8Array(5);
      data[0] = u8('address', reply.address);
      data.set(u32le(u32('baud', reply.baud)), 1);
      return { code: osdp_COM, data };
    }
    case 'CCRYPT': {
      const data = new Uint8Array(32);
      data.set(fixed('cUID', reply.cUID, 8), 0);
      data.set(fixed('RND.B', reply.rndB, 8), 8);
      data.set(fixed('client cryptogram', reply.clientCryptogram, 16), 16);
      return { code: osdp_CCRYPT, data };
    }
    case 'RMAC_I':
      return { code: osdp_RMAC_I, data: fixed('RMAC-I', reply.rmacI, 16).slice() };
    case 'BUSY':
      return { code: osdp_BUSY, data: new Uint8Array(0) };
    case 'unknown':
      return { code: u8('code', reply.code), data: reply.data.slice() };
  }
}

/** Decodes a reply payload (plaintext DATA). Unknown codes decode as `{ kind: 'unknown' }`. */
export function decodeReply(code: number, data: Uint8Array): CodecResult<Reply> {
  const exact = (name: string, len: number, make: () => Reply): CodecResult<Reply> =>
    data.length === len
      ? { ok: true, value: make() }
      : badPayload(`${name} takes ${len} data bytes, got ${data.length}`);
  switch (code) {
    case osdp_ACK:
      return exact('osdp_ACK', 0, () => ({ kind: 'ACK' }));
    case osdp_NAK:
      // Extra bytes are optional detail (NET Nak.cs); keep them rather than reject.
      if (data.length < 1) return badPayload('osdp_NAK needs an error code byte');
      return { ok: true, value: { kind: 'NAK', errorCode: data[0]!, detail: data.slice(1) } };
    case osdp_PDID:
      return exact('osdp_PDID', 12, () => ({
        kind: 'PDID',
        vendor: data.slice(0, 3),
        model: data[3]!,
        version: data[4]!,
        serial: readU32le(data, 5),
        firmware: { major: data[9]!, minor: data[10]!, build: data[11]! },
      }));
    case osdp_PDCAP: {
      if (data.length % 3 !== 0)
        return badPayload(`osdp_PDCAP data must be a multiple of 3 bytes, got ${data.length}`);
      const entries: PdCapEntry[] = [];
      for (let i = 0; i < data.length; i += 3) {
        entries.push({ functionCode: data[i]!, compliance: data[i + 1]!, numberOf: data[i + 2]! });
      }
      return { ok: true, value: { kind: 'PDCAP', entries } };
    }
    case osdp_LSTATR:
      return exact('osdp_LSTATR', 2, () => ({ kind: 'LSTATR', tamper: data[0]!, power: data[1]! }));
    case osdp_COM:
      return exact('osdp_COM', 5, () => ({
        kind: 'COM',
        address: data[0]!,
        baud: readU32le(data, 1),
      }));
    case osdp_CCRYPT:
      return exact('osdp_CCRYPT', 32, () => ({
        kind: 'CCRYPT',
        cUID: data.slice(0, 8),
        rndB: data.slice(8, 16),
        clientCryptogram: data.slice(16, 32),
      }));
    case osdp_RMAC_I:
      return exact('osdp_RMAC_I', 16, () => ({ kind: 'RMAC_I', rmacI: data.slice() }));
    case osdp_BUSY:
      return exact('osdp_BUSY', 0, () => ({ kind: 'BUSY' }));
    default:
      return { ok: true, value: { kind: 'unknown', code, data: data.slice() } };
  }
}

// PDCAP helpers (reference §3.4). Absent function codes mean "not supported".

function capEntry(entries: readonly PdCapEntry[], fc: number): PdCapEntry | undefined {
  return entries.find((e) => e.functionCode === fc);
}

/** FC 8 compliance 1: the PD supports CRC-16 (every PD supports checksum). */
export function supportsCrc(entries: readonly PdCapEntry[]): boolean {
  return ((capEntry(entries, CAP_CHECK_CHARACTER_SUPPORT)?.compliance ?? 0) & 1) === 1;
}

/** FC 9 compliance bit0: AES-128 secure channel supported. */
export function supportsAes(entries: readonly PdCapEntry[]): boolean {
  return ((capEntry(entries, CAP_COMMUNICATION_SECURITY)?.compliance ?? 0) & 1) === 1;
}

/** FC 9 number-of bit0: the PD currently uses the default key SCBK-D. */
export function usesDefaultKey(entries: readonly PdCapEntry[]): boolean {
  return ((capEntry(entries, CAP_COMMUNICATION_SECURITY)?.numberOf ?? 0) & 1) === 1;
}

/** FC 10: receive buffer size = compliance (LSB) + number-of × 256; undefined if not reported. */
export function rxBufferSize(entries: readonly PdCapEntry[]): number | undefined {
  const e = capEntry(entries, CAP_RECEIVE_BUFFERSIZE);
  return e ? e.compliance + e.numberOf * 256 : undefined;
}
