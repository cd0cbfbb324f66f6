// The ACU link against the PD model: secure-channel failures (reference §5.8), interoperability
// pitfalls (§7) and requests the link refuses.
import { describe, expect, it } from 'vitest';
import { buildFrame } from '../src/frame.ts';
import { SCBK_D } from '../src/sc-crypto.ts';
import { pdRejectedRmacI } from '../src/secure-channel.ts';
import { flipMac, parsed, reframe, workedSessionPd } from './support/acu-sim.ts';
import { HEX, NEW_SCBK, RND_A1, RND_A2, err, ok, setup, txs } from './support/acu-setup.ts';

describe('secure-channel failures (reference §5.8, §7)', () => {
  it('CHLNG to a PD without SC support: NAK 0x05', async () => {
    const pd = workedSessionPd();
    const { link } = setup({ ...pd, pdcap: pd.pdcap.filter((e) => e.functionCode !== 9) });
    expect(err(await link.handshake(0, SCBK_D, RND_A1))).toMatchObject({
      kind: 'nak',
      stage: 'chlng',
      code: 5,
    });
  });

  it('SCBK-D requested but the PD is not in install mode: cryptogram mismatch (PD uses its SCBK)', async () => {
    const { link } = setup(workedSessionPd({ installMode: false, scbk: NEW_SCBK }));
    expect(err(await link.handshake(0, SCBK_D, RND_A1))).toMatchObject({
      kind: 'sc_cryptogram_mismatch',
      stage: 'chlng',
    });
  });

  it('SCBK-D requested, PD not in install mode and without a key: NAK 0x05', async () => {
    const { link } = setup(workedSessionPd({ installMode: false, scbk: null }));
    expect(err(await link.handshake(0, SCBK_D, RND_A1))).toMatchObject({
      kind: 'nak',
      stage: 'chlng',
      code: 5,
    });
  });

  it('wrong SCBK with kk=01: client cryptogram mismatch; retrying with the right key works', async () => {
    const { link } = setup(workedSessionPd({ installMode: false, scbk: NEW_SCBK }));
    expect(err(await link.handshake(1, SCBK_D, RND_A1)).kind).toBe('sc_cryptogram_mismatch');
    ok(await link.handshake(1, NEW_SCBK, RND_A2));
  });

  it('CCRYPT echoing another key indicator is rejected', async () => {
    const { line, link } = setup();
    line.fault = (n) =>
      n === 0
        ? {
            reply: (r) => r.map((b) => reframe(b, { scb: { type: 0x12, data: Uint8Array.of(1) } })),
          }
        : undefined;
    expect(err(await link.handshake(0, SCBK_D, RND_A1))).toMatchObject({
      kind: 'sc_key_indicator_mismatch',
      sent: 0,
      echoed: 1,
    });
  });

  it('server cryptogram wrong: the PD answers NAK 0x05', async () => {
    const { line, link } = setup();
    line.fault = (n, sent) => {
      if (n !== 1) return undefined;
      const f = parsed(sent);
      const bad = f.data.slice();
      bad[0]! ^= 1;
      return { command: reframe(sent, { data: bad }) };
    };
    expect(err(await link.handshake(0, SCBK_D, RND_A1))).toMatchObject({
      kind: 'nak',
      stage: 'scrypt',
      code: 5,
    });
    expect(link.hasSession).toBe(false);
  });

  it('RMAC_I with ss = 0xFF, or a wrong RMAC-I value, fails the handshake', async () => {
    const { line, link } = setup();
    line.fault = (n) =>
      n === 1
        ? {
            reply: () => [
              buildFrame({ address: 1, reply: true, sqn: 1, check: 'crc', ...pdRejectedRmacI() }),
            ],
          }
        : undefined;
    expect(err(await link.handshake(0, SCBK_D, RND_A1))).toMatchObject({
      kind: 'sc_rmac_status',
      status: 0xff,
      stage: 'scrypt',
    });
    const { line: l2, link: k2 } = setup();
    l2.fault = (n) =>
      n === 1
        ? { reply: (r) => r.map((b) => reframe(b, { data: new Uint8Array(16) })) }
        : undefined;
    expect(err(await k2.handshake(0, SCBK_D, RND_A1)).kind).toBe('sc_rmac_mismatch');
    expect(k2.hasSession).toBe(false);
  });

  it('a handshake that draws no reply times out with its stage', async () => {
    const { line, link } = setup(workedSessionPd(), { tries: 2 });
    line.fault = (n) => (n >= 1 ? { command: null } : undefined);
    expect(err(await link.handshake(0, SCBK_D, RND_A1))).toEqual({
      kind: 'timeout',
      stage: 'scrypt',
      tries: 2,
    });
  });

  it('bad MAC on a command: the PD drops the session and NAKs 0x06 in plaintext; the link drops its session too', async () => {
    const { line, link } = setup();
    ok(await link.handshake(0, SCBK_D, RND_A1));
    line.fault = (n, sent) => (n === 2 ? { command: flipMac(sent) } : undefined);
    const e = err(await link.send({ kind: 'POLL' }, { secure: true }));
    expect(e).toMatchObject({ kind: 'nak', code: 6, sessionDropped: true, restarted: false });
    expect(link.hasSession).toBe(false);
    expect(line.pdOutputs).toContain('sc_dropped:mac');
    expect(err(await link.send({ kind: 'POLL' }, { secure: true })).kind).toBe('sc_no_session');
    ok(await link.handshake(0, SCBK_D, RND_A1)); // still in install mode: re-handshake works
  });

  it('bad MAC on every reply: sc_mac_mismatch once the tries are spent, session dropped', async () => {
    const { line, link } = setup();
    ok(await link.handshake(0, SCBK_D, RND_A1));
    line.fault = (n) => (n >= 2 ? { reply: (r) => r.map(flipMac) } : undefined);
    expect(err(await link.send({ kind: 'POLL' }, { secure: true }))).toMatchObject({
      kind: 'sc_mac_mismatch',
      stage: 'command',
    });
    expect(link.hasSession).toBe(false);
  });

  it('bad MAC on one reply: the identical bytes go out again at once, the PD resends its cached reply, the session lives', async () => {
    const { line, link } = setup();
    ok(await link.handshake(0, SCBK_D, RND_A1));
    const before = line.log.filter((e) => e.dir === 'tx').length;
    line.fault = (n) => (n === 2 ? { reply: (r) => r.map(flipMac) } : undefined);
    expect(ok(await link.send({ kind: 'POLL' }, { secure: true })).tries).toBe(2);
    const sent = line.log.filter((e) => e.dir === 'tx').slice(before);
    expect(sent).toHaveLength(2);
    expect(HEX(sent[1]!.bytes)).toBe(HEX(sent[0]!.bytes));
    expect(link.hasSession).toBe(true);
    ok(await link.send({ kind: 'POLL' }, { secure: true })); // the MAC chain is intact
  });

  it('a plaintext command during the session: the PD NAKs 0x06 and drops it', async () => {
    const { line, link } = setup();
    ok(await link.handshake(0, SCBK_D, RND_A1));
    expect(err(await link.send({ kind: 'POLL' }))).toMatchObject({
      kind: 'nak',
      code: 6,
      sessionDropped: true,
    });
    expect(line.pdOutputs).toContain('sc_dropped:plaintext');
  });

  it('KEYSET outside the secure channel is refused by the link: the key never goes on the wire (§3.6)', async () => {
    // (A PD that did receive one answers NAK 0x06: libosdp capture in pd.vectors.test.ts.)
    const { line, link } = setup();
    expect(err(await link.send({ kind: 'KEYSET', keyType: 1, key: NEW_SCBK }))).toMatchObject({
      kind: 'bad_request',
    });
    expect(
      err(await link.send({ kind: 'KEYSET', keyType: 1, key: NEW_SCBK }, { secure: true })),
    ).toMatchObject({ kind: 'bad_request' });
    expect(txs(line)).toEqual([]);
  });

  it('a restart (SQN 0) drops the session on both sides', async () => {
    const { line, link } = setup();
    ok(await link.handshake(0, SCBK_D, RND_A1));
    link.restart();
    expect(link.hasSession).toBe(false);
    ok(await link.send({ kind: 'POLL' }));
    expect(line.pdOutputs).toContain('sc_dropped:sqn_reset');
  });

  it('commands without data go as SCS_15, with data as SCS_17 (never SCS_17 with empty data)', async () => {
    const { line, link } = setup();
    ok(await link.handshake(0, SCBK_D, RND_A1));
    ok(await link.send({ kind: 'POLL' }, { secure: true }));
    ok(await link.send({ kind: 'ID', reportType: 0 }, { secure: true }));
    const [poll, id] = line.sentFrames().slice(-2);
    expect(poll!.scb!.type).toBe(0x15);
    expect(id!.scb!.type).toBe(0x17);
  });
});

