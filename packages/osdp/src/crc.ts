// Check characters of an OSDP frame (reference §2.3). Both cover SOM..the byte before the check,
// never the MARK byte.

import type { Bytes } from './bytes.ts';

const CRC_TABLE: Uint16Array = (() => {
  const t = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i << 8;
    for (let b = 0; b < 8; b++) c = c & 0x8000 ? ((c << 1) ^ 0x1021) & 0xffff : (c << 1) & 0xffff;
    t[i] = c;
  }
  return t;
})();

/** CRC-16/AUG-CCITT: poly 0x1021, init 0x1D0F, MSB-first, no final XOR. Sent LSB first on the wire. */
export function crc16(data: Bytes, init = 0x1d0f): number {
  let crc = init & 0xffff;
  for (const byte of data) crc = ((crc << 8) & 0xffff) ^ CRC_TABLE[((crc >>> 8) ^ byte) & 0xff]!;
  return crc;
}

/** 8-bit two's complement of the byte sum, so that (sum + checksum) & 0xFF === 0. */
export function checksum8(data: Bytes): number {
  let sum = 0;
  for (const byte of data) sum = (sum + byte) & 0xff;
  return (0x100 - sum) & 0xff;
}
