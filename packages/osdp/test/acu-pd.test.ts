// The ACU link (acu-link.ts via acu-driver.ts) against the PD model (pd.ts) on a virtual-time line.
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../src/bytes.ts';
import { AcuDriver } from '../src/acu-driver.ts';
import type { AcuConfig, AcuResult } from '../src/acu-types.ts';
import { osdp_BUSY, osdp_NAK } from '../src/codes.ts';
import { buildFrame } from '../src/frame.ts';
import { SCBK_D } from '../src/sc-crypto.ts';
import { pdRejectedRmacI } from '../src/secure-channel.ts';
import { SimLine, corrupt, flipMac, parsed, reframe, wire, workedSession, workedSessionPd } from './support/acu-sim.ts';

const h = fromHex;
const HEX = (b: Uint8Array): string => toHex(b).toUpperCase();
const NEW_SCBK = h(workedSession.keys_session2.scbk);
const RND_A1 = h(workedSession.keys_session1.rnd_a);
const RND_A2 = h(workedSession.keys_session2.rnd_a);

function setup(pd = workedSessionPd(), acu: Partial<AcuConfig> = {}) {
  const line = new SimLine(pd);
  const link = new AcuDriver(line, { address: pd.address, baud: pd.baud, ...acu });
  return { line, link };
}

function ok(r: AcuResult): Extract<AcuResult, { ok: true }> {
  if (!r.ok) throw new Error(`expected ok, got ${JSON.stringify(r.error)}`);
  return r;
}

function err(r: AcuResult) {
  if (r.ok) throw new Error(`expected an error, got ${r.reply.kind}`);
  return r.error;
}

const txs = (line: SimLine) => line.log.filter((e) => e.dir === 'tx');

