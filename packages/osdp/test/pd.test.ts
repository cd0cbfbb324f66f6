// Behaviour of the PD model beyond the captured exchanges (pd.vectors.test.ts), driven by a CP
// built from secure-channel.ts.
import { describe, expect, it } from 'vitest';
import { type Bytes, fromHex, toHex } from '../src/bytes.ts';
import { decodeReply } from '../src/replies.ts';
import { type Frame, type Sqn, buildFrame, parseFrame } from '../src/frame.ts';
import { type PdConfig, type PdOutput, type PdState, pdInit, pdStep } from '../src/pd.ts';
import { SCBK_D } from '../src/sc-crypto.ts';
import {
  type KeyIndicator,
  type ScSession,
  cpChallenge,
  cpCheckCcrypt,
  cpCheckRmacI,
  cpUnwrapReply,
  cpWrapCommand,
} from '../src/secure-channel.ts';

const SCBK = fromHex('00112233445566778899aabbccddeeff');
const RND_A = fromHex('b0b1b2b3b4b5b6b7');

function config(o: Partial<PdConfig> = {}): PdConfig {
  return {
    address: 1,
    baud: 9600,
    pdid: {
      vendor: Uint8Array.of(0x0a, 0x00, 0x17),
      model: 1,
      version: 2,
      serial: 0x12345678,
      firmware: { major: 1, minor: 2, build: 3 },
    },
    pdcap: [
      { functionCode: 8, compliance: 1, numberOf: 0 },
      { functionCode: 9, compliance: 1, numberOf: 1 },
    ],
    scbk: SCBK,
    installMode: false,
    random: { seed: 7 },
    ...o,
  };
}

class Harness {
  state: PdState;
  outputs: PdOutput[] = [];
  constructor(cfg: PdConfig) {
    this.state = pdInit(cfg);
  }
  send(bytes: Bytes, at?: number): Frame[] {
    const r = pdStep(
      this.state,
      at === undefined ? { type: 'rx', bytes } : { type: 'rx', bytes, at },
    );
    this.state = r.state;
    this.outputs = r.outputs;
    return r.outputs.flatMap((o) => {
      if (o.type !== 'send') return [];
      const f = parseFrame(o.bytes);
      if (!f.ok) throw new Error(`PD sent an invalid frame: ${f.error.message}`);
      return [f.frame];
    });
  }
  cmd(
    sqn: Sqn,
    code: number,
    data: Bytes = new Uint8Array(0),
    o: { address?: number; check?: 'crc' | 'checksum'; mark?: boolean } = {},
  ): Frame[] {
    return this.send(
      buildFrame({
        address: o.address ?? 1,
        reply: false,
        sqn,
        check: o.check ?? 'crc',
        code,
        data,
        mark: o.mark,
      }),
    );
  }
  types(): string[] {
    return this.outputs.map((o) => o.type);
  }
}

const nakCode = (f: Frame | undefined): number | undefined =>
  f && f.code === 0x41 && !f.scb ? f.data[0] : undefined;

/** Runs a handshake from SQN 0; returns the CP session or the failing reply. */
function handshake(
  h: Harness,
  kk: KeyIndicator,
  cpKey: Bytes,
): { session?: ScSession; reply: Frame; error?: string } {
  const ch = cpChallenge(kk, cpKey, RND_A);
  const [cc] = h.send(buildFrame({ address: 1, reply: false, sqn: 0, check: 'crc', ...ch.chlng }));
  const c = cpCheckCcrypt(ch.state, cc!);
  if (!c.ok) return { reply: cc!, error: c.error.kind };
  const [rm] = h.send(buildFrame({ address: 1, reply: false, sqn: 1, check: 'crc', ...c.scrypt }));
  const r = cpCheckRmacI(c.state, rm!);
  if (!r.ok) return { reply: rm!, error: r.error.kind };
  return { session: r.session, reply: rm! };
}

function secure(
  h: Harness,
  session: ScSession,
  sqn: Sqn,
  code: number,
  data: Bytes = new Uint8Array(0),
): { frames: Frame[]; session: ScSession; bytes: Bytes } {
  const w = cpWrapCommand(session, { address: 1, sqn, check: 'crc', code, data });
  return { frames: h.send(w.bytes), session: w.session, bytes: w.bytes };
}

