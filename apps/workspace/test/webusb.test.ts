// The WebUSB transport against a fake USBDevice whose other end is a real device link server: the
// vendor interface is found and claimed, frames survive any chunking, writes keep their order,
// and unplugging or a failed transfer ends the link.
import { describe, expect, it } from 'vitest';
import { FrameDecoder, LinkClient, LinkError, encodeFrame, encodeReply } from '@osprio/link';
import {
  findVendorPipe,
  openUsbLink,
  parseUsbFilters,
  requestUsbDevice,
} from '../src/transports/webusb.ts';
import type { UsbDeviceLike, UsbLike } from '../src/transports/usb-types.ts';

type Ep = {
  endpointNumber: number;
  direction: 'in' | 'out';
  type: 'bulk' | 'interrupt' | 'isochronous';
  packetSize: number;
};

function fakeDevice(
  o: { interfaceClass?: number; endpoints?: Ep[]; chunk?: number; failClaim?: boolean } = {},
) {
  const endpoints = o.endpoints ?? [
    { endpointNumber: 3, direction: 'in', type: 'bulk', packetSize: 64 },
    { endpointNumber: 4, direction: 'out', type: 'bulk', packetSize: 64 },
  ];
  const cdc = {
    alternateSetting: 0,
    interfaceClass: 0x02,
    endpoints: [
      { endpointNumber: 1, direction: 'in' as const, type: 'interrupt' as const, packetSize: 8 },
    ],
  };
  const config = {
    configurationValue: 1,
    interfaces: [
      { interfaceNumber: 0, claimed: false, alternates: [cdc] },
      {
        interfaceNumber: 2,
        claimed: false,
        alternates: [{ alternateSetting: 0, interfaceClass: o.interfaceClass ?? 0xff, endpoints }],
      },
    ],
  };
  const toHost: Uint8Array[] = [];
  const fromHost: Uint8Array[] = [];
  let waiting: ((r: { status: 'ok'; data: DataView }) => void) | null = null;
  let failIn: ((e: Error) => void) | null = null;
  const calls: string[] = [];
  const chunk = o.chunk ?? 7;
  const give = () => {
    if (!waiting || toHost.length === 0) return;
    const head = toHost[0]!;
    const part = head.subarray(0, chunk);
    if (part.length === head.length) toHost.shift();
    else toHost[0] = head.subarray(chunk);
    const w = waiting;
    waiting = null;
    w({ status: 'ok', data: new DataView(part.buffer, part.byteOffset, part.byteLength) });
  };
  const device: UsbDeviceLike = {
    vendorId: 0x1209,
    productId: 0x05e1,
    productName: 'Fake',
    serialNumber: 'S1',
    opened: false,
    configuration: null,
    configurations: [config],
    async open() {
      calls.push('open');
      device.opened = true;
    },
    async close() {
      calls.push('close');
      device.opened = false;
      failIn?.(new Error('closed'));
    },
    async selectConfiguration(v) {
      calls.push(`config ${v}`);
      device.configuration = config;
    },
    async claimInterface(n) {
      calls.push(`claim ${n}`);
      if (o.failClaim)
        throw Object.assign(new Error('Unable to claim interface.'), { name: 'NetworkError' });
    },
    async releaseInterface(n) {
      calls.push(`release ${n}`);
    },
    async selectAlternateInterface() {},
    async clearHalt() {},
    transferIn(ep) {
      expect(ep).toBe(3);
      return new Promise((resolve, reject) => {
        waiting = resolve;
        failIn = reject;
        give();
      });
    },
    async transferOut(ep, data) {
      expect(ep).toBe(4);
      fromHost.push(data.slice());
      return { status: 'ok', bytesWritten: data.length };
    },
  };
  return {
    device,
    calls,
    fromHost,
    /** The device sends bytes (handed out `chunk` bytes per transfer). */
    send(bytes: Uint8Array) {
      toHost.push(bytes);
      give();
    },
    unplugIn() {
      failIn?.(
        Object.assign(new Error('A transfer error has occurred.'), { name: 'NetworkError' }),
      );
    },
  };
}

