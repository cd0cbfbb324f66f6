import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fromHex } from '@osprio/osdp';
import { OSDP_BAUDS } from '@osprio/osdp';
import { wireTimeMs } from '../src/bus.ts';
import { charTicks, msToTicks, SimLine, TICKS_PER_MS } from '../src/sim-line.ts';
import { createSimBus, SimBus } from '../src/sim-bus.ts';
import { fixedAnswer, ScriptedResponder } from './support/responder.ts';

// osdp_ID to address 1 (reference §5.10 #1) with a MARK, and an illustrative PDID reply (#2).
const ID_CMD = fromHex('ff 530109000461006023');
const PDID_REPLY = fromHex('5381140004450A00170102785634120102032752');

function lineWithPd(baud: number, turnaroundMs: number, seed = 1) {
  const bus = createSimBus({ baud, seed });
  const pd = new ScriptedResponder({ name: 'pd1', baud, answer: fixedAnswer(ID_CMD, PDID_REPLY) });
  bus.line.attach(pd, { turnaroundMs });
  return { bus, pd, line: bus.line };
}

describe('simulated line: wire time', () => {
  it.each([9600, 115200])(
    'bus time of one exchange at %i baud is exactly cmd×10/baud + turnaround + reply×10/baud',
    async (baud) => {
      const turnaround = 3;
      const { bus, line } = lineWithPd(baud, turnaround);
      const t0 = bus.now();
      await bus.write(ID_CMD);
      expect(bus.now()).toBeCloseTo(wireTimeMs(ID_CMD.length, baud), 12);
      const chunk = await bus.read(t0 + 200);
      expect(chunk?.bytes).toEqual(PDID_REPLY);
      // Exact in the simulator's integer ticks (1/1152 ms, in which every OSDP bit time is whole)…
      const bitTicks = (1000 * TICKS_PER_MS) / baud;
      expect(Number.isInteger(bitTicks)).toBe(true);
      expect(line.nowTicks()).toBe(
        (ID_CMD.length * 10 + PDID_REPLY.length * 10) * bitTicks + turnaround * TICKS_PER_MS,
      );
      // …and the same figure in ms, as the arithmetic in the brief states it.
      const expected =
        ((ID_CMD.length * 10) / baud) * 1000 +
        turnaround +
        ((PDID_REPLY.length * 10) / baud) * 1000;
      expect(chunk!.at).toBeCloseTo(expected, 12); // within an ulp or two of the float arithmetic
      expect(bus.now()).toBe(chunk!.at);
      // The trace carries the same times.
      const [cmd, rep] = line.trace;
      expect(cmd).toMatchObject({ sender: 'acu', baud, start: 0, collided: false });
      expect(rep!.start - cmd!.end).toBeCloseTo(turnaround, 9);
      expect(rep!.end).toBe(chunk!.at);
    },
  );

  it('holds for any byte counts and standard rates (property)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...OSDP_BAUDS),
        fc.integer({ min: 1, max: 300 }),
        fc.integer({ min: 1, max: 300 }),
        fc.integer({ min: 0, max: 250 }),
        (baud, n, m, turn) => {
          const line = new SimLine();
          const reply = new Uint8Array(m).fill(0x11);
          line.attach(new ScriptedResponder({ name: 'pd', baud, answer: () => reply }), {
            turnaroundMs: turn,
          });
          const acu = line.attach({ name: 'acu', baud, receive: () => null });
          acu.transmit(new Uint8Array(n));
          line.settle();
          expect(line.nowTicks()).toBe((n + m) * charTicks(baud) + turn * TICKS_PER_MS);
          expect(line.now()).toBeCloseTo(wireTimeMs(n, baud) + turn + wireTimeMs(m, baud), 9);
        },
      ),
    );
  });

  it('runs hours of bus time in a blink, deterministically', async () => {
    const { bus, pd } = lineWithPd(9600, 2);
    pd.baud = 9600;
    let replies = 0;
    // One exchange and 1 s of silence per iteration: 2 bus-hours.
    for (let i = 0; i < 7200; i++) {
      await bus.write(ID_CMD);
      const c = await bus.read(bus.now() + 200);
      if (c) replies++;
      expect(await bus.read(bus.now() + 1000)).toBeNull();
    }
    expect(replies).toBe(7200);
    expect(bus.now()).toBeGreaterThan(2 * 3600 * 1000);
  });
});

