import { describe, expect, it } from 'vitest';
import { BusUrlError, openBus, parseBusUrl } from '../src/open.ts';
import { SimLine } from '../src/sim-line.ts';
import { SimBus } from '../src/sim-bus.ts';
import { freePort, removeTempDirs, tempDir } from './support/procs.ts';

describe('parseBusUrl', () => {
  it.each([
    ['serial:/dev/ttyUSB0', { kind: 'serial', path: '/dev/ttyUSB0' }],
    ['serial:///dev/ttyUSB0?baud=115200', { kind: 'serial', path: '/dev/ttyUSB0', baud: 115200 }],
    ['serial:COM3', { kind: 'serial', path: 'COM3' }],
    ['tcp://127.0.0.1:4001', { kind: 'tcp', host: '127.0.0.1', port: 4001 }],
    [
      'tcp://bridge.local:2000?baud=38400',
      { kind: 'tcp', host: 'bridge.local', port: 2000, baud: 38400 },
    ],
    ['rfc2217://[::1]:7000', { kind: 'rfc2217', host: '::1', port: 7000 }],
    ['RFC2217://host:1/', { kind: 'rfc2217', host: 'host', port: 1 }],
    ['sim:', { kind: 'sim', name: 'sim' }],
    ['sim:bench?seed=42&baud=19200', { kind: 'sim', name: 'bench', seed: 42, baud: 19200 }],
  ])('%s', (url, expected) => {
    expect(parseBusUrl(url)).toEqual(expected);
  });

  it.each([
    ['', /not a bus URL/],
    ['/dev/ttyUSB0', /not a bus URL/],
    ['C:/x', /not a bus URL/],
    ['ftp://host:1', /unknown bus scheme "ftp:"/],
    ['serial:', /needs a device path/],
    ['tcp://host', /tcp:\/\/host:port/],
    ['tcp:host:4001', /tcp:\/\/host:port/],
    ['rfc2217://host:0', /out of range/],
    ['tcp://host:70000', /out of range/],
    ['tcp://host:4001?baud=fast', /bad baud "fast"/],
    ['serial:/dev/x?parity=even', /unknown bus URL parameter "parity"/],
    ['sim:a b', /sim bus name/],
    ['sim:x?seed=-1', /sim seed/],
  ])('rejects %j', (url, msg) => {
    expect(() => parseBusUrl(url)).toThrow(BusUrlError);
    expect(() => parseBusUrl(url)).toThrow(msg);
  });
});

describe('openBus', () => {
  it('opens a simulated bus, on a fresh line or on a given one', async () => {
    const bus = await openBus('sim:?seed=3&baud=19200');
    expect(bus).toBeInstanceOf(SimBus);
    expect(bus.baud).toBe(19200);
    expect((bus as SimBus).line.seed).toBe(3);
    const line = new SimLine();
    const onLine = await openBus('sim:panel', { line, baud: 9600 });
    expect((onLine as SimBus).line).toBe(line);
    expect(onLine.name).toBe('sim:panel');
  });

  it('rejects bad URLs with BusUrlError before touching anything', async () => {
    await expect(openBus('usb:1')).rejects.toThrow(BusUrlError);
  });

  it('reports a missing serial device clearly', async () => {
    const missing = `${tempDir('missing')}/ttyNOPE`;
    await expect(openBus(`serial:${missing}`)).rejects.toThrow(
      new RegExp(`serial:${missing}: cannot open`),
    );
    removeTempDirs();
  });

  it('reports a refused TCP connection clearly', async () => {
    const port = await freePort();
    await expect(openBus(`tcp://127.0.0.1:${port}`)).rejects.toThrow(
      `tcp://127.0.0.1:${port}: cannot connect (ECONNREFUSED)`,
    );
  });
});
