// Typed payload codecs for the commands a provisioner sends (reference §3.1, §3.5, §3.6, §5.3).
// These handle CODE + DATA only (plaintext DATA); SCB, MAC and encryption belong to the frame and
// secure-channel layers. Decoding never throws: a malformed payload is a `bad_payload` value.
// Encoding throws RangeError only for caller bugs (a wrong-size RND.A, an address out of range).

import { readU32le, u32le } from './bytes.ts';
import { badPayload, fixed, u32, u8, type CodecResult, type Payload } from './payload.ts';
import {
  osdp_CAP,
  osdp_CHLNG,
  osdp_COMSET,
  osdp_ID,
  osdp_KEYSET,
  osdp_LSTAT,
  osdp_POLL,
  osdp_SCRYPT,
} from './codes.ts';

export type Command =
  | { kind: 'POLL' }
  | { kind: 'ID'; reportType: number }
  | { kind: 'CAP'; reportType: number }
  | { kind: 'LSTAT' }
  | { kind: 'COMSET'; address: number; baud: number }
  | { kind: 'KEYSET'; keyType: number; key: Uint8Array }
  | { kind: 'CHLNG'; rndA: Uint8Array }
  | { kind: 'SCRYPT'; serverCryptogram: Uint8Array }
  | { kind: 'unknown'; code: number; data: Uint8Array };

/** KEYSET key type 0x01 = SCBK (reference §3.6). */
export const KEYSET_TYPE_SCBK = 0x01;

export function encodeCommand(cmd: Command): Payload {
  switch (cmd.kind) {
    case 'POLL':
      return { code: osdp_POLL, data: new Uint8Array(0) };
    case 'ID':
      return { code: osdp_ID, data: Uint8Array.of(u8('reportType', cmd.reportType)) };
    case 'CAP':
      return { code: osdp_CAP, data: Uint8Array.of(u8('reportType', cmd.reportType)) };
    case 'LSTAT':
      return { code: osdp_LSTAT, data: new Uint8Array(0) };
    case 'COMSET': {
      const data = new Uint8Array(5);
      data[0] = u8('address', cmd.address);
      data.set(u32le(u32('baud', cmd.baud)), 1);
      return { code: osdp_COMSET, data };
    }
    case 'KEYSET': {
      const data = new Uint8Array(2 + cmd.key.length);
      data[0] = u8('keyType', cmd.keyType);
      data[1] = u8('key length', cmd.key.length);
      data.set(cmd.key, 2);
      return { code: osdp_KEYSET, data };
    }
    case 'CHLNG':
      return { code: osdp_CHLNG, data: fixed('RND.A', cmd.rndA, 8).slice() };
    case 'SCRYPT':
      return {
        code: osdp_SCRYPT,
        data: fixed('server cryptogram', cmd.serverCryptogram, 16).slice(),
      };
    case 'unknown':
      return { code: u8('code', cmd.code), data: cmd.data.slice() };
  }
}

/** Decodes a command payload (plaintext DATA). Unknown codes decode as `{ kind: 'unknown' }`. */
export function decodeCommand(code: number, data: Uint8Array): CodecResult<Command> {
  const exact = (name: string, len: number, make: () => Command): CodecResult<Command> =>
    data.length === len
      ? { ok: true, value: make() }
      : badPayload(`${name} takes ${len} data bytes, got ${data.length}`);
  switch (code) {
    case osdp_POLL:
      return exact('osdp_POLL', 0, () => ({ kind: 'POLL' }));
    case osdp_ID:
      return exact('osdp_ID', 1, () => ({ kind: 'ID', reportType: data[0]! }));
    case osdp_CAP:
      return exact('osdp_CAP', 1, () => ({ kind: 'CAP', reportType: data[0]! }));
    case osdp_LSTAT:
      return exact('osdp_LSTAT', 0, () => ({ kind: 'LSTAT' }));
    case osdp_COMSET:
      return exact('osdp_COMSET', 5, () => ({
        kind: 'COMSET',
        address: data[0]!,
        baud: readU32le(data, 1),
      }));
    case osdp_KEYSET:
      if (data.length < 2)
        return badPayload(`osdp_KEYSET needs key type and length, got ${data.length} bytes`);
      if (data[1] !== data.length - 2) {
        return badPayload(
          `osdp_KEYSET key length byte says ${data[1]} but ${data.length - 2} key bytes follow`,
        );
      }
      return { ok: true, value: { kind: 'KEYSET', keyType: data[0]!, key: data.slice(2) } };
    case osdp_CHLNG:
      return exact('osdp_CHLNG', 8, () => ({ kind: 'CHLNG', rndA: data.slice() }));
    case osdp_SCRYPT:
      return exact('osdp_SCRYPT', 16, () => ({ kind: 'SCRYPT', serverCryptogram: data.slice() }));
    default:
      return { ok: true, value: { kind: 'unknown', code, data: data.slice() } };
  }
}
