import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { wireTimeMs } from '../src/bus.ts';
import type { Bus } from '../src/bus.ts';
import { openBus } from '../src/open.ts';
import {
  removeTempDirs,
  startComplementResponder,
  startPtyPair,
  tempDir,
  ttyBaud,
} from './support/procs.ts';
import type { PtyPair, Responder } from './support/procs.ts';
import { ALL_BYTES, complement, readN } from './support/read-n.ts';

describe('serial bus over a socat pty pair', () => {
  let pty: PtyPair;
  let responder: Responder;
  let bus: Bus;

  beforeEach(async () => {
    pty = await startPtyPair(tempDir('serial'));
    responder = await startComplementResponder(pty.b);
    bus = await openBus(`serial:${pty.a}`);
  });

  afterEach(async () => {
    await bus?.close();
    await responder?.close();
    await pty?.stop();
    removeTempDirs();
  });

  it('writes and reads every byte value, MARK included', async () => {
    expect(bus.kind).toBe('serial');
    expect(bus.canSetBaud).toBe(true);
    await bus.write(ALL_BYTES);
    const got = await readN(bus, 256, bus.now() + 3000);
    expect(got).toEqual(complement(ALL_BYTES));
    expect(Uint8Array.from(responder.received)).toEqual(ALL_BYTES);
  });

  it('changes the port baud at run time', async () => {
    expect(ttyBaud(pty.a)).toBe(9600);
    // As after osdp_COMSET: the reply comes at the old rate, then the port switches.
    await bus.write(Uint8Array.of(0xff, 0x53));
    expect(await readN(bus, 2, bus.now() + 2000)).toEqual(Uint8Array.of(0x00, 0xac));
    await bus.setBaud(115200);
    expect(bus.baud).toBe(115200);
    expect(ttyBaud(pty.a)).toBe(115200);
    await bus.write(Uint8Array.of(1, 2, 3));
    expect(await readN(bus, 3, bus.now() + 2000)).toEqual(Uint8Array.of(254, 253, 252));
  });

  it('setBaud right after a long write waits out its wire time, and every byte arrives intact and in order', async () => {
    // 256 bytes at 9600 baud: 266.7 ms on the wire. No reply is read first, so nothing but
    // setBaud's own drain stands between the write and the rate change.
    const frame = Uint8Array.from({ length: 256 }, (_, i) => (i * 113 + 7) & 0xff);
    const wire = wireTimeMs(frame.length, 9600);
    const t0 = bus.now();
    await bus.write(frame);
    await bus.setBaud(115200);
    const switchedAt = bus.now();
    // A pty moves bytes at once, so the rate is nominal: what must hold is that the port was not
    // switched before the frame's wire time (on the bus clock) had elapsed.
    expect(switchedAt - t0).toBeGreaterThanOrEqual(wire);
    expect(ttyBaud(pty.a)).toBe(115200);
    const after = Uint8Array.of(0xff, 0x53, 0x00);
    await bus.write(after);
    await waitForBytes(bus, responder, frame.length + after.length, bus.now() + 3000);
    expect(Uint8Array.from(responder.received)).toEqual(Uint8Array.from([...frame, ...after]));
  });

  it('setBaud also waits for a write still in progress', async () => {
    const frame = Uint8Array.from({ length: 240 }, (_, i) => (i * 31 + 5) & 0xff);
    const wire = wireTimeMs(frame.length, 9600);
    const t0 = bus.now();
    const writing = bus.write(frame); // not awaited: setBaud must still let it leave the wire first
    await bus.setBaud(38400);
    expect(bus.now() - t0).toBeGreaterThanOrEqual(wire);
    await writing;
    expect(ttyBaud(pty.a)).toBe(38400);
    await waitForBytes(bus, responder, frame.length, bus.now() + 3000);
    expect(Uint8Array.from(responder.received)).toEqual(frame);
  });

  it('read() returns null at the deadline when nothing arrives, and flushInput drops stale bytes', async () => {
    const deadline = bus.now() + 50;
    expect(await bus.read(deadline)).toBeNull();
    expect(bus.now()).toBeGreaterThanOrEqual(deadline);
    await bus.write(Uint8Array.of(7));
    await bus.sleep(bus.now() + 200);
    bus.flushInput();
    expect(await bus.read(bus.now() + 50)).toBeNull();
  });
});

/** Waits until the far end has received `n` bytes or the bus clock reaches `deadline`. */
async function waitForBytes(bus: Bus, r: Responder, n: number, deadline: number): Promise<void> {
  while (r.received.length < n && bus.now() < deadline)
    await bus.sleep(Math.min(deadline, bus.now() + 10));
}
