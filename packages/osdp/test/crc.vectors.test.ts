import { describe, expect, it } from 'vitest';
import { libosdpCaptures, osdpVectors } from '../../../test-support/shared.ts';
import { fromHex, hex2 } from '../src/bytes.ts';
import { checksum8, crc16 } from '../src/crc.ts';

const crcWire = (n: number): string => hex2(n & 0xff) + hex2(n >>> 8);

describe('crc16 (CRC-16/AUG-CCITT)', () => {
  it('has the catalogue check value over "123456789"', () => {
    expect(crc16(new TextEncoder().encode('123456789')).toString(16).toUpperCase()).toBe(
      osdpVectors.crc16.check_123456789,
    );
  });

  it.each(osdpVectors.crc16.vectors)('vectors.json: $source', (v) => {
    const c = crc16(fromHex(v.input));
    expect(c.toString(16).toUpperCase().padStart(4, '0')).toBe(v.crc16);
    expect(crcWire(c)).toBe(v.wire_bytes_lsb_first.toLowerCase());
  });

  it.each(libosdpCaptures.from_libosdp_tests.annex_e_crc.cases)('libosdp Annex E: $note', (v) => {
    expect(crcWire(crc16(fromHex(v.msg)))).toBe(v.crc_le);
  });

  it('is 0x1D0F (the initial value) over no bytes', () => {
    expect(crc16(new Uint8Array(0))).toBe(0x1d0f);
  });
});

describe('checksum8', () => {
  it.each(osdpVectors.checksum.vectors)('vectors.json: $source', (v) => {
    expect(hex2(checksum8(fromHex(v.input)))).toBe(v.checksum.toLowerCase());
  });

  it.each(libosdpCaptures.from_libosdp_tests.annex_e_checksum.cases)(
    'libosdp Annex E: $msg',
    (v) => {
      expect(hex2(checksum8(fromHex(v.msg)))).toBe(v.checksum);
    },
  );

  it('makes the byte sum zero', () => {
    const msg = fromHex('53e507000140');
    const sum = [...msg, checksum8(msg)].reduce((a, b) => a + b, 0);
    expect(sum & 0xff).toBe(0);
  });
});
