// A stand-in for navigator.usb, installed with page.addInitScript: headless Chromium's
// requestDevice() never settles without a person. Its one fake device has a vendor interface
// (class 0xFF) with bulk IN 1 and bulk OUT 2, and carries the WebUSB transport's bytes, unchanged,
// to the emulator's byte-stream endpoint (a same-origin WebSocket) — so the real transport code
// (src/transports/webusb.ts) runs against a real device. The page can pull the plug with
// `window.__usbShim.unplug()`; `window.__usbShim.requests` records each chooser's filters.

import type { Page } from '@playwright/test';

export interface UsbShimOptions {
  /** Same-origin path of the device's byte-stream endpoint, with its token. */
  streamPath: string;
  vendorId?: number;
  productId?: number;
  productName?: string;
  serialNumber?: string;
  /** Bytes per bulk IN packet; transferIn hands out at most this many per packet (default 64). */
  packetSize?: number;
}

interface ShimArgs {
  streamPath: string;
  vendorId: number;
  productId: number;
  productName: string;
  serialNumber: string;
  packetSize: number;
}

function shim(a: ShimArgs): void {
  type Listener = (ev: { device: unknown }) => void;
  const listeners = new Set<Listener>();
  const requests: unknown[] = [];
  let paired = false;
  let ws: WebSocket | null = null;
  let inbox: Uint8Array[] = [];
  let waiting: {
    length: number;
    resolve: (r: unknown) => void;
    reject: (e: unknown) => void;
  } | null = null;

  const fail = (name: string, message: string) => Object.assign(new Error(message), { name });

  function take(length: number): Uint8Array {
    let n = 0;
    const parts: Uint8Array[] = [];
    while (inbox.length > 0 && n < length) {
      const head = inbox[0]!;
      const k = Math.min(head.length, length - n);
      parts.push(head.subarray(0, k));
      n += k;
      if (k === head.length) inbox.shift();
      else inbox[0] = head.subarray(k);
    }
    const out = new Uint8Array(n);
    let o = 0;
    for (const p of parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  }

  const endpoints = [
    { endpointNumber: 1, direction: 'in', type: 'bulk', packetSize: a.packetSize },
    { endpointNumber: 2, direction: 'out', type: 'bulk', packetSize: a.packetSize },
  ];
  const configuration = {
    configurationValue: 1,
    interfaces: [
      {
        interfaceNumber: 0,
        claimed: false,
        alternates: [{ alternateSetting: 0, interfaceClass: 0xff, endpoints }],
      },
    ],
  };

  function lost(): void {
    if (!device.opened) return;
    device.opened = false;
    ws = null;
    inbox = [];
    waiting?.reject(fail('NetworkError', 'A transfer error has occurred.'));
    waiting = null;
    for (const l of [...listeners]) l({ device });
  }

  const device = {
    vendorId: a.vendorId,
    productId: a.productId,
    productName: a.productName,
    manufacturerName: 'Osprio',
    serialNumber: a.serialNumber,
    opened: false,
    configuration: null as null | typeof configuration,
    configurations: [configuration],
    async open() {
      if (device.opened) return;
      const url = `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}${a.streamPath}`;
      const sock = new WebSocket(url);
      sock.binaryType = 'arraybuffer';
      await new Promise<void>((resolve, reject) => {
        sock.addEventListener('open', () => resolve());
        sock.addEventListener('error', () =>
          reject(fail('NetworkError', 'Failed to open the device.')),
        );
      });
      ws = sock;
      inbox = [];
      device.opened = true;
      sock.addEventListener('message', (ev) => {
        if (ws !== sock) return;
        inbox.push(new Uint8Array(ev.data as ArrayBuffer));
        if (waiting) {
          const w = waiting;
          waiting = null;
          const data = take(w.length);
          w.resolve({
            status: 'ok',
            data: new DataView(data.buffer, data.byteOffset, data.byteLength),
          });
        }
      });
      sock.addEventListener('close', () => {
        if (ws === sock) lost();
      });
    },
    async close() {
      const sock = ws;
      ws = null;
      device.opened = false;
      configuration.interfaces[0]!.claimed = false;
      waiting?.reject(fail('AbortError', 'The transfer was cancelled.'));
      waiting = null;
      sock?.close();
    },
    async selectConfiguration(v: number) {
      if (!device.opened) throw fail('InvalidStateError', 'The device must be opened first.');
      if (v !== 1)
        throw fail(
          'NotFoundError',
          'The configuration value provided is not supported by the device.',
        );
      device.configuration = configuration;
    },
    async claimInterface(n: number) {
      if (!device.opened || !device.configuration)
        throw fail('InvalidStateError', 'The device must be opened and configured first.');
      if (n !== 0)
        throw fail(
          'NotFoundError',
          'The interface number provided is not supported by the device in its current configuration.',
        );
      configuration.interfaces[0]!.claimed = true;
    },
    async releaseInterface() {
      configuration.interfaces[0]!.claimed = false;
    },
    async selectAlternateInterface() {},
    async clearHalt() {},
    transferOut(ep: number, data: BufferSource) {
      if (!device.opened || !ws || !configuration.interfaces[0]!.claimed)
        return Promise.reject(fail('InvalidStateError', 'The device must be opened first.'));
      if (ep !== 2)
        return Promise.reject(
          fail(
            'NotFoundError',
            'The specified endpoint is not part of a claimed and selected alternate interface.',
          ),
        );
      const bytes = ArrayBuffer.isView(data)
        ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice()
        : new Uint8Array(data).slice();
      ws.send(bytes);
      return Promise.resolve({ status: 'ok', bytesWritten: bytes.length });
    },
    transferIn(ep: number, length: number) {
      if (!device.opened || !configuration.interfaces[0]!.claimed)
        return Promise.reject(fail('InvalidStateError', 'The device must be opened first.'));
      if (ep !== 1)
        return Promise.reject(
          fail(
            'NotFoundError',
            'The specified endpoint is not part of a claimed and selected alternate interface.',
          ),
        );
      if (waiting)
        return Promise.reject(fail('InvalidStateError', 'A transfer is already pending.'));
      // A bulk IN transfer ends at a short packet: hand out what has arrived, at most `length`.
      const want = Math.min(length, a.packetSize * 4);
      if (inbox.length > 0) {
        const data = take(want);
        return Promise.resolve({
          status: 'ok',
          data: new DataView(data.buffer, data.byteOffset, data.byteLength),
        });
      }
      return new Promise((resolve, reject) => (waiting = { length: want, resolve, reject }));
    },
  };

  const matches = (f: { vendorId?: number; productId?: number }) =>
    (f.vendorId === undefined || f.vendorId === a.vendorId) &&
    (f.productId === undefined || f.productId === a.productId);

  const usb = {
    async requestDevice(options: { filters: { vendorId?: number; productId?: number }[] }) {
      requests.push(JSON.parse(JSON.stringify(options)));
      if (!options || !Array.isArray(options.filters))
        throw new TypeError(
          "Failed to execute 'requestDevice' on 'USB': required member filters is undefined.",
        );
      if (!options.filters.some(matches)) throw fail('NotFoundError', 'No device selected.');
      paired = true;
      return device;
    },
    async getDevices() {
      return paired ? [device] : [];
    },
    addEventListener(type: string, l: Listener) {
      if (type === 'disconnect') listeners.add(l);
    },
    removeEventListener(type: string, l: Listener) {
      if (type === 'disconnect') listeners.delete(l);
    },
  };
  Object.defineProperty(Navigator.prototype, 'usb', { configurable: true, get: () => usb });
  (window as unknown as { __usbShim: unknown }).__usbShim = {
    requests,
    unplug() {
      ws?.close();
      lost();
    },
  };
}

export async function installUsbShim(page: Page, o: UsbShimOptions): Promise<void> {
  await page.addInitScript(shim, {
    streamPath: o.streamPath,
    vendorId: o.vendorId ?? 0x1209,
    productId: o.productId ?? 0x05e1,
    productName: o.productName ?? 'Osprio Pro (USB)',
    serialNumber: o.serialNumber ?? 'OPP-USB-0001',
    packetSize: o.packetSize ?? 64,
  } satisfies ShimArgs);
}
