// Each simulated-PD fault, observed from the ACU side through @osprio/osdp's ACU driver.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { AcuDriver, NAK_RECORD, SCBK_D, toHex } from '@osprio/osdp';
import type { AcuResult } from '@osprio/osdp';
import { createSimBus } from '../src/sim-bus.ts';
import type { SimBus } from '../src/sim-bus.ts';
import { attachSimPd, SimPd } from '../src/sim-pd.ts';
import type { SimPdFault, SimPdLiveEvent } from '../src/sim-pd.ts';

const NEW_SCBK = Uint8Array.from({ length: 16 }, (_, i) => 0x10 * (i % 16) + i);
const OTHER_SCBK = Uint8Array.from({ length: 16 }, (_, i) => 0xc0 + i);
const ID = { kind: 'ID', reportType: 0 } as const;

let rndCounter = 0;
const rndA = () => Uint8Array.from({ length: 8 }, () => rndCounter++ & 0xff);

function setup(faults: SimPdFault[] = [], seed = 1) {
  const bus = createSimBus({ baud: 9600, seed });
  const pd = attachSimPd(bus.line, { faults, config: { address: 0 } });
  const acu = new AcuDriver(bus, { address: 0, baud: 9600, tries: 2 });
  return { bus, pd, acu };
}

function ok(r: AcuResult, bus?: SimBus): Extract<AcuResult, { ok: true }> {
  if (!r.ok)
    throw new Error(
      `expected ok, got ${JSON.stringify(r.error)}\n${bus?.line.formatTrace() ?? ''}`,
    );
  return r;
}

function err(r: AcuResult) {
  if (r.ok) throw new Error(`expected an error, got ${r.reply.kind}`);
  return r.error;
}

/** COMSET, then switch the ACU's port and link to the new settings, as a provisioner does. */
async function comsetAndSwitch(bus: SimBus, acu: AcuDriver, address: number, baud: number) {
  const r = await acu.send({ kind: 'COMSET', address, baud });
  await bus.setBaud(baud);
  acu.setBaud(baud);
  acu.restart();
  return r;
}

async function keyPd(acu: AcuDriver, address = 0) {
  ok(await acu.handshake(0, SCBK_D, rndA(), { address }));
  return acu.send({ kind: 'KEYSET', keyType: 1, key: NEW_SCBK }, { secure: true, address });
}

describe('simulated PD without faults', () => {
  it('commissions: COMSET to 5 @ 115200, SCBK-D session, KEYSET, verification session, SCBK-D refused', async () => {
    const { bus, pd, acu } = setup();
    expect(ok(await acu.send(ID), bus).reply.kind).toBe('PDID');
    const com = ok(await comsetAndSwitch(bus, acu, 5, 115200), bus);
    expect(com.reply).toEqual({ kind: 'COM', address: 5, baud: 115200 });
    expect(pd.baud).toBe(115200);
    ok(await acu.send(ID, { address: 5 }), bus);
    expect(ok(await keyPd(acu, 5), bus)).toMatchObject({
      reply: { kind: 'ACK' },
      secure: true,
      sessionDropped: true,
    });
    ok(await acu.handshake(1, NEW_SCBK, rndA(), { address: 5 }), bus);
    expect(pd.stored).toMatchObject({ address: 5, baud: 115200, installMode: false });
    expect(pd.stored.scbk).toEqual(NEW_SCBK);
    expect(err(await acu.handshake(0, SCBK_D, rndA(), { address: 5 })).kind).not.toBe('timeout');
  });
});