describe('provisioning exchange, ACU link ↔ PD model', () => {
  it('reproduces the worked provisioning session (vectors.json) byte for byte on the wire', async () => {
    const { line, link } = setup();
    ok(await link.send({ kind: 'ID', reportType: 0 }));
    ok(await link.send({ kind: 'CAP', reportType: 0 }));
    ok(await link.handshake(0, SCBK_D, RND_A1));
    expect(ok(await link.send({ kind: 'POLL' }, { secure: true })).reply.kind).toBe('ACK');
    const lstat = ok(await link.send({ kind: 'LSTAT' }, { secure: true }));
    expect(lstat.reply).toEqual({ kind: 'LSTATR', tamper: 0, power: 0 });
    const keyset = ok(await link.send({ kind: 'KEYSET', keyType: 1, key: NEW_SCBK }, { secure: true }));
    expect(keyset).toMatchObject({ reply: { kind: 'ACK' }, secure: true, sessionDropped: true });
    expect(link.hasSession).toBe(false);
    ok(await link.handshake(1, NEW_SCBK, RND_A2));
    ok(await link.send({ kind: 'POLL' }, { secure: true }));

    const wireHex = line.log.map((e) => HEX(e.bytes));
    const expected = workedSession.steps.map((s) => s.packet_hex);
    expect(wireHex.slice(0, 19)).toEqual(expected);
    expect(wireHex).toHaveLength(20); // + the PD's ACK to the last POLL
    expect(line.pd.scbk && HEX(line.pd.scbk)).toBe(HEX(NEW_SCBK));
    expect(line.pd.installMode).toBe(false);
  });

  it('ID, COMSET, SCBK-D session, KEYSET, fresh session on the new key, secured POLL; SCBK-D is refused afterwards', async () => {
    const { line, link } = setup(workedSessionPd({ address: 0x00 }), { address: 0x7f });
    // Discover with a broadcast ID: the PD answers from 0xFF.
    const id = ok(await link.send({ kind: 'ID', reportType: 0 }));
    expect(id.from).toBe(0x7f);
    expect(id.reply.kind).toBe('PDID');
    // COMSET to address 5 at 115200; osdp_COM arrives at the old settings.
    const com = ok(await link.send({ kind: 'COMSET', address: 5, baud: 115200 }));
    expect(com.reply).toEqual({ kind: 'COM', address: 5, baud: 115200 });
    line.setBaud(115200);
    link.setBaud(115200);
    link.restart();
    const confirm = ok(await link.send({ kind: 'ID', reportType: 0 }, { address: 5 }));
    expect(confirm.from).toBe(5);
    expect(link.state.nextSqn).toBe(1);

    ok(await link.handshake(0, SCBK_D, RND_A1, { address: 5 }));
    ok(await link.send({ kind: 'KEYSET', keyType: 1, key: NEW_SCBK }, { secure: true, address: 5 }));
    ok(await link.handshake(1, NEW_SCBK, RND_A2, { address: 5 }));
    const poll = ok(await link.send({ kind: 'POLL' }, { secure: true, address: 5 }));
    expect(poll).toMatchObject({ reply: { kind: 'ACK' }, secure: true, from: 5 });

    // Install mode is over: SCBK-D no longer works (the PD uses its SCBK, as libosdp does).
    expect(err(await link.handshake(0, SCBK_D, RND_A1, { address: 5 })).kind).toBe('sc_cryptogram_mismatch');
    // Guarantee 6: every frame the provisioner sent carries CRC-16.
    expect(line.sentFrames().every((f) => f.check === 'crc')).toBe(true);
  });

  it('accepts the plaintext KEYSET-ACK (HID) and drops the session; the new key then works', async () => {
    const { line, link } = setup(workedSessionPd({ keysetAck: 'plaintext' }));
    ok(await link.handshake(0, SCBK_D, RND_A1));
    const r = ok(await link.send({ kind: 'KEYSET', keyType: 1, key: NEW_SCBK }, { secure: true }));
    expect(r).toMatchObject({ reply: { kind: 'ACK' }, secure: false, sessionDropped: true });
    const ack = parsed(line.log.at(-1)!.bytes);
    expect(ack.scb).toBeUndefined();
    expect(ack.code).toBe(0x40);
    expect(link.hasSession).toBe(false);
    ok(await link.handshake(1, NEW_SCBK, RND_A2));
    expect(ok(await link.send({ kind: 'POLL' }, { secure: true })).secure).toBe(true);
  });

  it('a plaintext ACK to anything but KEYSET during a session is rejected (sc_not_secured)', async () => {
    const { line, link } = setup();
    ok(await link.handshake(0, SCBK_D, RND_A1));
    line.fault = () => ({ command: null, reply: () => [buildFrame({ address: 1, reply: true, sqn: 2, check: 'crc', code: 0x40, data: new Uint8Array(0) })] });
    expect(err(await link.send({ kind: 'POLL' }, { secure: true })).kind).toBe('sc_not_secured');
    expect(link.hasSession).toBe(false);
  });
});