describe('key custody inside the PD model', () => {
  it("keeps its own copy of the SCBK: wiping the caller's key after pdInit changes nothing", () => {
    const key = SCBK.slice();
    const h = new Harness(config({ scbk: key }));
    key.fill(0);
    expect(handshake(h, 1, SCBK).error).toBeUndefined();
  });

  it('in install mode with an SCBK: kk=0x01 runs on its SCBK, kk=0x00 on SCBK-D', () => {
    expect(handshake(new Harness(config({ installMode: true })), 1, SCBK).error).toBeUndefined();
    expect(handshake(new Harness(config({ installMode: true })), 0, SCBK_D).error).toBeUndefined();
    // Out of install mode, kk=0x00 still runs on its SCBK: SCBK-D fails the cryptogram check.
    expect(handshake(new Harness(config()), 0, SCBK_D).error).toBe('sc_cryptogram_mismatch');
  });

  it('takes every address from 0x00 to 0x7E', () => {
    for (const address of [0, 0x7e]) expect(pdInit(config({ address })).address).toBe(address);
  });

  it('refuses an address outside 0x00..0x7E, naming it', () => {
    for (const address of [-1, 0x7f, 1.5])
      expect(() => pdInit(config({ address }))).toThrow(
        `PD address must be 0x00..0x7E, got ${address}`,
      );
  });
});

describe('addressing, MARK and check mode', () => {
  it('answers broadcast from 0xFF and mirrors the MARK', () => {
    const h = new Harness(config());
    const [r] = h.cmd(0, 0x60, undefined, { address: 0x7f, mark: true });
    expect(r).toMatchObject({ address: 0x7f, reply: true, mark: true, code: 0x40 });
    expect(h.outputs[0]!.type === 'send' && toHex(h.outputs[0]!.bytes).slice(0, 6)).toBe('ff53ff');
    const [r2] = h.cmd(1, 0x60);
    expect(r2).toMatchObject({ address: 1, mark: false });
  });

  it('ignores other addresses and reply frames without touching the SQN state', () => {
    const h = new Harness(config());
    h.cmd(0, 0x60);
    expect(h.cmd(1, 0x60, undefined, { address: 2 })).toEqual([]);
    expect(h.outputs).toEqual([{ type: 'ignored', reason: 'not_addressed', bytes: 8 }]);
    expect(
      h.send(
        buildFrame({
          address: 1,
          reply: true,
          sqn: 1,
          check: 'crc',
          code: 0x40,
          data: new Uint8Array(0),
        }),
      ),
    ).toEqual([]);
    expect(h.outputs[0]).toMatchObject({ type: 'ignored', reason: 'wrong_direction' });
    expect(h.cmd(1, 0x60)[0]?.code).toBe(0x40);
  });

  it('answers a checksum command in CRC like libosdp, or mirrors it when configured', () => {
    expect(new Harness(config()).cmd(0, 0x60, undefined, { check: 'checksum' })[0]?.check).toBe(
      'crc',
    );
    expect(
      new Harness(config({ replyCheck: 'mirror' })).cmd(0, 0x60, undefined, {
        check: 'checksum',
      })[0]?.check,
    ).toBe('checksum');
  });

  it('a checksum-only PD NAKs a CRC command with 0x01, in checksum', () => {
    const h = new Harness(config({ pdcap: [{ functionCode: 8, compliance: 0, numberOf: 0 }] }));
    const [r] = h.cmd(0, 0x60);
    expect(nakCode(r)).toBe(0x01);
    expect(r!.check).toBe('checksum');
    expect(h.cmd(0, 0x60, undefined, { check: 'checksum' })[0]?.code).toBe(0x40);
  });
});