describe('interoperability pitfalls (reference §7)', () => {
  it('COMSET whose osdp_COM is lost: the identical retries go unanswered at the old settings; the new settings answer from SQN 0', async () => {
    const { line, link } = setup(workedSessionPd({ address: 0 }), { address: 0, tries: 2 });
    ok(await link.send({ kind: 'ID', reportType: 0 }));
    line.fault = (n) => (n === 1 ? { reply: () => [] } : undefined);
    const e = err(await link.send({ kind: 'COMSET', address: 6, baud: 38400 }));
    expect(e).toMatchObject({ kind: 'timeout', tries: 2 });
    const [c1, c2] = txs(line).slice(1);
    expect(HEX(c2!.bytes)).toBe(HEX(c1!.bytes));
    // Probe the new settings (reference §3.5): restart at SQN 0 at the new address and baud.
    line.setBaud(38400);
    link.setBaud(38400);
    link.restart();
    const probe = ok(await link.send({ kind: 'ID', reportType: 0 }, { address: 6 }));
    expect(probe.from).toBe(6);
    expect(line.sentFrames().at(-1)!.sqn).toBe(0);
  });

  it('a PD that dropped SC after its idle timeout answers NAK 0x06; the link drops its session and a new handshake works', async () => {
    const { line, link } = setup(workedSessionPd({ scTimeoutMs: 8000 }));
    ok(await link.handshake(0, SCBK_D, RND_A1));
    ok(await link.send({ kind: 'POLL' }, { secure: true }));
    line.t += 9000; // no secure traffic for 9 s
    expect(err(await link.send({ kind: 'POLL' }, { secure: true }))).toMatchObject({
      kind: 'nak',
      code: 6,
      sessionDropped: true,
    });
    expect(link.hasSession).toBe(false);
    ok(await link.handshake(0, SCBK_D, RND_A2));
    ok(await link.send({ kind: 'POLL' }, { secure: true }));
  });

  it('a secured NAK (SCS_18) keeps the session and advances the chain', async () => {
    const { link } = setup();
    ok(await link.handshake(0, SCBK_D, RND_A1));
    // The PD model answers an unknown command with NAK 0x03 inside the session.
    const e = err(
      await link.send({ kind: 'unknown', code: 0x6a, data: new Uint8Array(0) }, { secure: true }),
    );
    expect(e).toMatchObject({ kind: 'nak', code: 3, sessionDropped: false });
    expect(link.hasSession).toBe(true);
    ok(await link.send({ kind: 'POLL' }, { secure: true }));
  });
});

