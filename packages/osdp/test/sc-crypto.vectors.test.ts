// Secure-channel crypto against every SC vector in vectors.json and libosdp-captures.json.
import { describe, expect, it } from 'vitest';
import { cbc } from '@noble/ciphers/aes.js';
import { libosdpCaptures, osdpVectors } from '../../../test-support/shared.ts';
import { fromHex, toHex } from '../src/bytes.ts';
import {
  SCBK_D,
  clientCryptogram,
  decryptData,
  deriveSessionKeys,
  encryptData,
  initialRmac,
  isWeakScbk,
  notBytes,
  osdpMac,
  pad80,
  scbkD,
  serverCryptogram,
} from '../src/sc-crypto.ts';

const sc = osdpVectors.secure_channel;
const h = (s: string): Uint8Array => fromHex(s);
const hex = (b: Uint8Array): string => toHex(b).toUpperCase();

interface KeyVector {
  scbk: string;
  rndA: string;
  rndB: string;
  sEnc: string;
  sMac1: string;
  sMac2: string;
  client: string;
  server: string;
  rmacI: string;
}

const keyVectors: [string, KeyVector][] = [
  ...(['annexE_session_keys'] as const).map((n): [string, KeyVector] => {
    const v = sc[n];
    return [
      n,
      {
        scbk: v.scbk,
        rndA: v.rnd_a,
        rndB: v.rnd_b,
        sEnc: v.s_enc,
        sMac1: v.s_mac1,
        sMac2: v.s_mac2,
        client: v.client_cryptogram,
        server: v.server_cryptogram,
        rmacI: v.rmac_i,
      },
    ];
  }),
  ...(['keys_session1', 'keys_session2'] as const).map((n): [string, KeyVector] => {
    const v = sc.worked_provisioning_session[n];
    return [
      `worked ${n}`,
      {
        scbk: v.scbk,
        rndA: v.rnd_a,
        rndB: v.rnd_b,
        sEnc: v.s_enc,
        sMac1: v.s_mac1,
        sMac2: v.s_mac2,
        client: v.client_cryptogram,
        server: v.server_cryptogram,
        rmacI: v.rmac_i,
      },
    ];
  }),
  (() => {
    const v = libosdpCaptures.from_libosdp_tests.annex_e_scbkd_session;
    return [
      'libosdp annex_e_scbkd_session',
      {
        scbk: v.scbk,
        rndA: v.cp_random_rnd_a,
        rndB: v.pd_random_rnd_b,
        sEnc: v.s_enc,
        sMac1: v.s_mac1,
        sMac2: v.s_mac2,
        client: v.pd_cryptogram_client,
        server: v.cp_cryptogram_server,
        rmacI: v.r_mac_i,
      },
    ] as [string, KeyVector];
  })(),
];

describe('SCBK-D', () => {
  it('is ASCII "0123456789:;<=>?" and matches the vector files', () => {
    expect(new TextDecoder().decode(SCBK_D)).toBe('0123456789:;<=>?');
    expect(hex(SCBK_D)).toBe(sc.annexE_session_keys.scbk);
    expect(toHex(SCBK_D)).toBe(libosdpCaptures.conventions.scbk_d);
    expect(toHex(scbkD())).toBe(toHex(SCBK_D));
    expect(scbkD()).not.toBe(scbkD());
  });
  it('is recognised as a weak key, as are zeros', () => {
    expect(isWeakScbk(SCBK_D)).toBe(true);
    expect(isWeakScbk(new Uint8Array(16))).toBe(true);
    expect(isWeakScbk(h(sc.worked_provisioning_session.keys_session2.scbk))).toBe(false);
  });
});

describe.each(keyVectors)('session keys, cryptograms, RMAC-I: %s', (_name, v) => {
  const keys = deriveSessionKeys(h(v.scbk), h(v.rndA));
  it('derives S-ENC, S-MAC1, S-MAC2', () => {
    expect(hex(keys.sEnc)).toBe(v.sEnc.toUpperCase());
    expect(hex(keys.sMac1)).toBe(v.sMac1.toUpperCase());
    expect(hex(keys.sMac2)).toBe(v.sMac2.toUpperCase());
  });
  it('computes the client and server cryptograms and RMAC-I', () => {
    expect(hex(clientCryptogram(keys.sEnc, h(v.rndA), h(v.rndB)))).toBe(v.client.toUpperCase());
    const server = serverCryptogram(keys.sEnc, h(v.rndA), h(v.rndB));
    expect(hex(server)).toBe(v.server.toUpperCase());
    expect(hex(initialRmac(keys, server))).toBe(v.rmacI.toUpperCase());
  });
});