describe('commands', () => {
  it('NAK 03 for an unknown command, NAK 02 for a wrong payload length', () => {
    const h = new Harness(config());
    expect(nakCode(h.cmd(0, 0x69)[0])).toBe(0x03);
    expect(nakCode(h.cmd(1, 0x61)[0])).toBe(0x02);
  });

  it('LSTAT reports the configured tamper/power', () => {
    const h = new Harness(config({ lstat: { tamper: 1, power: 0 } }));
    const [r] = h.cmd(0, 0x64);
    expect(decodeReply(r!.code, r!.data)).toEqual({
      ok: true,
      value: { kind: 'LSTATR', tamper: 1, power: 0 },
    });
  });

  it('COMSET: NAK 02 for address 0x7F and above, NAK 09 for a non-standard baud, then osdp_COM and the switch', () => {
    const h = new Harness(config());
    expect(nakCode(h.cmd(0, 0x6e, fromHex('8080250000'))[0])).toBe(0x02);
    expect(nakCode(h.cmd(1, 0x6e, fromHex('0200080700'))[0])).toBe(0x09); // 460800: not in the default list
    const [com] = h.cmd(2, 0x6e, fromHex('0200c20100'));
    expect(com).toMatchObject({ address: 1, code: 0x54 });
    expect(h.types()).toEqual(['send', 'comset_applied']);
    expect(h.cmd(3, 0x60)).toEqual([]);
    expect(h.cmd(3, 0x60, undefined, { address: 2 })[0]).toMatchObject({ address: 2, code: 0x40 });
  });

  it('COMSET accepts extra bauds when configured', () => {
    const h = new Harness(config({ bauds: [9600, 460800] }));
    expect(h.cmd(0, 0x6e, fromHex('0200080700'))[0]?.code).toBe(0x54);
  });

  it('a repeated SQN with the same bytes resends the cached reply bit for bit', () => {
    const h = new Harness(config());
    h.cmd(0, 0x60);
    const first = h.cmd(1, 0x61, Uint8Array.of(0));
    const again = h.cmd(1, 0x61, Uint8Array.of(0));
    expect(h.types()).toEqual(['send']);
    expect(toHex(again[0]!.bytes)).toBe(toHex(first[0]!.bytes));
    expect(h.cmd(2, 0x60)[0]?.code).toBe(0x40);
  });

  it('a COMSET retried at the old address is not answered (the PD has moved, as libosdp)', () => {
    const h = new Harness(config());
    h.cmd(0, 0x60);
    h.cmd(1, 0x6e, fromHex('0580250000'));
    expect(h.types()).toEqual(['send', 'comset_applied']);
    expect(h.cmd(1, 0x6e, fromHex('0580250000'))).toEqual([]);
    expect(h.types()).toEqual(['ignored']);
  });

  it('SQN cycle 0,1,2,3,1: a skipped SQN is NAK 04', () => {
    const h = new Harness(config());
    for (const s of [0, 1, 2, 3, 1] as Sqn[]) expect(h.cmd(s, 0x60)[0]?.code).toBe(0x40);
    expect(nakCode(h.cmd(3, 0x60)[0])).toBe(0x04);
  });

  it('set_install_mode switches install mode', () => {
    const s = pdStep(pdInit(config()), { type: 'set_install_mode', installMode: true });
    expect(s.state.installMode).toBe(true);
    expect(s.outputs).toEqual([]);
  });
});

