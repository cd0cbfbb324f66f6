// The package index must load in a browser (the workspace and the pure cores import it): the
// simulated line and a simulated PD run here exactly as in Node.
import { describe, expect, it } from 'vitest';
import { AcuDriver } from '@osprio/osdp';
import { attachSimPd, createSimBus, parseBusUrl, openBus } from '@osprio/bus';

describe('@osprio/bus in the browser', () => {
  it('runs an exchange with a simulated PD on a virtual clock', async () => {
    const bus = createSimBus({ baud: 9600, seed: 2 });
    attachSimPd(bus.line, { config: { address: 3 } });
    const acu = new AcuDriver(bus, { address: 3, baud: 9600 });
    const r = await acu.send({ kind: 'ID', reportType: 0 });
    expect(r.ok && r.reply.kind).toBe('PDID');
    expect(bus.line.trace).toHaveLength(2);
    expect(parseBusUrl('rfc2217://127.0.0.1:7000')).toEqual({
      kind: 'rfc2217',
      host: '127.0.0.1',
      port: 7000,
    });
    expect((await openBus('sim:?seed=5')).kind).toBe('sim');
  });
});