describe('session keys use only RND.A[0..5]', () => {
  it('ignores RND.A bytes 6 and 7 (§5.4)', () => {
    const a = deriveSessionKeys(SCBK_D, h('B0B1B2B3B4B5B6B7'));
    const b = deriveSessionKeys(SCBK_D, h('B0B1B2B3B4B50000'));
    expect(hex(b.sEnc)).toBe(hex(a.sEnc));
    const c = deriveSessionKeys(SCBK_D, h('B0B1B2B3B400B6B7'));
    expect(hex(c.sEnc)).not.toBe(hex(a.sEnc));
  });
});

describe('OSDP MAC: vectors.json mac_vectors', () => {
  it.each(sc.mac_vectors.map((v) => [v.name, v] as const))('%s', (_n, v) => {
    const mac = osdpMac({ sMac1: h(v.s_mac1), sMac2: h(v.s_mac2) }, h(v.iv), h(v.message));
    expect(hex(mac)).toBe(v.mac16);
    expect(hex(mac.subarray(0, 4))).toBe(v.mac_on_wire);
  });
});

describe('OSDP MAC: libosdp sc_mac_and_data', () => {
  const lv = libosdpCaptures.from_libosdp_tests.sc_mac_and_data;
  const pt = h(lv.pt_4blk);
  const dataOf = (d: string): Uint8Array =>
    d.startsWith('first 16 bytes of pt_4blk')
      ? pt.slice(0, 16)
      : d.startsWith('pt_4blk')
        ? pt
        : h(d);
  it.each(lv.mac_cases.map((c) => [c.note, c] as const))('%s', (_n, c) => {
    const mac = osdpMac({ sMac1: h(lv.key), sMac2: h(lv.key) }, h(lv.iv), dataOf(c.data));
    expect(toHex(mac)).toBe(c.mac16);
  });
  it('the 4-block MAC is the last block of plain CBC (ct_4blk) when S-MAC1 = S-MAC2', () => {
    expect(toHex(osdpMac({ sMac1: h(lv.key), sMac2: h(lv.key) }, h(lv.iv), pt))).toBe(
      lv.ct_4blk.slice(-32),
    );
  });
  it('uses S-MAC2 only for the last block and S-MAC1 for the others', () => {
    const k1 = h(lv.key);
    const k2 = notBytes(k1);
    const one = osdpMac({ sMac1: k1, sMac2: k2 }, h(lv.iv), pt.slice(0, 16));
    // One block: S-MAC1 is never used.
    expect(toHex(one)).toBe(
      toHex(osdpMac({ sMac1: new Uint8Array(16), sMac2: k2 }, h(lv.iv), pt.slice(0, 16))),
    );
    // Four blocks: blocks 1–3 are CBC under S-MAC1 — matching ct_4blk's third block as the chain.
    const chain = cbc(k1, h(lv.iv), { disablePadding: true })
      .encrypt(pt.slice(0, 48))
      .slice(32, 48);
    const four = osdpMac({ sMac1: k1, sMac2: k2 }, h(lv.iv), pt);
    expect(toHex(four)).toBe(toHex(osdpMac({ sMac1: k1, sMac2: k2 }, chain, pt.slice(48))));
    expect(toHex(chain)).toBe(lv.ct_4blk.slice(64, 96));
  });
  it('pads with 0x80 only when not block-aligned', () => {
    const k = { sMac1: h(lv.key), sMac2: h(lv.key) };
    const m17 = pt.slice(0, 17);
    expect(toHex(osdpMac(k, h(lv.iv), m17))).toBe(toHex(osdpMac(k, h(lv.iv), pad80(m17))));
    expect(toHex(osdpMac(k, h(lv.iv), pt.slice(0, 32)))).not.toBe(
      toHex(osdpMac(k, h(lv.iv), pad80(pt.slice(0, 32)))),
    );
  });
});