describe('receive limit (reference §1, §3.2): an over-size command is NAKed 0x02', () => {
  const withFc10 = (size: number) =>
    config({
      pdcap: [
        ...config().pdcap,
        { functionCode: 10, compliance: size & 0xff, numberOf: size >> 8 },
      ],
    });
  /** A command whose LEN is exactly `len`: unknown code 0x69 (NAK 0x03 once received whole) with zero data. */
  const sized = (
    len: number,
    sqn: Sqn = 0,
    o: { address?: number; mark?: boolean; check?: 'crc' | 'checksum' } = {},
  ): Bytes => {
    const check = o.check ?? 'crc';
    return buildFrame({
      address: o.address ?? 1,
      reply: false,
      sqn,
      check,
      code: 0x69,
      data: new Uint8Array(len - 6 - (check === 'crc' ? 2 : 1)),
      mark: o.mark,
    });
  };

  it('limit from PDCAP FC 10: LEN 64 is taken, LEN 65 draws NAK 0x02 with the header SQN, MARK mirrored', () => {
    const h = new Harness(withFc10(64));
    expect(nakCode(h.send(sized(64, 0))[0])).toBe(0x03); // within the limit: received whole, then unknown
    const frames = h.send(sized(65, 1, { mark: true }));
    expect(frames).toHaveLength(1);
    expect(frames[0]).toMatchObject({
      address: 1,
      reply: true,
      sqn: 1,
      check: 'crc',
      mark: true,
      code: 0x41,
      data: Uint8Array.of(0x02),
    });
  });

  it('answers at the header, before the rest of the frame arrives, and keeps its SQN state', () => {
    const h = new Harness(withFc10(64));
    expect(h.cmd(0, 0x60)[0]?.code).toBe(0x40);
    const big = sized(200, 1);
    const [nak] = h.send(big.subarray(0, 5));
    expect(nakCode(nak)).toBe(0x02);
    expect(nak!.sqn).toBe(1);
    expect(h.send(big.subarray(5))).toEqual([]); // the body is only noise now
    expect(h.cmd(1, 0x60)[0]?.code).toBe(0x40); // SQN 1 is still the expected next one
  });

  it('without FC 10 the limit is the spec maximum 1440; config.maxLength overrides both', () => {
    const h = new Harness(config());
    expect(h.send(sized(1440, 0).subarray(0, 5))).toEqual([]);
    const p = new Harness(config());
    expect(nakCode(p.send(sized(1441, 0).subarray(0, 5))[0])).toBe(0x02);
    const m = new Harness({ ...withFc10(64), maxLength: 128 });
    expect(m.send(sized(128, 0).subarray(0, 5))).toEqual([]);
    expect(
      nakCode(
        new Harness({ ...withFc10(64), maxLength: 128 }).send(sized(129, 0).subarray(0, 5))[0],
      ),
    ).toBe(0x02);
  });

  it('broadcast is NAKed from 0xFF; other addresses and reply headers are not answered', () => {
    const b = new Harness(withFc10(64)).send(sized(100, 0, { address: 0x7f }));
    expect(b[0]).toMatchObject({ address: 0x7f, code: 0x41, data: Uint8Array.of(0x02) });
    expect(new Harness(withFc10(64)).send(sized(100, 0, { address: 2 }))).toEqual([]);
    const reply = buildFrame({
      address: 1,
      reply: true,
      sqn: 0,
      check: 'crc',
      code: 0x40,
      data: new Uint8Array(100),
    });
    expect(new Harness(withFc10(64)).send(reply)).toEqual([]);
  });
});

describe('tick: the line went quiet (reference §1 inter-character timeout, §2.1 resync)', () => {
  it('a command buffered behind a false SOM is answered once the partial frame goes stale', () => {
    const h = new Harness(config());
    const poll = buildFrame({
      address: 1,
      reply: false,
      sqn: 0,
      check: 'crc',
      code: 0x60,
      data: new Uint8Array(0),
    });
    // 53 01 00 02 04: a plausible header claiming 512 bytes swallows the POLL.
    expect(h.send(Uint8Array.from([0x53, 0x01, 0x00, 0x02, 0x04, ...poll]), 0)).toEqual([]);
    let r = pdStep(h.state, { type: 'tick', at: 19 });
    expect(r.outputs).toEqual([]);
    r = pdStep(r.state, { type: 'tick', at: 20 });
    const sent = r.outputs.filter((o) => o.type === 'send');
    expect(sent).toHaveLength(1);
    const f = parseFrame(sent[0]!.type === 'send' ? sent[0]!.bytes : new Uint8Array(0));
    expect(f.ok && f.frame).toMatchObject({ address: 1, reply: true, sqn: 0, code: 0x40 });
    expect(r.outputs).toContainEqual({ type: 'ignored', reason: 'timeout', bytes: 5 });
    expect(r.state.rx.buf.length).toBe(0);
  });
});