describe('WebUSB transport', () => {
  it('finds the vendor interface with bulk IN and OUT, skipping other classes', () => {
    const { device } = fakeDevice();
    expect(findVendorPipe(device)).toMatchObject({
      interfaceNumber: 2,
      in: { endpointNumber: 3 },
      out: { endpointNumber: 4 },
    });
    expect(findVendorPipe(fakeDevice({ interfaceClass: 0x02 }).device)).toBeNull();
    expect(
      findVendorPipe(
        fakeDevice({
          endpoints: [
            { endpointNumber: 3, direction: 'in', type: 'interrupt', packetSize: 64 },
            { endpointNumber: 4, direction: 'out', type: 'bulk', packetSize: 64 },
          ],
        }).device,
      ),
    ).toBeNull();
  });

  it('opens, configures and claims the vendor interface; frames reassemble across 7-byte transfers', async () => {
    const f = fakeDevice({ chunk: 7 });
    const conn = await openUsbLink(f.device);
    expect(f.calls).toEqual(['open', 'config 1', 'claim 2']);
    const got: string[] = [];
    conn.onMessage((d) => got.push(typeof d === 'string' ? d : new TextDecoder().decode(d)));
    f.send(encodeFrame('{"a":1}'));
    f.send(encodeFrame('{"b":"ü"}'));
    await expect.poll(() => got).toEqual(['{"a":1}', '{"b":"ü"}']);
    conn.close();
  });

  it('writes frames to bulk OUT in order', async () => {
    const f = fakeDevice();
    const conn = await openUsbLink(f.device);
    conn.send('one');
    conn.send('two');
    conn.send('three');
    await expect.poll(() => f.fromHost.length).toBe(3);
    const dec = new FrameDecoder();
    const texts = f.fromHost.flatMap((b) =>
      dec.push(b).frames.map((x) => new TextDecoder().decode(x)),
    );
    expect(texts).toEqual(['one', 'two', 'three']);
    conn.close();
  });

  it('a link client gets its reply over the pipe', async () => {
    const f = fakeDevice({ chunk: 5 });
    const client = new LinkClient(await openUsbLink(f.device), { timeoutMs: 2000 });
    const reply = client.status();
    await expect.poll(() => f.fromHost.length).toBe(1);
    const [req] = new FrameDecoder().push(f.fromHost[0]!).frames;
    const id = JSON.parse(new TextDecoder().decode(req)).id;
    const result = {
      liveQuickStep: true,
      slots: false,
      offlineAutonomous: false,
      slotCount: 0,
      maxStepsPerSlot: 126,
    };
    f.send(encodeFrame(encodeReply('status', id, result)));
    await expect(reply).resolves.toEqual(result);
    client.close();
  });

  it('a failed bulk IN (unplugged) ends the link as dropped and releases the device', async () => {
    const f = fakeDevice();
    const conn = await openUsbLink(f.device);
    const closed = new Promise((r) => conn.onClose(r));
    f.unplugIn();
    await expect(closed).resolves.toMatchObject({ code: 1006 });
    await expect.poll(() => f.calls.slice(-2)).toEqual(['release 2', 'close']);
  });

  it('the disconnect event for this device ends the link; for another device it does not', async () => {
    const f = fakeDevice();
    const listeners = new Set<(ev: { device: UsbDeviceLike }) => void>();
    const usb = {
      addEventListener: (_t: string, l: never) => listeners.add(l),
      removeEventListener: (_t: string, l: never) => listeners.delete(l),
    } as unknown as UsbLike;
    const conn = await openUsbLink(f.device, { usb });
    for (const l of [...listeners]) l({ device: fakeDevice().device });
    expect(conn.closed).toBe(false);
    for (const l of [...listeners]) l({ device: f.device });
    expect(conn.closed).toBe(true);
    await expect.poll(() => listeners.size).toBe(0);
  });

  it('a device without the interface, or one that cannot be claimed, is refused with a reason', async () => {
    await expect(openUsbLink(fakeDevice({ interfaceClass: 0x08 }).device)).rejects.toMatchObject({
      code: 'not_supported',
      message: /no provisioner interface/,
    });
    const f = fakeDevice({ failClaim: true });
    const e = await openUsbLink(f.device).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(LinkError);
    expect((e as LinkError).message).toMatch(
      /cannot open Fake .*Unable to claim interface.*another program or tab/,
    );
    expect(f.calls).toContain('close');
  });

  it('lost framing (a bad magic byte) closes the link', async () => {
    const f = fakeDevice();
    const conn = await openUsbLink(f.device);
    const closed = new Promise((r) => conn.onClose(r));
    f.send(Uint8Array.of(0x00, 1, 2, 3, 4, 5));
    await expect(closed).resolves.toMatchObject({ code: 4400 });
  });
});

describe('PAIR NEW filters', () => {
  it('parses VID[:PID] lists in hex and rejects anything else', () => {
    expect(parseUsbFilters('1209:05e1')).toEqual([{ vendorId: 0x1209, productId: 0x05e1 }]);
    expect(parseUsbFilters('cafe, 1209:1')).toEqual([
      { vendorId: 0xcafe },
      { vendorId: 0x1209, productId: 1 },
    ]);
    for (const bad of ['', 'xyz', '12345', '1209:', ':05e1', '1209:05e1:1'])
      expect(parseUsbFilters(bad)).toBeNull();
  });

  it('asks the chooser for exactly the filters; a cancelled chooser is null, other errors propagate', async () => {
    const seen: unknown[] = [];
    const device = fakeDevice().device;
    const usb = (fail?: Error) =>
      ({
        async requestDevice(o: unknown) {
          seen.push(o);
          if (fail) throw fail;
          return device;
        },
      }) as unknown as UsbLike;
    expect(await requestUsbDevice(usb(), [{ vendorId: 1, productId: 2 }])).toBe(device);
    expect(seen).toEqual([{ filters: [{ vendorId: 1, productId: 2 }] }]);
    expect(
      await requestUsbDevice(
        usb(Object.assign(new Error('No device selected.'), { name: 'NotFoundError' })),
      ),
    ).toBeNull();
    await expect(
      requestUsbDevice(usb(Object.assign(new Error('nope'), { name: 'SecurityError' }))),
    ).rejects.toThrow('nope');
  });
});