describe('SQN and retransmission', () => {
  it('SQN is 0 on the first command, then 1, 2, 3, 1 — advancing only after valid replies', async () => {
    const { line, link } = setup();
    for (let i = 0; i < 5; i++) ok(await link.send({ kind: 'POLL' }));
    expect(line.sentFrames().map((f) => f.sqn)).toEqual([0, 1, 2, 3, 1]);
    link.restart();
    ok(await link.send({ kind: 'POLL' }));
    expect(line.sentFrames().at(-1)!.sqn).toBe(0);
  });

  it('a lost reply is answered by resending the identical frame with the same SQN; the PD resends its cached reply', async () => {
    const { line, link } = setup();
    ok(await link.send({ kind: 'ID', reportType: 0 }));
    line.fault = (n) => (n === 1 ? { reply: () => [] } : undefined); // drop the reply to the 2nd transmission
    const r = ok(await link.send({ kind: 'CAP', reportType: 0 }));
    expect(r.tries).toBe(2);
    const t = txs(line);
    expect(t).toHaveLength(3);
    expect(HEX(t[2]!.bytes)).toBe(HEX(t[1]!.bytes));
    expect(parsed(t[2]!.bytes).sqn).toBe(1);
    // Resent after our frame's wire time + 200 ms.
    expect(t[2]!.at - t[1]!.at).toBeCloseTo(wire(t[1]!.bytes.length, 9600) + 200, 6);
    const rx = line.log.filter((e) => e.dir === 'rx');
    expect(rx).toHaveLength(2);
    ok(await link.send({ kind: 'POLL' }));
    expect(line.sentFrames().at(-1)!.sqn).toBe(2);
  });

  it('under the secure channel the retransmission is byte-identical and the chain still verifies', async () => {
    const { line, link } = setup();
    ok(await link.handshake(0, SCBK_D, RND_A1));
    const before = txs(line).length;
    line.fault = (n) => (n === before ? { reply: () => [] } : undefined);
    const r = ok(await link.send({ kind: 'LSTAT' }, { secure: true }));
    expect(r).toMatchObject({ secure: true, tries: 2, reply: { kind: 'LSTATR' } });
    const t = txs(line);
    expect(HEX(t.at(-1)!.bytes)).toBe(HEX(t.at(-2)!.bytes));
    expect(parsed(t.at(-1)!.bytes).scb!.type).toBe(0x15);
    ok(await link.send({ kind: 'POLL' }, { secure: true }));
  });

  it('a corrupt reply (bad CRC) is retried with the same bytes', async () => {
    const { line, link } = setup();
    line.fault = (n) => (n === 0 ? { reply: (r) => r.map(corrupt) } : undefined);
    const r = ok(await link.send({ kind: 'ID', reportType: 0 }));
    expect(r.tries).toBe(2);
    const t = txs(line);
    expect(HEX(t[1]!.bytes)).toBe(HEX(t[0]!.bytes));
  });

  it('a damaged frame does not end the wait: the valid reply after it is taken without a retry', async () => {
    const { line, link } = setup();
    line.fault = () => ({ reply: (r) => [corrupt(r[0]!), ...r] });
    expect(ok(await link.send({ kind: 'ID', reportType: 0 })).tries).toBe(1);
  });

  it('a stale reply with our SQN but a code that cannot answer the command is ignored', async () => {
    const { line, link } = setup();
    ok(await link.send({ kind: 'ID', reportType: 0 }));
    link.restart();
    // A second PDID with SQN 0 (as a PD sends when it answers both copies of a retried ID) arrives
    // first; the handshake must not take it for the CCRYPT.
    const stale = line.log.find((e) => e.dir === 'rx')!.bytes;
    line.fault = (n) => (n === 1 ? { reply: (r) => [stale, ...r] } : undefined);
    ok(await link.handshake(0, SCBK_D, RND_A1));
  });

  it('a silent PD costs `tries` identical transmissions, then a timeout; the link restarts', async () => {
    const { line, link } = setup(workedSessionPd(), { tries: 3, triesIfSilent: 3 });
    ok(await link.send({ kind: 'POLL' }));
    line.fault = () => ({ command: null });
    const e = err(await link.send({ kind: 'POLL' }));
    expect(e).toEqual({ kind: 'timeout', stage: 'command', tries: 3 });
    const t = txs(line).slice(1);
    expect(t).toHaveLength(3);
    expect(new Set(t.map((x) => HEX(x.bytes))).size).toBe(1);
    expect(parsed(t[0]!.bytes).sqn).toBe(1);
    expect(link.state.nextSqn).toBe(0);
  });

  it('garbled answers on every try give bad_reply, not timeout', async () => {
    const { line, link } = setup(workedSessionPd(), { tries: 2 });
    line.fault = () => ({ reply: (r) => r.map(corrupt) });
    expect(err(await link.send({ kind: 'POLL' }))).toMatchObject({ kind: 'bad_reply', stage: 'command', tries: 2 });
  });

  it('a slow PD (reply after the deadline) is picked up on the retry', async () => {
    const { line, link } = setup();
    line.fault = (n) => (n === 0 ? { turnaroundMs: 250 } : undefined);
    const r = ok(await link.send({ kind: 'ID', reportType: 0 }));
    expect(r.tries).toBe(2);
    expect(txs(line)).toHaveLength(2);
  });

  it('osdp_BUSY (SQN 0): waits, resends the same bytes with the same SQN, not counted as a try', async () => {
    const { line, link } = setup(workedSessionPd(), { tries: 1, busyDelayMs: 50 });
    ok(await link.send({ kind: 'POLL' }));
    const busy = buildFrame({ address: 1, reply: true, sqn: 0, check: 'crc', code: osdp_BUSY, data: new Uint8Array(0) });
    line.fault = (n) => (n === 1 || n === 2 ? { command: null, reply: () => [busy] } : undefined);
    const r = ok(await link.send({ kind: 'ID', reportType: 0 }));
    expect(r.reply.kind).toBe('PDID');
    const t = txs(line).slice(1);
    expect(t).toHaveLength(3);
    expect(new Set(t.map((x) => HEX(x.bytes))).size).toBe(1);
    expect(parsed(t[0]!.bytes).sqn).toBe(1);
    expect(t[1]!.at - t[0]!.at).toBeGreaterThanOrEqual(50);
    ok(await link.send({ kind: 'POLL' }));
    expect(line.sentFrames().at(-1)!.sqn).toBe(2);
  });

  it('gives up with kind busy when the PD stays busy', async () => {
    const { line, link } = setup(workedSessionPd(), { maxBusy: 2 });
    const busy = buildFrame({ address: 1, reply: true, sqn: 0, check: 'crc', code: osdp_BUSY, data: new Uint8Array(0) });
    line.fault = () => ({ command: null, reply: () => [busy] });
    expect(err(await link.send({ kind: 'POLL' }))).toEqual({ kind: 'busy', stage: 'command', count: 3 });
  });

  it('NAK 0x04 restarts the link: next command with SQN 0, session dropped', async () => {
    const { line, link } = setup();
    ok(await link.handshake(0, SCBK_D, RND_A1));
    const nak04 = buildFrame({ address: 1, reply: true, sqn: 1, check: 'crc', code: osdp_NAK, data: Uint8Array.of(0x04) });
    line.fault = (n) => (n === 2 ? { command: null, reply: () => [nak04] } : undefined);
    const e = err(await link.send({ kind: 'POLL' }, { secure: true }));
    expect(e).toMatchObject({ kind: 'nak', code: 4, restarted: true, sessionDropped: true });
    expect(link.state.nextSqn).toBe(0);
    line.fault = () => undefined;
    ok(await link.send({ kind: 'POLL' }));
    expect(line.sentFrames().at(-1)!.sqn).toBe(0);
  });

  it('the PD model itself answers an out-of-order SQN with NAK 04 (carrying another SQN), which the link accepts', async () => {
    const { line, link } = setup();
    ok(await link.send({ kind: 'POLL' })); // PD now expects 1
    line.fault = (n) => (n === 1 ? { command: reframe(txs(line)[1]!.bytes, { sqn: 3 }) } : undefined);
    expect(err(await link.send({ kind: 'POLL' }))).toMatchObject({ kind: 'nak', code: 4, restarted: true });
  });
});