describe('secure channel', () => {
  it('with the PD SCBK (kk=01): handshake, secure POLL, encrypted COMSET reply', () => {
    const h = new Harness(config());
    const hs = handshake(h, 1, SCBK);
    expect(hs.error).toBeUndefined();
    expect(h.types()).toContain('sc_established');
    let s = hs.session!;
    const p = secure(h, s, 2, 0x60);
    const ack = cpUnwrapReply(p.session, p.frames[0]!);
    expect(ack.ok && ack.code).toBe(0x40);
    s = ack.ok ? ack.session : s;
    const c = secure(h, s, 3, 0x6e, fromHex('0280250000'));
    expect(c.frames[0]?.scb?.type).toBe(0x18);
    const com = cpUnwrapReply(c.session, c.frames[0]!);
    expect(com.ok && decodeReply(com.code, com.data)).toEqual({
      ok: true,
      value: { kind: 'COM', address: 2, baud: 9600 },
    });
  });

  it('outside install mode ignores kk=00 and uses its SCBK, so the CP cryptogram check fails', () => {
    const h = new Harness(config());
    const hs = handshake(h, 0, SCBK_D);
    expect(hs.error).toBe('sc_cryptogram_mismatch');
    expect(hs.reply.code).toBe(0x76);
  });

  it('in install mode runs kk=00 on SCBK-D', () => {
    const h = new Harness(config({ installMode: true }));
    expect(handshake(h, 0, SCBK_D).error).toBeUndefined();
  });

  it('NAK 05 when there is no key for the request, or the PD has no SC', () => {
    expect(nakCode(handshake(new Harness(config({ scbk: null })), 1, SCBK).reply)).toBe(0x05);
    const noSc = new Harness(config({ pdcap: [{ functionCode: 8, compliance: 1, numberOf: 0 }] }));
    expect(nakCode(handshake(noSc, 1, SCBK).reply)).toBe(0x05);
  });

  it('NAK 05 on a server cryptogram mismatch, and the session does not start', () => {
    const h = new Harness(config());
    const ch = cpChallenge(1, SCBK, RND_A);
    h.send(buildFrame({ address: 1, reply: false, sqn: 0, check: 'crc', ...ch.chlng }));
    const [r] = h.send(
      buildFrame({
        address: 1,
        reply: false,
        sqn: 1,
        check: 'crc',
        scb: { type: 0x13, data: Uint8Array.of(1) },
        code: 0x77,
        data: new Uint8Array(16),
      }),
    );
    expect(nakCode(r)).toBe(0x05);
    expect(h.state.sc.phase).toBe('none');
  });

  it('a bad MAC gets NAK 06 in plaintext and drops the session', () => {
    const h = new Harness(config());
    const s = handshake(h, 1, SCBK).session!;
    const w = cpWrapCommand(s, {
      address: 1,
      sqn: 2,
      check: 'crc',
      code: 0x60,
      data: new Uint8Array(0),
    });
    const bad = w.bytes.slice();
    bad[8]! ^= 0x01; // inside the MAC; fix the CRC so only the MAC is wrong
    const f = parseFrame(bad);
    expect(f.ok).toBe(false);
    const rebuilt = buildFrame(
      {
        address: 1,
        reply: false,
        sqn: 2,
        check: 'crc',
        scb: { type: 0x15, data: new Uint8Array(0) },
        code: 0x60,
        data: new Uint8Array(0),
      },
      () => {
        const m = new Uint8Array(16);
        m.set(bad.subarray(8, 12));
        return m;
      },
    );
    const [r] = h.send(rebuilt);
    expect(nakCode(r)).toBe(0x06);
    expect(h.outputs).toContainEqual({ type: 'sc_dropped', reason: 'mac' });
    expect(h.state.sc.phase).toBe('none');
  });

  it('a plaintext command during SC gets NAK 06 and drops the session', () => {
    const h = new Harness(config());
    handshake(h, 1, SCBK);
    expect(nakCode(h.cmd(2, 0x60)[0])).toBe(0x06);
    expect(h.outputs).toContainEqual({ type: 'sc_dropped', reason: 'plaintext' });
  });

  it('SCRYPT while SC is active gets NAK 06; an unknown SCB type gets NAK 06', () => {
    const h = new Harness(config());
    handshake(h, 1, SCBK);
    const [r] = h.send(
      buildFrame({
        address: 1,
        reply: false,
        sqn: 2,
        check: 'crc',
        scb: { type: 0x13, data: Uint8Array.of(1) },
        code: 0x77,
        data: new Uint8Array(16),
      }),
    );
    expect(nakCode(r)).toBe(0x06);
    const [u] = h.send(
      buildFrame({
        address: 1,
        reply: false,
        sqn: 3,
        check: 'crc',
        scb: { type: 0x19, data: new Uint8Array(0) },
        code: 0x60,
        data: new Uint8Array(0),
      }),
    );
    expect(nakCode(u)).toBe(0x06);
  });

  it('SQN 0 drops the session', () => {
    const h = new Harness(config());
    handshake(h, 1, SCBK);
    const [r] = h.cmd(0, 0x60);
    expect(r).toMatchObject({ code: 0x40, sqn: 0 });
    expect(r!.scb).toBeUndefined();
    expect(h.outputs).toContainEqual({ type: 'sc_dropped', reason: 'sqn_reset' });
  });

  it('KEYSET: repeat resends the same ACK without applying the key twice; the new key works', () => {
    const h = new Harness(config({ installMode: true, scbk: null }));
    const s = handshake(h, 0, SCBK_D).session!;
    const newKey = fromHex('ffeeddccbbaa99887766554433221100');
    const k = secure(h, s, 2, 0x75, Uint8Array.from([1, 16, ...newKey]));
    expect(h.types()).toEqual(['send', 'keyset_applied', 'sc_dropped']);
    const ack = cpUnwrapReply(k.session, k.frames[0]!);
    expect(ack.ok && ack.code).toBe(0x40);
    const again = h.send(k.bytes);
    expect(h.types()).toEqual(['send']);
    expect(toHex(again[0]!.bytes)).toBe(toHex(k.frames[0]!.bytes));
    expect(h.state.installMode).toBe(false);
    expect(handshake(h, 0, SCBK_D).error).toBe('sc_cryptogram_mismatch');
    expect(handshake(h, 1, newKey).error).toBeUndefined();
  });

  it('KEYSET with a wrong key type is NAK 02 under SC', () => {
    const h = new Harness(config());
    const s = handshake(h, 1, SCBK).session!;
    const k = secure(h, s, 2, 0x75, Uint8Array.from([2, 16, ...SCBK]));
    const r = cpUnwrapReply(k.session, k.frames[0]!);
    expect(r.ok && r.code).toBe(0x41);
    expect(r.ok && r.data[0]).toBe(0x02);
  });

  it('drops SC after the idle timeout when times are given', () => {
    const h = new Harness(config());
    const ch = cpChallenge(1, SCBK, RND_A);
    const [cc] = h.send(
      buildFrame({ address: 1, reply: false, sqn: 0, check: 'crc', ...ch.chlng }),
      0,
    );
    const c = cpCheckCcrypt(ch.state, cc!);
    if (!c.ok) throw new Error(c.error.kind);
    const [rm] = h.send(
      buildFrame({ address: 1, reply: false, sqn: 1, check: 'crc', ...c.scrypt }),
      10,
    );
    const r = cpCheckRmacI(c.state, rm!);
    if (!r.ok) throw new Error(r.error.kind);
    const w = cpWrapCommand(r.session, {
      address: 1,
      sqn: 2,
      check: 'crc',
      code: 0x60,
      data: new Uint8Array(0),
    });
    const [n] = h.send(w.bytes, 8011);
    expect(h.outputs[0]).toEqual({ type: 'sc_dropped', reason: 'timeout' });
    expect(nakCode(n)).toBe(0x06);
  });

  it('a retried SQN-0 CHLNG gets the same CCRYPT (so the retry completes), or a fresh one with reprocess', () => {
    const chlng = buildFrame({
      address: 1,
      reply: false,
      sqn: 0,
      check: 'crc',
      ...cpChallenge(1, SCBK, RND_A).chlng,
    });
    const h = new Harness(config());
    const a = h.send(chlng)[0]!;
    const b = h.send(chlng)[0]!;
    expect(toHex(b.bytes)).toBe(toHex(a.bytes));
    expect(h.state.handshakes).toBe(1);
    const l = new Harness(config({ sqn0Repeat: 'reprocess' }));
    const c = l.send(chlng)[0]!;
    const d = l.send(chlng)[0]!;
    expect(toHex(c.bytes)).toBe(toHex(a.bytes));
    expect(toHex(d.bytes)).not.toBe(toHex(c.bytes));
    expect(l.state.handshakes).toBe(2);
  });

  it('seeded randomness is deterministic and differs per seed and per handshake', () => {
    const rndB = (seed: number, n: number): string[] => {
      const h = new Harness(config({ random: { seed } }));
      const out: string[] = [];
      for (let i = 0; i < n; i++) {
        const rndA = Uint8Array.of(i, 1, 2, 3, 4, 5, 6, 7);
        const [cc] = h.send(
          buildFrame({
            address: 1,
            reply: false,
            sqn: 0,
            check: 'crc',
            ...cpChallenge(1, SCBK, rndA).chlng,
          }),
        );
        out.push(toHex(cc!.data.subarray(8, 16)));
      }
      return out;
    };
    expect(rndB(5, 2)).toEqual(rndB(5, 2));
    expect(rndB(5, 1)).not.toEqual(rndB(6, 1));
    const [a, b] = rndB(5, 2);
    expect(a).not.toBe(b);
  });
});

