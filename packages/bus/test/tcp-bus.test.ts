import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openBus } from '../src/open.ts';
import type { TcpBus } from '../src/tcp-bus.ts';
import {
  removeTempDirs,
  startComplementResponder,
  startPtyPair,
  startSer2net,
  tempDir,
  ttyBaud,
} from './support/procs.ts';
import type { PtyPair, Responder, Ser2net } from './support/procs.ts';
import { ALL_BYTES, complement, readN } from './support/read-n.ts';

describe.each(['raw', 'rfc2217'] as const)(
  'TCP serial bridge (%s) through ser2net and a pty pair',
  (mode) => {
    let pty: PtyPair;
    let ser2net: Ser2net;
    let responder: Responder;
    let bus: TcpBus;

    beforeEach(async () => {
      const dir = tempDir(`tcp-${mode}`);
      pty = await startPtyPair(dir);
      ser2net = await startSer2net(dir, pty.a, mode);
      responder = await startComplementResponder(pty.b);
      const scheme = mode === 'raw' ? 'tcp' : 'rfc2217';
      bus = (await openBus(`${scheme}://127.0.0.1:${ser2net.port}`)) as TcpBus;
    });

    afterEach(async () => {
      await bus?.close();
      await responder?.close();
      await ser2net?.stop();
      await pty?.stop();
      removeTempDirs();
    });

    it('carries every byte value both ways, 0xFF (MARK) included', async () => {
      await bus.write(ALL_BYTES);
      await bus.write(Uint8Array.of(0xff, 0xff, 0x53));
      const got = await readN(bus, 259, bus.now() + 3000);
      expect(got).toEqual(complement(Uint8Array.of(...ALL_BYTES, 0xff, 0xff, 0x53)));
      expect(Uint8Array.from(responder.received)).toEqual(
        Uint8Array.of(...ALL_BYTES, 0xff, 0xff, 0x53),
      );
    });

    if (mode === 'raw') {
      it('says it cannot set the baud; setBaud records the intent only', async () => {
        expect(bus.kind).toBe('tcp');
        expect(bus.canSetBaud).toBe(false);
        await bus.setBaud(115200);
        expect(bus.requestedBaud).toBe(115200);
        expect(bus.baud).toBe(9600);
        expect(ttyBaud(pty.a)).toBe(9600);
      });
    } else {
      it('sets the remote port baud through COM-PORT-OPTION SET-BAUDRATE', async () => {
        expect(bus.kind).toBe('rfc2217');
        expect(bus.canSetBaud).toBe(true);
        expect(ttyBaud(pty.a)).toBe(9600);
        await bus.setBaud(115200);
        expect(bus.baud).toBe(115200);
        expect(ttyBaud(pty.a)).toBe(115200);
        await bus.write(Uint8Array.of(0x00, 0x53));
        expect(await readN(bus, 2, bus.now() + 2000)).toEqual(Uint8Array.of(0xff, 0xac));
        await bus.setBaud(19200);
        expect(ttyBaud(pty.a)).toBe(19200);
      });
    }
  },
);

describe('TCP bus when the bridge goes away', () => {
  it('read() rejects with a clear reason once the connection is closed by the far end', async () => {
    const net = await import('node:net');
    const server = net.createServer((s) => {
      s.write(Uint8Array.of(0x53));
      setTimeout(() => s.destroy(), 20);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as { port: number }).port;
    const bus = await openBus(`tcp://127.0.0.1:${port}`);
    expect((await bus.read(bus.now() + 1000))?.bytes).toEqual(Uint8Array.of(0x53));
    await expect(bus.read(bus.now() + 1000)).rejects.toThrow(
      `tcp://127.0.0.1:${port}: connection closed`,
    );
    await bus.close();
    await new Promise<void>((r) => server.close(() => r()));
  });
});
