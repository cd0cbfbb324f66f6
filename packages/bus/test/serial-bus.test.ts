import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Bus } from '../src/bus.ts';
import { openBus } from '../src/open.ts';
import { removeTempDirs, startComplementResponder, startPtyPair, tempDir, ttyBaud } from './support/procs.ts';
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