describe('enforce-secure (libosdp ENFORCE_SECURE)', () => {
  it('outside a session takes only ID, CAP, CHLNG, SCRYPT; anything else draws NAK 0x06 and changes nothing', () => {
    const h = new Harness(config({ enforceSecure: true, scbk: null, installMode: true }));
    expect(h.cmd(0, 0x61, Uint8Array.of(0))[0]?.code).toBe(0x45);
    expect(h.cmd(1, 0x62, Uint8Array.of(0))[0]?.code).toBe(0x46);
    expect(nakCode(h.cmd(2, 0x6e, Uint8Array.of(5, 0x00, 0xc2, 0x01, 0x00))[0])).toBe(0x06);
    expect(h.outputs.some((o) => o.type === 'comset_applied')).toBe(false);
    expect(h.state.address).toBe(1);
    expect(nakCode(h.cmd(3, 0x60)[0])).toBe(0x06);
    expect(nakCode(h.cmd(1, 0x64)[0])).toBe(0x06);
    // broadcast ID is still answered (discovery works)
    expect(h.cmd(2, 0x61, Uint8Array.of(0), { address: 0x7f })[0]).toMatchObject({
      address: 0x7f,
      code: 0x45,
    });
  });

  it('without the flag the same PD takes plaintext COMSET', () => {
    const h = new Harness(config({ scbk: null, installMode: true }));
    expect(h.cmd(0, 0x6e, Uint8Array.of(5, 0x80, 0x25, 0x00, 0x00))[0]?.code).toBe(0x54);
  });

  it('in install mode runs an SCBK-D session, takes COMSET inside it, keeps the session across it, then KEYSET', () => {
    const h = new Harness(config({ enforceSecure: true, scbk: null, installMode: true }));
    const hs = handshake(h, 0, SCBK_D);
    expect(hs.error).toBeUndefined();
    const c = secure(h, hs.session!, 2, 0x6e, Uint8Array.of(5, 0x00, 0xc2, 0x01, 0x00));
    expect(h.outputs).toContainEqual({ type: 'comset_applied', address: 5, baud: 115200 });
    const com = cpUnwrapReply(c.session, c.frames[0]!);
    expect(com.ok && com.code).toBe(0x54);
    expect(h.state.sc.phase).toBe('active');
    expect(h.state.address).toBe(5);
    // The same session answers at the new address (SQN goes on, no restart).
    const w = cpWrapCommand(com.ok ? com.session : hs.session!, {
      address: 5,
      sqn: 3,
      check: 'crc',
      code: 0x61,
      data: Uint8Array.of(0),
    });
    const [id] = h.send(w.bytes);
    const idr = cpUnwrapReply(w.session, id!);
    expect(idr.ok && idr.code).toBe(0x45);
  });
});