describe('data encryption: vectors.json encrypt_vectors', () => {
  it.each(sc.encrypt_vectors.map((v) => [v.name, v] as const))('%s', (_n, v) => {
    expect(hex(notBytes(h(v.last_mac_from_peer)))).toBe(v.iv_used);
    expect(hex(pad80(h(v.plaintext)))).toBe(v.padded);
    const ct = encryptData(h(v.s_enc), h(v.last_mac_from_peer), h(v.plaintext));
    expect(hex(ct)).toBe(v.ciphertext);
    const back = decryptData(h(v.s_enc), h(v.last_mac_from_peer), ct);
    expect(back.ok && hex(back.data)).toBe(v.plaintext);
  });
});

describe('data encryption: libosdp sc_mac_and_data encrypt_cases', () => {
  const lv = libosdpCaptures.from_libosdp_tests.sc_mac_and_data;
  // libosdp stores r_mac/c_mac = NOT(iv), so our "last MAC from the peer" is NOT(iv).
  const peerMac = notBytes(h(lv.iv));
  it.each(lv.encrypt_cases.map((c) => [c.plaintext.length / 2, c] as const))(
    '%i-byte plaintext',
    (_n, c) => {
      const ct = encryptData(h(lv.key), peerMac, h(c.plaintext));
      expect(toHex(ct)).toBe(c.ciphertext);
      const back = decryptData(h(lv.key), peerMac, ct);
      expect(back.ok && toHex(back.data)).toBe(c.plaintext);
    },
  );
  it('a 64-byte plaintext encrypts to ct_4blk plus one padding block', () => {
    const ct = encryptData(h(lv.key), peerMac, h(lv.pt_4blk));
    expect(ct.length).toBe(80);
    expect(toHex(ct.subarray(0, 64))).toBe(lv.ct_4blk);
  });
});

describe('decryptData rejects bad input with a value, never an exception', () => {
  const key = h(sc.encrypt_vectors[0]!.s_enc);
  const peer = h(sc.encrypt_vectors[0]!.last_mac_from_peer);
  const rawEncrypt = (pt: Uint8Array): Uint8Array =>
    cbc(key, notBytes(peer), { disablePadding: true }).encrypt(pt);
  it('empty or non-block-sized ciphertext', () => {
    expect(decryptData(key, peer, new Uint8Array(0))).toEqual({ ok: false, error: 'bad_length' });
    expect(decryptData(key, peer, new Uint8Array(15))).toEqual({ ok: false, error: 'bad_length' });
    expect(decryptData(key, peer, new Uint8Array(17))).toEqual({ ok: false, error: 'bad_length' });
  });
  it('plaintext without 0x80 padding', () => {
    expect(decryptData(key, peer, rawEncrypt(new Uint8Array(16)))).toEqual({
      ok: false,
      error: 'bad_padding',
    });
    expect(decryptData(key, peer, rawEncrypt(h('0102030405060708090A0B0C0D0E0F10')))).toEqual({
      ok: false,
      error: 'bad_padding',
    });
    expect(decryptData(key, peer, rawEncrypt(h('01020304050607080980000000000001')))).toEqual({
      ok: false,
      error: 'bad_padding',
    });
  });
  it('padding is looked for only in the last block', () => {
    // 0x80 in block 1 followed by a whole block of zeros is not valid padding.
    const pt = new Uint8Array(32);
    pt[15] = 0x80;
    expect(decryptData(key, peer, rawEncrypt(pt))).toEqual({ ok: false, error: 'bad_padding' });
  });
  it('keeps data bytes that look like padding', () => {
    const data = h('0080000080');
    const r = decryptData(key, peer, encryptData(key, peer, data));
    expect(r.ok && toHex(r.data)).toBe('0080000080');
  });
  it('the IV is NOT of the peer MAC: another peer MAC garbles the first block', () => {
    const v = sc.encrypt_vectors[1]!;
    const ct = h(v.ciphertext);
    const r = decryptData(h(v.s_enc), h(v.iv_used), ct);
    expect(r.ok && hex(r.data) === v.plaintext).toBe(false);
  });
});