describe('a reply behind a false SOM (reference §2.1 resync, §7 pitfall 13)', () => {
  it('through the driver: the reply is taken at the first try once the false frame goes stale', async () => {
    const { line, link } = setup();
    // A stray 53 81 00 02 04 (a header claiming 512 bytes) lands just before the PD's answer.
    line.fault = (n) =>
      n === 0
        ? { reply: (r) => [Uint8Array.from([0x53, 0x81, 0x00, 0x02, 0x04, ...r[0]!])] }
        : undefined;
    const r = ok(await link.send({ kind: 'ID', reportType: 0 }, { policy: { tries: 1 } }));
    expect(r).toMatchObject({ reply: { kind: 'PDID' }, tries: 1 });
    expect(txs(line)).toHaveLength(1);
  });
});

describe('NAK 0x02 to a frame every PD takes (≤ 128 bytes): a header hit by noise', () => {
  const nak02 = (sqn: 0 | 1 | 2 | 3) =>
    buildFrame({
      address: 1,
      reply: true,
      sqn,
      check: 'crc',
      code: 0x41,
      data: Uint8Array.of(0x02),
    });

  it('the identical bytes go again and the real answer is taken', async () => {
    const { line, link } = setup();
    line.fault = (n) => (n === 0 ? { command: null, reply: () => [nak02(0)] } : undefined);
    expect(
      ok(await link.send({ kind: 'ID', reportType: 0 }, { policy: { tries: 2 } })),
    ).toMatchObject({ reply: { kind: 'PDID' }, tries: 2 });
    const [a, b] = txs(line);
    expect(HEX(b!.bytes)).toBe(HEX(a!.bytes));
  });

  it('a NAK 0x02 that persists is the answer once the tries are spent', async () => {
    const { line, link } = setup();
    line.fault = () => ({ command: null, reply: () => [nak02(0)] });
    expect(
      err(await link.send({ kind: 'ID', reportType: 0 }, { policy: { tries: 3 } })),
    ).toMatchObject({ kind: 'nak', code: 2 });
    expect(txs(line)).toHaveLength(3);
  });
});

describe('requests the link refuses', () => {
  it('a second request while one is in flight gets link_busy; the first completes', async () => {
    const { link } = setup();
    const first = link.send({ kind: 'ID', reportType: 0 });
    expect(err(await link.send({ kind: 'POLL' }))).toEqual({ kind: 'link_busy' });
    expect(ok(await first).reply.kind).toBe('PDID');
  });

  it('secure send without a session, secure or handshake on broadcast, malformed handshake inputs', async () => {
    const { link } = setup();
    expect(err(await link.send({ kind: 'POLL' }, { secure: true })).kind).toBe('sc_no_session');
    expect(err(await link.handshake(0, SCBK_D, RND_A1, { address: 0x7f })).kind).toBe(
      'bad_request',
    );
    expect(err(await link.handshake(0, SCBK_D, new Uint8Array(7))).kind).toBe('bad_request');
    expect(err(await link.send({ kind: 'ID', reportType: 300 })).kind).toBe('bad_request');
    expect(err(await link.send({ kind: 'POLL' }, { address: 0x80 })).kind).toBe('bad_request');
  });
});