describe('a security block a PD does not take on a command', () => {
  // With a session open, each SCB type on an osdp_POLL: what the PD answers, and whether the session
  // survives (a later secured POLL still verifies). 0x10/0x19 are no SCS type at all; SCS_11 and
  // SCS_13 belong to the handshake; SCS_12/14/16/18 are the PD's own (reply) types.
  const answers = (type: number) => {
    const h = new Harness(config());
    const { session } = handshake(h, 1, SCBK);
    const frames = h.send(
      buildFrame(
        {
          address: 1,
          reply: false,
          sqn: 2,
          check: 'crc',
          scb: { type, data: new Uint8Array(0) },
          code: 0x60,
          data: new Uint8Array(0),
        },
        () => new Uint8Array(16),
      ),
    );
    const outputs = h.outputs
      .filter((o) => o.type !== 'send')
      .map((o) => ('reason' in o ? `${o.type}:${o.reason}` : o.type));
    const after = secure(h, session!, 3, 0x60).frames[0];
    return {
      reply: frames[0]
        ? `${frames[0].code === 0x41 ? `NAK ${frames[0].data[0]}` : `0x${frames[0].code.toString(16)}`}${frames[0].scb ? ` SCS_${frames[0].scb.type.toString(16)}` : ''}`
        : 'none',
      outputs,
      sessionAfter: after?.scb?.type === 0x16 ? 'kept' : 'dropped',
    };
  };
  it.each([0x10, 0x11, 0x12, 0x13, 0x14, 0x16, 0x18, 0x19].map((t) => [`0x${t.toString(16)}`, t]))(
    'SCB type %s',
    (_name, type) => {
      expect(answers(type)).toMatchSnapshot();
    },
  );
});
