// Simulated PDs served over real byte streams, and the same ACU script over every transport.
import { afterEach, describe, expect, it } from 'vitest';
import { openBus } from '../src/open.ts';
import { runSimPdServer } from '../src/pd-server.ts';
import type { SimPdServer } from '../src/pd-server.ts';
import { createSimBus } from '../src/sim-bus.ts';
import { attachSimPd } from '../src/sim-pd.ts';
import type { SimPdOptions } from '../src/sim-pd.ts';
import type { Bus } from '../src/bus.ts';
import { provisioningScript } from './support/acu-script.ts';
import { removeTempDirs, startPtyPair, startSer2net, tempDir, ttyBaud } from './support/procs.ts';
import type { Proc } from './support/procs.ts';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
  removeTempDirs();
});

const TARGET = { address: 5, baud: 19200 };
const SCRIPT_TIMEOUT = 1000;

async function onSimBus(pd: SimPdOptions) {
  const bus = createSimBus({ baud: 9600, seed: 1 });
  const sim = attachSimPd(bus.line, pd);
  return { run: await provisioningScript(bus, TARGET, SCRIPT_TIMEOUT), pd: sim };
}

async function behindSer2net(pd: SimPdOptions) {
  const dir = tempDir('pdserver');
  const pty = await startPtyPair(dir);
  cleanup.push(() => pty.stop());
  const ser2net: Proc & { port: number } = await startSer2net(dir, pty.a, 'rfc2217');
  cleanup.push(() => ser2net.stop());
  // The PD server hears the ACU at whatever rate ser2net has really set on the far pty.
  const server = await runSimPdServer({
    serial: { path: pty.b, peerBaud: () => ttyBaud(pty.a) },
    pds: [pd],
  });
  cleanup.push(() => server.close());
  const bus = await openBus(`rfc2217://127.0.0.1:${ser2net.port}`);
  cleanup.push(() => bus.close());
  return {
    run: await provisioningScript(bus, TARGET, SCRIPT_TIMEOUT),
    pd: server.pds[0]!,
    ptyBaud: ttyBaud(pty.a),
    trace: () => server.line.formatTrace(),
  };
}

/** The ACU on a local serial port (one end of a socat pty pair), the PD server on the other end. */
async function overSerial(pd: SimPdOptions) {
  const pty = await startPtyPair(tempDir('serial-pd'));
  cleanup.push(() => pty.stop());
  // A pty has no line rate: the PD server hears the ACU at whatever rate SerialBus has really set
  // on its end (read back with stty), so a setBaud() that did not reach the port loses the PD.
  const server = await runSimPdServer({
    serial: { path: pty.b, peerBaud: () => ttyBaud(pty.a) },
    pds: [pd],
  });
  cleanup.push(() => server.close());
  const bus = await openBus('serial:' + pty.a);
  cleanup.push(() => bus.close());
  expect(bus.kind).toBe('serial');
  return {
    run: await provisioningScript(bus, TARGET, SCRIPT_TIMEOUT),
    pd: server.pds[0]!,
    ptyBaud: ttyBaud(pty.a),
    trace: () => server.line.formatTrace(),
  };
}

const CASES: [string, SimPdOptions][] = [
  ['factory-fresh PD', { name: 'pd', config: { random: { seed: 4 } } }],
  ['PD that NAKs KEYSET', { name: 'pd', faults: [{ kind: 'nak_keyset' }] }],
  ['PD that ACKs KEYSET in plaintext', { name: 'pd', faults: [{ kind: 'plaintext_keyset_ack' }] }],
];

describe.each([
  ['over a local serial port (socat pty pair)', overSerial],
  ['through ser2net + pty', behindSer2net],
])('the same ACU script on the simulated bus and %s', (_where, real) => {
  it.each(CASES)('%s: same results, same bytes sent', async (_label, pd) => {
    const sim = await onSimBus(pd);
    const got = await real(pd);
    expect(got.run.results, `PD server's line:\n${got.trace()}`).toEqual(sim.run.results);
    expect(got.run.sent).toEqual(sim.run.sent);
    expect(got.pd.stored).toEqual(sim.pd.stored);
    expect(got.pd.stored).toMatchObject({ address: TARGET.address, baud: TARGET.baud });
    expect(got.ptyBaud).toBe(TARGET.baud);
  });
});

describe('sim PD server over TCP (osprio sim pd --listen)', () => {
  async function serve(protocol: 'raw' | 'rfc2217'): Promise<{ server: SimPdServer; bus: Bus }> {
    const server = await runSimPdServer({
      listen: { host: '127.0.0.1', port: 0 },
      protocol,
      pds: [{}],
    });
    cleanup.push(() => server.close());
    const bus = await openBus(server.url);
    cleanup.push(() => bus.close());
    return { server, bus };
  }

  it('RFC 2217: the client sets its side of the line, so the whole script runs', async () => {
    const { server, bus } = await serve('rfc2217');
    expect(server.url).toMatch(/^rfc2217:\/\/127\.0\.0\.1:\d+$/);
    const { results } = await provisioningScript(bus, TARGET, SCRIPT_TIMEOUT);
    expect(server.clientBaud).toBe(19200);
    expect(results).toEqual((await onSimBus({ name: 'pd' })).run.results);
  });

  it('raw TCP: the client side cannot follow COMSET, so the PD is lost at the new baud', async () => {
    const { server, bus } = await serve('raw');
    expect(bus.canSetBaud).toBe(false);
    const { results } = await provisioningScript(bus, TARGET);
    expect(results.slice(0, 3)).toEqual([
      'discover: PDID from 127 tries 1',
      'cap: PDCAP from 127 tries 1',
      'comset: COM 5@19200 from 127 tries 1',
    ]);
    expect(results[3]).toMatch(/^confirm: timeout/);
    expect(server.pds[0]!.baud).toBe(19200);
    expect(server.line.trace.some((e) => e.receivers.some((r) => r.heard === 'garbage'))).toBe(
      true,
    );
  });

  it('refuses to listen beyond loopback', async () => {
    await expect(runSimPdServer({ listen: { host: '0.0.0.0', port: 0 } })).rejects.toThrow(
      /loopback only/,
    );
  });

  it('keeps every frame by default; a trace cap is passed to its line', async () => {
    const { server, bus } = await serve('rfc2217');
    await provisioningScript(bus, TARGET, SCRIPT_TIMEOUT);
    expect(server.line.trace[0]!.seq).toBe(0);
    await expect(runSimPdServer({ listen: { port: 0 }, traceLimit: 0 })).rejects.toThrow(
      /traceLimit/,
    );
  });
});