describe('simulated PD faults, seen from the ACU', () => {
  it('absent: every command times out', async () => {
    const { bus, acu } = setup([{ kind: 'absent' }]);
    expect(err(await acu.send(ID))).toMatchObject({ kind: 'timeout' });
    // A silent PD costs the full reply timeout per try: 2 tries × (wire time + 200 ms).
    expect(bus.now()).toBeGreaterThanOrEqual(400);
  });

  it('silent after COMSET: no osdp_COM, nothing at the old or new settings, until a reboot', async () => {
    const { bus, pd, acu } = setup([{ kind: 'silent_after_comset' }]);
    ok(await acu.send(ID));
    expect(err(await comsetAndSwitch(bus, acu, 3, 38400))).toMatchObject({ kind: 'timeout' });
    expect(err(await acu.send(ID, { address: 3 }))).toMatchObject({ kind: 'timeout' });
    pd.reboot(bus.now());
    ok(await acu.send(ID, { address: 3 }), bus); // came back at the stored settings
  });

  it('silent after COMSET, but osdp_COM still goes out: the reply arrives, then nothing at the new settings', async () => {
    const { bus, acu } = setup([{ kind: 'silent_after_comset', answersComset: true }]);
    expect(ok(await comsetAndSwitch(bus, acu, 3, 38400)).reply).toEqual({
      kind: 'COM',
      address: 3,
      baud: 38400,
    });
    expect(err(await acu.send(ID, { address: 3 })).kind).toBe('timeout');
  });

  it('stays at its old baud and says so: osdp_COM reports the old rate', async () => {
    const { bus, acu } = setup([{ kind: 'stays_at_old_baud', reports: 'actual' }]);
    expect(ok(await comsetAndSwitch(bus, acu, 4, 115200)).reply).toEqual({
      kind: 'COM',
      address: 4,
      baud: 9600,
    });
  });

  it('other address: osdp_COM reports the address it really took, and only that one answers', async () => {
    const { bus, acu } = setup([{ kind: 'other_address', address: 9 }]);
    const com = ok(await comsetAndSwitch(bus, acu, 5, 9600));
    expect(com.reply).toEqual({ kind: 'COM', address: 9, baud: 9600 });
    expect(err(await acu.send(ID, { address: 5 }))).toMatchObject({ kind: 'timeout' });
    expect(ok(await acu.send(ID, { address: 9 })).from).toBe(9);
  });

  it('other address, echoing the request: only the confirmation at the new address exposes it', async () => {
    const { bus, acu } = setup([{ kind: 'other_address', address: 9, reports: 'requested' }]);
    expect(ok(await comsetAndSwitch(bus, acu, 5, 9600)).reply).toEqual({
      kind: 'COM',
      address: 5,
      baud: 9600,
    });
    expect(err(await acu.send(ID, { address: 5 }))).toMatchObject({ kind: 'timeout' });
    ok(await acu.send(ID, { address: 9 }));
  });

  it('stays at its old baud: claims 115200, answers only at 9600 (until a power cycle)', async () => {
    const { bus, pd, acu } = setup([{ kind: 'stays_at_old_baud' }]);
    expect(ok(await comsetAndSwitch(bus, acu, 4, 115200)).reply).toEqual({
      kind: 'COM',
      address: 4,
      baud: 115200,
    });
    expect(err(await acu.send(ID, { address: 4 })).kind).toBe('timeout');
    await bus.setBaud(9600);
    acu.setBaud(9600);
    acu.restart();
    ok(await acu.send(ID, { address: 4 }));
    pd.reboot(bus.now());
    expect(pd.baud).toBe(115200);
  });

  it('keyed with another SCBK: the SCBK-D handshake fails, its own key works', async () => {
    const { bus, acu } = setup([{ kind: 'keyed', scbk: OTHER_SCBK }]);
    const e = err(await acu.handshake(0, SCBK_D, rndA()));
    expect(e.kind).not.toBe('timeout');
    ok(await acu.handshake(1, OTHER_SCBK, rndA()), bus);
  });

  it('NAKs KEYSET: plaintext NAK, session gone, still in install mode with no key', async () => {
    const { bus, pd, acu } = setup([{ kind: 'nak_keyset' }]);
    expect(err(await keyPd(acu))).toMatchObject({
      kind: 'nak',
      code: NAK_RECORD,
      sessionDropped: true,
    });
    expect(acu.hasSession).toBe(false);
    expect(pd.stored).toMatchObject({ scbk: null, installMode: true });
    expect(err(await acu.handshake(1, NEW_SCBK, rndA())).kind).not.toBe('timeout');
    ok(await acu.handshake(0, SCBK_D, rndA()), bus);
  });

  it('ACKs KEYSET in plaintext (HID-style): accepted, session dropped, the new key verifies', async () => {
    const { bus, acu } = setup([{ kind: 'plaintext_keyset_ack' }]);
    expect(ok(await keyPd(acu), bus)).toMatchObject({
      reply: { kind: 'ACK' },
      secure: false,
      sessionDropped: true,
    });
    ok(await acu.handshake(1, NEW_SCBK, rndA()), bus);
  });

  it('reboots instead of acknowledging KEYSET, key already saved: silence, then only the new key works', async () => {
    // Replies: PDID(1), CCRYPT(2), RMAC_I(3), KEYSET ack(4).
    const { bus, pd, acu } = setup([{ kind: 'reboot', atReply: 4, applied: true, downMs: 500 }]);
    ok(await acu.send(ID));
    expect(err(await keyPd(acu)).kind).toBe('timeout');
    expect(pd.rebootCount).toBe(1);
    await bus.sleep(bus.now() + 500);
    acu.restart();
    expect(err(await acu.handshake(0, SCBK_D, rndA())).kind).not.toBe('timeout');
    ok(await acu.handshake(1, NEW_SCBK, rndA()), bus);
  });

  it('reboots mid-step before saving: the session is gone and it is still factory-fresh', async () => {
    const { bus, pd, acu } = setup([{ kind: 'reboot', atReply: 4, downMs: 100 }]);
    ok(await acu.send(ID));
    // The first KEYSET is lost to the power cut; the retry reaches a rebooted PD without a session.
    expect(err(await keyPd(acu))).toMatchObject({ kind: 'nak', sessionDropped: true });
    expect(pd.rebootCount).toBe(1);
    acu.restart();
    expect(pd.state.sc.phase).toBe('none');
    ok(await acu.handshake(0, SCBK_D, rndA()), bus);
    expect(pd.stored.scbk).toBeNull();
  });

  it('replies slower than 200 ms: times out at the spec deadline, succeeds with a longer one', async () => {
    const { bus, acu } = setup([{ kind: 'slow', replyDelayMs: 350 }]);
    expect(err(await acu.send(ID, { policy: { tries: 1 } }))).toMatchObject({ kind: 'timeout' });
    await bus.sleep(bus.now() + 500); // let the late reply pass
    const r = ok(await acu.send(ID, { policy: { replyTimeoutMs: 500 } }));
    expect(r.reply.kind).toBe('PDID');
    const replyEntry = bus.line.trace.filter((e) => e.sender === 'pd').at(-1)!;
    const cmdEntry = bus.line.trace.filter((e) => e.sender === 'acu').at(-1)!;
    expect(replyEntry.start - cmdEntry.end).toBeCloseTo(350, 6);
  });

  it('noisy line: corrupted bytes force retries or bad replies, reproducibly from the seed', async () => {
    const run = async (seed: number) => {
      const { bus, acu } = setup([{ kind: 'noisy', byteErrorRate: 0.01 }], seed);
      const out: string[] = [];
      for (let i = 0; i < 60; i++) {
        const r = await acu.send(ID);
        out.push(r.ok ? `ok/${r.tries}` : r.error.kind);
      }
      return {
        out,
        corrupted: bus.line.trace.filter((e) => e.receivers.some((x) => x.heard === 'corrupted'))
          .length,
      };
    };
    const a = await run(11);
    expect(a.corrupted).toBeGreaterThan(5);
    expect(a.out.filter((x) => x !== 'ok/1').length).toBeGreaterThan(0);
    expect(a.out.filter((x) => x.startsWith('ok')).length).toBeGreaterThan(30);
    expect((await run(11)).out).toEqual(a.out);
  });
});