describe('replies the link must ignore or accept', () => {
  it('accepts checksum replies although it always sends CRC', async () => {
    const { line, link } = setup();
    line.fault = () => ({ reply: (r) => r.map((b) => reframe(b, { check: 'checksum' })) });
    const r = ok(await link.send({ kind: 'ID', reportType: 0 }));
    expect(r.frame.check).toBe('checksum');
    expect(line.sentFrames()[0]!.check).toBe('crc');
  });

  it('broadcast: accepts a reply from 0xFF or from the PD’s own address, not from another address', async () => {
    const { line, link } = setup(workedSessionPd({ address: 3 }), { address: 3 });
    expect(ok(await link.send({ kind: 'POLL' }, { address: 0x7f })).from).toBe(0x7f);
    line.fault = () => ({ reply: (r) => r.map((b) => reframe(b, { address: 3 })) });
    expect(ok(await link.send({ kind: 'POLL' }, { address: 0x7f })).from).toBe(3);
    line.fault = () => ({ reply: (r) => r.map((b) => reframe(b, { address: 9 })) });
    expect(err(await link.send({ kind: 'POLL' }, { address: 0x7f }))).toMatchObject({ kind: 'bad_reply' });
  });

  it('broadcast with the PD address unknown (0x7F) accepts a reply from any address', async () => {
    const { line, link } = setup(workedSessionPd({ address: 3 }), { address: 0x7f });
    line.fault = () => ({ reply: (r) => r.map((b) => reframe(b, { address: 3 })) });
    expect(ok(await link.send({ kind: 'ID', reportType: 0 })).from).toBe(3);
  });

  it('ignores frames without the reply bit (our echo, another master) and stale replies with another SQN', async () => {
    const { line, link } = setup();
    ok(await link.send({ kind: 'POLL' }));
    line.fault = (_n, sent) => ({
      reply: (r) => [
        sent, // RS-485 echo of our own command
        buildFrame({ address: 1, reply: false, sqn: 1, check: 'crc', code: 0x60, data: new Uint8Array(0) }),
        buildFrame({ address: 1, reply: true, sqn: 3, check: 'crc', code: 0x40, data: new Uint8Array(0) }), // stale
        ...r,
      ],
    });
    const res = ok(await link.send({ kind: 'ID', reportType: 0 }));
    expect(res).toMatchObject({ reply: { kind: 'PDID' }, tries: 1 });
  });

  it('an echo alone does not count as hearing the PD: silence still ends as timeout', async () => {
    const { line, link } = setup(workedSessionPd(), { tries: 2 });
    line.fault = (_n, sent) => ({ command: null, reply: () => [sent] });
    expect(err(await link.send({ kind: 'POLL' })).kind).toBe('timeout');
  });

  it('a reply split across reads and arriving past the deadline mid-frame is still taken', async () => {
    const { line, link } = setup();
    // The reply starts 5 ms before the deadline and arrives byte by byte, ending ~15 ms after it.
    line.fault = () => ({ turnaroundMs: 195, chunkBytes: 1 });
    const r = ok(await link.send({ kind: 'ID', reportType: 0 }));
    expect(r.tries).toBe(1);
    const rx = line.log.filter((e) => e.dir === 'rx');
    expect(rx.length).toBe(20);
    expect(rx.at(-1)!.at).toBeGreaterThan(wire(9, 9600) + 200);
    // A gap longer than the inter-character timeout after the deadline ends the wait instead.
    const { line: l2, link: k2 } = setup(workedSessionPd(), { tries: 1 });
    l2.fault = () => ({ turnaroundMs: 190, reply: (r) => [r[0]!.subarray(0, 8)] });
    expect(err(await k2.send({ kind: 'ID', reportType: 0 }))).toMatchObject({ kind: 'bad_reply' });
  });
});