describe('simulated line: physics', () => {
  it('a receiver at another baud hears garbage, and the garbage is reproducible from the seed', async () => {
    const run = async (seed: number) => {
      const bus = createSimBus({ baud: 9600, seed });
      const pd = new ScriptedResponder({
        name: 'pd1',
        baud: 19200,
        answer: fixedAnswer(ID_CMD, PDID_REPLY),
      });
      bus.line.attach(pd);
      await bus.write(ID_CMD);
      expect(await bus.read(bus.now() + 200)).toBeNull();
      return { heard: pd.heard[0]!.bytes, trace: bus.line.trace };
    };
    const a = await run(5);
    expect(a.heard).not.toEqual(ID_CMD);
    expect(a.trace).toHaveLength(1);
    expect(a.trace[0]!.receivers).toEqual([
      expect.objectContaining({ node: 'pd1', heard: 'garbage', baud: 19200 }),
    ]);
    expect((await run(5)).heard).toEqual(a.heard);
    expect((await run(6)).heard).not.toEqual(a.heard);
  });

  it('two PDs answering at once collide into garbage', async () => {
    const bus = createSimBus({ baud: 9600 });
    const answer = fixedAnswer(ID_CMD, PDID_REPLY);
    bus.line.attach(new ScriptedResponder({ name: 'pd1', baud: 9600, answer }), {
      turnaroundMs: 2,
    });
    bus.line.attach(new ScriptedResponder({ name: 'pd2', baud: 9600, answer }), {
      turnaroundMs: 3,
    });
    await bus.write(ID_CMD);
    const chunks = [];
    for (let c = await bus.read(bus.now() + 200); c; c = await bus.read(bus.now() + 200))
      chunks.push(c);
    expect(chunks).toHaveLength(2);
    for (const c of chunks) expect(c.bytes).not.toEqual(PDID_REPLY);
    const replies = bus.line.trace.filter((e) => e.sender !== 'acu');
    expect(replies.map((e) => e.collided)).toEqual([true, true]);
    expect(replies.flatMap((e) => e.receivers.map((r) => r.heard))).not.toContain('clean');
  });

  it('is half-duplex: the ACU talking over a PD reply garbles both', async () => {
    const { bus, pd } = lineWithPd(9600, 2);
    await bus.write(ID_CMD);
    // The reply is under way (starts 2 ms after the command); talk over it.
    await bus.sleep(bus.now() + 5);
    await bus.write(ID_CMD);
    const c = await bus.read(bus.now() + 200);
    expect(c?.bytes).not.toEqual(PDID_REPLY);
    expect(pd.heard[1]!.bytes).not.toEqual(ID_CMD);
    expect(bus.line.trace.filter((e) => e.collided)).toHaveLength(2);
  });

  it('applies the configured turnaround, including replies slower than the 200 ms deadline', async () => {
    const { bus } = lineWithPd(9600, 250);
    await bus.write(ID_CMD);
    const sent = bus.now();
    expect(await bus.read(sent + 200)).toBeNull();
    expect(bus.now()).toBe(sent + 200);
    const late = await bus.read(sent + 1000);
    expect(late?.bytes).toEqual(PDID_REPLY);
    expect(late!.at).toBeCloseTo(sent + 250 + wireTimeMs(PDID_REPLY.length, 9600), 9);
  });

  it('a node told that its transmission ended can switch baud (osdp_COM then new rate)', async () => {
    const { bus, pd } = lineWithPd(9600, 2);
    pd.switchAfterReply = 115200;
    await bus.write(ID_CMD);
    expect((await bus.read(bus.now() + 200))?.bytes).toEqual(PDID_REPLY); // answered at the old rate
    expect(pd.baud).toBe(115200);
    await bus.write(ID_CMD); // still at 9600: the PD hears garbage
    expect(await bus.read(bus.now() + 200)).toBeNull();
    await bus.setBaud(115200);
    await bus.write(ID_CMD);
    expect((await bus.read(bus.now() + 200))?.bytes).toEqual(PDID_REPLY);
  });

  it('a receiver that changes baud mid-transmission hears garbage', () => {
    const line = new SimLine();
    const pd = new ScriptedResponder({ name: 'pd', baud: 9600 });
    line.attach(pd);
    const acu = line.attach({ name: 'acu', baud: 9600, receive: () => null });
    acu.transmit(ID_CMD);
    line.runUntil(2);
    pd.baud = 19200;
    line.runUntil(50);
    pd.baud = 9600;
    expect(line.trace[0]!.receivers[0]!.heard).toBe('garbage');
  });

  it('a noisy node corrupts bytes with the given probability, reproducibly', async () => {
    const run = async () => {
      const bus = createSimBus({ seed: 9 });
      const pd = new ScriptedResponder({ name: 'pd1', baud: 9600, answer: () => PDID_REPLY });
      bus.line.attach(pd, { byteErrorRate: 0.02 });
      const out: string[] = [];
      for (let i = 0; i < 200; i++) {
        await bus.write(ID_CMD);
        const c = await bus.read(bus.now() + 200);
        out.push(c ? Buffer.from(c.bytes).toString('hex') : '-');
      }
      return { out, trace: bus.line.trace };
    };
    const a = await run();
    const corrupted = a.trace.filter((e) =>
      e.receivers.some((r) => r.heard === 'corrupted'),
    ).length;
    // 400 transmissions of ~10–20 bytes at 2 % per byte: roughly a quarter corrupted.
    expect(corrupted).toBeGreaterThan(40);
    expect(corrupted).toBeLessThan(200);
    expect((await run()).out).toEqual(a.out);
  });
});