describe('simulated PD: seeds and timers', () => {
  it('takes its RND.B from the line seed unless configured, so handshakes differ between seeds and repeat within one', async () => {
    const ccrypt = async (seed: number) => {
      const bus = createSimBus({ seed });
      attachSimPd(bus.line);
      const acu = new AcuDriver(bus, { address: 0 });
      await acu.handshake(0, SCBK_D, new Uint8Array(8));
      return bus.line.trace.find((e) => e.sender === 'pd')!.bytes;
    };
    expect(await ccrypt(1)).toEqual(await ccrypt(1));
    expect(await ccrypt(1)).not.toEqual(await ccrypt(2));
  });

  it('a reboot scheduled on the line clock (power cut mid-handshake) drops the session', async () => {
    const { bus, pd, acu } = setup();
    ok(await acu.handshake(0, SCBK_D, rndA()));
    bus.line.at(bus.now() + 10, () => pd.reboot(bus.line.now(), 50));
    await bus.sleep(bus.now() + 20);
    expect(err(await acu.send({ kind: 'POLL' }, { secure: true, policy: { tries: 1 } })).kind).toBe(
      'timeout',
    );
    expect(pd.state.sc.phase).toBe('none');
    expect(pd.events.map((e) => e.type)).toContain('rebooted');
    await bus.sleep(bus.now() + 100);
    acu.restart();
    ok(await acu.handshake(0, SCBK_D, rndA()), bus); // still factory-fresh after the power cut
  });
});

