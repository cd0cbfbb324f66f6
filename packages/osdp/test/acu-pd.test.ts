// The ACU link (acu-link.ts via acu-driver.ts) against the PD model (pd.ts) on a virtual-time line:
// the provisioning exchange, SQN and retransmission, replies to ignore or accept.
import { describe, expect, it } from 'vitest';
import { osdp_BUSY, osdp_NAK } from '../src/codes.ts';
import { buildFrame } from '../src/frame.ts';
import { SCBK_D } from '../src/sc-crypto.ts';
import {
  corrupt,
  parsed,
  reframe,
  wire,
  workedSession,
  workedSessionPd,
} from './support/acu-sim.ts';
import { HEX, NEW_SCBK, RND_A1, RND_A2, err, ok, setup, txs } from './support/acu-setup.ts';

describe('provisioning exchange, ACU link ↔ PD model', () => {
  it('reproduces the worked provisioning session (vectors.json) byte for byte on the wire', async () => {
    const { line, link } = setup();
    ok(await link.send({ kind: 'ID', reportType: 0 }));
    ok(await link.send({ kind: 'CAP', reportType: 0 }));
    ok(await link.handshake(0, SCBK_D, RND_A1));
    expect(ok(await link.send({ kind: 'POLL' }, { secure: true })).reply.kind).toBe('ACK');
    const lstat = ok(await link.send({ kind: 'LSTAT' }, { secure: true }));
    expect(lstat.reply).toEqual({ kind: 'LSTATR', tamper: 0, power: 0 });
    const keyset = ok(
      await link.send({ kind: 'KEYSET', keyType: 1, key: NEW_SCBK }, { secure: true }),
    );
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
    ok(
      await link.send({ kind: 'KEYSET', keyType: 1, key: NEW_SCBK }, { secure: true, address: 5 }),
    );
    ok(await link.handshake(1, NEW_SCBK, RND_A2, { address: 5 }));
    const poll = ok(await link.send({ kind: 'POLL' }, { secure: true, address: 5 }));
    expect(poll).toMatchObject({ reply: { kind: 'ACK' }, secure: true, from: 5 });

    // Install mode is over: SCBK-D no longer works (the PD uses its SCBK, as libosdp does).
    expect(err(await link.handshake(0, SCBK_D, RND_A1, { address: 5 })).kind).toBe(
      'sc_cryptogram_mismatch',
    );
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
    line.fault = () => ({
      command: null,
      reply: () => [
        buildFrame({
          address: 1,
          reply: true,
          sqn: 2,
          check: 'crc',
          code: 0x40,
          data: new Uint8Array(0),
        }),
      ],
    });
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

  it('a damaged reply is answered at once with the identical bytes (no waiting out the window); a valid reply is then taken', async () => {
    const { line, link } = setup();
    line.fault = (n) => (n === 0 ? { reply: (r) => [corrupt(r[0]!)] } : undefined);
    const r = ok(await link.send({ kind: 'ID', reportType: 0 }));
    expect(r.tries).toBe(2);
    const sent = line.log.filter((e) => e.dir === 'tx');
    expect(sent.map((e) => HEX(e.bytes))).toEqual([HEX(sent[0]!.bytes), HEX(sent[0]!.bytes)]);
    const damagedAt = line.log.find((e) => e.dir === 'rx')!.at;
    expect(sent[1]!.at - damagedAt).toBeLessThan(1); // right after the damaged frame ended
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

  it('a late CCRYPT to the first CHLNG copy is not taken while the repeated copy is unanswered (a PD that reran the CHLNG holds only its last RND.B)', async () => {
    const { line, link } = setup(workedSessionPd({ sqn0Repeat: 'reprocess' }), {
      tries: 3,
      triesIfSilent: 3,
    });
    // The first CHLNG's answer comes after the link has resent it; the PD answers both copies.
    line.fault = (n) => (n === 0 ? { turnaroundMs: 260 } : undefined);
    ok(await link.handshake(0, SCBK_D, RND_A1));
    const sent = txs(line).map((t) => parsed(t.bytes).code);
    expect(sent.filter((c) => c === 0x76)).toHaveLength(2); // CHLNG, then its copy
    expect(sent.filter((c) => c === 0x77)).toHaveLength(1); // one SCRYPT, for the last CCRYPT
    expect(line.pdOutputs).not.toContain('sc_dropped:scrypt');
    // …sent as soon as the second CCRYPT is in, not at the end of the reply window.
    const scryptAt = line.log.find((e) => e.dir === 'tx' && parsed(e.bytes).code === 0x77)!.at;
    const lastCcryptEnd = Math.max(
      ...line.log.filter((e) => e.dir === 'rx' && e.at <= scryptAt).map((e) => e.at),
    );
    expect(scryptAt - lastCcryptEnd).toBeLessThan(1);
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
    expect(err(await link.send({ kind: 'POLL' }))).toMatchObject({
      kind: 'bad_reply',
      stage: 'command',
      tries: 2,
    });
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
    const busy = buildFrame({
      address: 1,
      reply: true,
      sqn: 0,
      check: 'crc',
      code: osdp_BUSY,
      data: new Uint8Array(0),
    });
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
    const busy = buildFrame({
      address: 1,
      reply: true,
      sqn: 0,
      check: 'crc',
      code: osdp_BUSY,
      data: new Uint8Array(0),
    });
    line.fault = () => ({ command: null, reply: () => [busy] });
    expect(err(await link.send({ kind: 'POLL' }))).toEqual({
      kind: 'busy',
      stage: 'command',
      count: 3,
    });
  });

  it('NAK 0x04 restarts the link: next command with SQN 0, session dropped', async () => {
    const { line, link } = setup();
    ok(await link.handshake(0, SCBK_D, RND_A1));
    const nak04 = buildFrame({
      address: 1,
      reply: true,
      sqn: 1,
      check: 'crc',
      code: osdp_NAK,
      data: Uint8Array.of(0x04),
    });
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
    line.fault = (n) =>
      n === 1 ? { command: reframe(txs(line)[1]!.bytes, { sqn: 3 }) } : undefined;
    expect(err(await link.send({ kind: 'POLL' }))).toMatchObject({
      kind: 'nak',
      code: 4,
      restarted: true,
    });
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
    expect(err(await link.send({ kind: 'POLL' }, { address: 0x7f }))).toMatchObject({
      kind: 'bad_reply',
    });
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
        buildFrame({
          address: 1,
          reply: false,
          sqn: 1,
          check: 'crc',
          code: 0x60,
          data: new Uint8Array(0),
        }),
        buildFrame({
          address: 1,
          reply: true,
          sqn: 3,
          check: 'crc',
          code: 0x40,
          data: new Uint8Array(0),
        }), // stale
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