describe('SimBus (Bus contract)', () => {
  it('returns bytes that arrived before the call first, and flushInput drops them', async () => {
    const { bus } = lineWithPd(9600, 2);
    await bus.write(ID_CMD);
    await bus.sleep(bus.now() + 100); // the reply arrives while nobody reads
    const at = bus.now();
    const c = await bus.read(at + 200);
    expect(c?.bytes).toEqual(PDID_REPLY);
    expect(c!.at).toBeLessThan(at);
    expect(bus.now()).toBe(at);
    await bus.write(ID_CMD);
    await bus.sleep(bus.now() + 100);
    bus.flushInput();
    expect(await bus.read(bus.now() + 50)).toBeNull();
  });

  it('read() with a past deadline returns null without moving the clock backwards', async () => {
    const bus = createSimBus();
    await bus.sleep(100);
    expect(await bus.read(50)).toBeNull();
    expect(bus.now()).toBe(100);
  });

  it('setBaud waits for queued bytes to leave the wire at the old rate', async () => {
    const bus = createSimBus({ baud: 9600 });
    const pd = new ScriptedResponder({ name: 'pd', baud: 9600 });
    bus.line.attach(pd);
    void bus.write(ID_CMD); // resolves synchronously anyway; setBaud must not cut it short
    await bus.setBaud(115200);
    expect(bus.now()).toBeCloseTo(wireTimeMs(ID_CMD.length, 9600), 9);
    expect(pd.heard[0]!.bytes).toEqual(ID_CMD);
  });

  it('rejects bad baud rates and use after close', async () => {
    const bus = createSimBus();
    await expect(bus.setBaud(0)).rejects.toThrow(/invalid baud/);
    expect(bus).toBeInstanceOf(SimBus);
    expect(bus.kind).toBe('sim');
    expect(bus.canSetBaud).toBe(true);
    await bus.close();
    await expect(bus.write(ID_CMD)).rejects.toThrow(/closed/);
  });

  it('refuses two nodes with the same name', () => {
    const line = new SimLine();
    line.attach(new ScriptedResponder({ name: 'pd', baud: 9600 }));
    expect(() => line.attach(new ScriptedResponder({ name: 'pd', baud: 9600 }))).toThrow(
      /already attached/,
    );
  });

  it('keeps every trace entry by default, well past the old 10 000 cap', () => {
    const line = new SimLine();
    const acu = line.attach({ name: 'acu', baud: 115200, receive: () => null });
    const n = 25_000; // past 2 × 10 000, where the old default trimmed its log
    for (let i = 0; i < n; i++) acu.transmit(u16be(i));
    line.settle();
    const trace = line.trace;
    expect(trace).toHaveLength(n);
    expect(
      trace.every((e, i) => e.seq === i && e.bytes[0] === i >> 8 && e.bytes[1] === (i & 0xff)),
    ).toBe(true);
  });

  it('keeps every frame of a SimBus run longer than the old cap', async () => {
    const bus = createSimBus({ baud: 115200 });
    bus.line.attach(
      new ScriptedResponder({ name: 'pd', baud: 115200, answer: (b) => b.map((x) => 255 - x) }),
    );
    const exchanges = 5_200; // 10 400 transmissions
    for (let i = 0; i < exchanges; i++) {
      await bus.write(u16be(i));
      expect(await bus.read(bus.now() + 50)).not.toBeNull();
    }
    expect(bus.line.trace).toHaveLength(2 * exchanges);
    expect(bus.line.trace[0]).toMatchObject({ seq: 0, sender: 'acu', bytes: u16be(0) });
  });

  it('refuses a trace cap below 1', () => {
    expect(() => new SimLine({ traceLimit: 0 })).toThrow(RangeError);
    expect(() => new SimLine({ traceLimit: Number.NaN })).toThrow(/traceLimit/);
  });

  it('keeps only the most recent traceLimit entries', () => {
    const line = new SimLine({ traceLimit: 3 });
    const acu = line.attach({ name: 'acu', baud: 9600, receive: () => null });
    for (let i = 0; i < 10; i++) acu.transmit(Uint8Array.of(i));
    line.settle();
    expect(line.trace.map((e) => e.bytes[0])).toEqual([7, 8, 9]);
    expect(line.formatTrace()).toMatch(/acu@9600 09/);
    expect(msToTicks(1)).toBe(TICKS_PER_MS);
  });
});

function u16be(i: number): Uint8Array {
  return Uint8Array.of(i >> 8, i & 0xff);
}