describe('SimPd.onEvent: each event as it happens, KEYSET with the key it applied', () => {
  it('two KEYSETs back to back: each listener call carries its own key; pd.events carries none', async () => {
    const { bus, pd, acu } = setup();
    const seen: SimPdLiveEvent[] = [];
    const keysets: {
      scbk: string;
      storedThen: string;
      at: number;
      lineNow: number;
      recorded: boolean;
    }[] = [];
    const off = pd.onEvent((e) => {
      seen.push(e);
      if (e.type !== 'keyset_applied') return;
      keysets.push({
        scbk: toHex(e.scbk),
        storedThen: toHex(pd.stored.scbk!),
        at: e.at,
        lineNow: bus.line.now(),
        recorded: pd.events.at(-1)?.type === 'keyset_applied' && pd.events.at(-1)?.at === e.at,
      });
      e.scbk.fill(0); // the listener's copy: scribbling on it must not touch the PD's flash
    });
    ok(await keyPd(acu), bus); // KEYSET NEW_SCBK under SCBK-D
    ok(await acu.handshake(1, NEW_SCBK, rndA()), bus);
    ok(await acu.send({ kind: 'KEYSET', keyType: 1, key: OTHER_SCBK }, { secure: true }), bus);

    // Polling pd.stored after both (what `osprio sim pd` did) would report OTHER_SCBK twice.
    expect(pd.stored.scbk).toEqual(OTHER_SCBK);
    expect(keysets.map((k) => k.scbk)).toEqual([toHex(NEW_SCBK), toHex(OTHER_SCBK)]);
    for (const k of keysets) {
      // Synchronous: told inside the line run that applied it, after the event was recorded.
      expect(k).toMatchObject({ storedThen: k.scbk, lineNow: k.at, recorded: true });
    }
    // Every event reaches the listener, in order; only the live KEYSET events carry a key.
    expect(seen.map((e) => e.type)).toEqual(pd.events.map((e) => e.type));
    expect(seen.filter((e) => 'scbk' in e).map((e) => e.type)).toEqual([
      'keyset_applied',
      'keyset_applied',
    ]);
    expect(pd.events.filter((e) => 'scbk' in e)).toEqual([]);

    off();
    ok(await acu.handshake(1, OTHER_SCBK, rndA()), bus);
    ok(await acu.send({ kind: 'KEYSET', keyType: 1, key: NEW_SCBK }, { secure: true }), bus);
    expect(pd.events.filter((e) => e.type === 'keyset_applied')).toHaveLength(3);
    expect(keysets).toHaveLength(2); // removed: not told of the third
  });

  it('a listener given in the options (as runSimPdServer passes them) hears from the first event', async () => {
    const bus = createSimBus({ baud: 9600 });
    const keys: string[] = [];
    attachSimPd(bus.line, {
      onEvent: (e) => e.type === 'keyset_applied' && keys.push(toHex(e.scbk)),
    });
    ok(await keyPd(new AcuDriver(bus, { address: 0, baud: 9600 })), bus);
    expect(keys).toEqual([toHex(NEW_SCBK)]);
  });
});

describe('simulated PD robustness', () => {
  it('never throws on whatever the line delivers, whatever its faults (property)', () => {
    const allFaults: SimPdFault[] = [
      { kind: 'other_address', address: 9 },
      { kind: 'stays_at_old_baud' },
      { kind: 'nak_keyset' },
      { kind: 'plaintext_keyset_ack' },
      { kind: 'reboot', atReply: 2, applied: true, downMs: 0 },
      { kind: 'slow', replyDelayMs: 300 },
    ];
    fc.assert(
      fc.property(
        fc.subarray(allFaults),
        fc.array(
          fc.oneof(
            fc.uint8Array({ maxLength: 40 }),
            fc.constant(Uint8Array.of(0xff, 0x53, 0x7f, 0x09, 0x00, 0x04, 0x61, 0x00, 0x5f, 0xe6)),
          ),
          { maxLength: 20 },
        ),
        (faults, chunks) => {
          const pd = new SimPd({ faults });
          let at = 0;
          for (const c of chunks) {
            pd.receive(c, (at += 7));
            pd.transmitted(new Uint8Array(0), at + 1);
          }
        },
      ),
    );
  });
});