describe('secure-channel failures (reference §5.8, §7)', () => {
  it('CHLNG to a PD without SC support: NAK 0x05', async () => {
    const pd = workedSessionPd();
    const { link } = setup({ ...pd, pdcap: pd.pdcap.filter((e) => e.functionCode !== 9) });
    expect(err(await link.handshake(0, SCBK_D, RND_A1))).toMatchObject({ kind: 'nak', stage: 'chlng', code: 5 });
  });

  it('SCBK-D requested but the PD is not in install mode: cryptogram mismatch (PD uses its SCBK)', async () => {
    const { link } = setup(workedSessionPd({ installMode: false, scbk: NEW_SCBK }));
    expect(err(await link.handshake(0, SCBK_D, RND_A1))).toMatchObject({ kind: 'sc_cryptogram_mismatch', stage: 'chlng' });
  });

  it('SCBK-D requested, PD not in install mode and without a key: NAK 0x05', async () => {
    const { link } = setup(workedSessionPd({ installMode: false, scbk: null }));
    expect(err(await link.handshake(0, SCBK_D, RND_A1))).toMatchObject({ kind: 'nak', stage: 'chlng', code: 5 });
  });

  it('wrong SCBK with kk=01: client cryptogram mismatch; retrying with the right key works', async () => {
    const { link } = setup(workedSessionPd({ installMode: false, scbk: NEW_SCBK }));
    expect(err(await link.handshake(1, SCBK_D, RND_A1)).kind).toBe('sc_cryptogram_mismatch');
    ok(await link.handshake(1, NEW_SCBK, RND_A2));
  });

  it('CCRYPT echoing another key indicator is rejected', async () => {
    const { line, link } = setup();
    line.fault = (n) => (n === 0 ? { reply: (r) => r.map((b) => reframe(b, { scb: { type: 0x12, data: Uint8Array.of(1) } })) } : undefined);
    expect(err(await link.handshake(0, SCBK_D, RND_A1))).toMatchObject({ kind: 'sc_key_indicator_mismatch', sent: 0, echoed: 1 });
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
    expect(err(await link.handshake(0, SCBK_D, RND_A1))).toMatchObject({ kind: 'nak', stage: 'scrypt', code: 5 });
    expect(link.hasSession).toBe(false);
  });

  it('RMAC_I with ss = 0xFF, or a wrong RMAC-I value, fails the handshake', async () => {
    const { line, link } = setup();
    line.fault = (n) => (n === 1 ? { reply: () => [buildFrame({ address: 1, reply: true, sqn: 1, check: 'crc', ...pdRejectedRmacI() })] } : undefined);
    expect(err(await link.handshake(0, SCBK_D, RND_A1))).toMatchObject({ kind: 'sc_rmac_status', status: 0xff, stage: 'scrypt' });
    const { line: l2, link: k2 } = setup();
    l2.fault = (n) => (n === 1 ? { reply: (r) => r.map((b) => reframe(b, { data: new Uint8Array(16) })) } : undefined);
    expect(err(await k2.handshake(0, SCBK_D, RND_A1)).kind).toBe('sc_rmac_mismatch');
    expect(k2.hasSession).toBe(false);
  });

  it('a handshake that draws no reply times out with its stage', async () => {
    const { line, link } = setup(workedSessionPd(), { tries: 2 });
    line.fault = (n) => (n >= 1 ? { command: null } : undefined);
    expect(err(await link.handshake(0, SCBK_D, RND_A1))).toEqual({ kind: 'timeout', stage: 'scrypt', tries: 2 });
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

  it('bad MAC on a reply: sc_mac_mismatch, session dropped', async () => {
    const { line, link } = setup();
    ok(await link.handshake(0, SCBK_D, RND_A1));
    line.fault = (n) => (n === 2 ? { reply: (r) => r.map(flipMac) } : undefined);
    expect(err(await link.send({ kind: 'POLL' }, { secure: true }))).toMatchObject({ kind: 'sc_mac_mismatch', stage: 'command' });
    expect(link.hasSession).toBe(false);
  });

  it('a plaintext command during the session: the PD NAKs 0x06 and drops it', async () => {
    const { line, link } = setup();
    ok(await link.handshake(0, SCBK_D, RND_A1));
    expect(err(await link.send({ kind: 'POLL' }))).toMatchObject({ kind: 'nak', code: 6, sessionDropped: true });
    expect(line.pdOutputs).toContain('sc_dropped:plaintext');
  });

  it('KEYSET outside the secure channel: NAK 0x06', async () => {
    const { link } = setup();
    expect(err(await link.send({ kind: 'KEYSET', keyType: 1, key: NEW_SCBK }))).toMatchObject({ kind: 'nak', code: 6, sessionDropped: false });
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
    expect(err(await link.send({ kind: 'POLL' }, { secure: true }))).toMatchObject({ kind: 'nak', code: 6, sessionDropped: true });
    expect(link.hasSession).toBe(false);
    ok(await link.handshake(0, SCBK_D, RND_A2));
    ok(await link.send({ kind: 'POLL' }, { secure: true }));
  });

  it('a secured NAK (SCS_18) keeps the session and advances the chain', async () => {
    const { link } = setup();
    ok(await link.handshake(0, SCBK_D, RND_A1));
    // The PD model answers an unknown command with NAK 0x03 inside the session.
    const e = err(await link.send({ kind: 'unknown', code: 0x6a, data: new Uint8Array(0) }, { secure: true }));
    expect(e).toMatchObject({ kind: 'nak', code: 3, sessionDropped: false });
    expect(link.hasSession).toBe(true);
    ok(await link.send({ kind: 'POLL' }, { secure: true }));
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
    expect(err(await link.handshake(0, SCBK_D, RND_A1, { address: 0x7f })).kind).toBe('bad_request');
    expect(err(await link.handshake(0, SCBK_D, new Uint8Array(7))).kind).toBe('bad_request');
    expect(err(await link.send({ kind: 'ID', reportType: 300 })).kind).toBe('bad_request');
    expect(err(await link.send({ kind: 'POLL' }, { address: 0x80 })).kind).toBe('bad_request');
  });
});
