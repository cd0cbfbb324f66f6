// The WebUSB transport: a provisioner's vendor-specific interface (class 0xFF) with one bulk IN and
// one bulk OUT endpoint, carrying the link framed by packages/link's byte framing. Writes go out
// one at a time in order; a read loop feeds whatever arrives to the frame decoder (USB packet
// boundaries mean nothing to the framing). Unplugging, a failed transfer or a closed link ends it.

import { FramedConnection, LinkError, type LinkConnection } from '@osprio/link';
import type { UsbDeviceLike, UsbEndpointLike, UsbFilter, UsbLike } from './usb-types.ts';

export const VENDOR_CLASS = 0xff;

/** pid.codes test VID and the provisioner's PID; override with ?usb=VID:PID[,VID:PID…] (hex). */
export const DEFAULT_USB_FILTERS: readonly UsbFilter[] = [{ vendorId: 0x1209, productId: 0x05e1 }];

/** Parses "1209:05e1,cafe" (hex vendor[:product]) into filters; null if malformed. */
export function parseUsbFilters(text: string): UsbFilter[] | null {
  const out: UsbFilter[] = [];
  for (const part of text.split(',')) {
    const m = /^\s*([0-9a-f]{1,4})(?::([0-9a-f]{1,4}))?\s*$/i.exec(part);
    if (!m) return null;
    out.push(
      m[2] === undefined
        ? { vendorId: parseInt(m[1]!, 16) }
        : { vendorId: parseInt(m[1]!, 16), productId: parseInt(m[2], 16) },
    );
  }
  return out.length > 0 ? out : null;
}

export interface VendorPipe {
  interfaceNumber: number;
  alternateSetting: number;
  configurationValue: number;
  in: UsbEndpointLike;
  out: UsbEndpointLike;
}

/** Finds the vendor interface with a bulk IN and a bulk OUT endpoint; null if the device has none. */
export function findVendorPipe(device: UsbDeviceLike): VendorPipe | null {
  const configs = device.configuration
    ? [device.configuration, ...device.configurations]
    : device.configurations;
  for (const c of configs) {
    for (const itf of c.interfaces) {
      for (const alt of itf.alternates) {
        if (alt.interfaceClass !== VENDOR_CLASS) continue;
        const bulkIn = alt.endpoints.find((e) => e.type === 'bulk' && e.direction === 'in');
        const bulkOut = alt.endpoints.find((e) => e.type === 'bulk' && e.direction === 'out');
        if (bulkIn && bulkOut) {
          return {
            interfaceNumber: itf.interfaceNumber,
            alternateSetting: alt.alternateSetting,
            configurationValue: c.configurationValue,
            in: bulkIn,
            out: bulkOut,
          };
        }
      }
    }
  }
  return null;
}

const hex4 = (n: number) => n.toString(16).padStart(4, '0');

/** "USB 1209:05e1, serial …" — the ids a person can check against the device's label. */
export function usbDetail(d: UsbDeviceLike): string {
  return `USB ${hex4(d.vendorId)}:${hex4(d.productId)}${d.serialNumber ? `, serial ${d.serialNumber}` : ''}`;
}

export function describeUsbDevice(d: UsbDeviceLike): string {
  return `${d.productName || 'USB device'} (${usbDetail(d)})`;
}

/** Opens the chooser; resolves with the chosen device, or null if the person cancelled. */
export async function requestUsbDevice(
  usb: UsbLike,
  filters: readonly UsbFilter[] = DEFAULT_USB_FILTERS,
): Promise<UsbDeviceLike | null> {
  try {
    return await usb.requestDevice({ filters: [...filters] });
  } catch (e) {
    // NotFoundError: the chooser was cancelled or nothing matched.
    if (e instanceof Error && e.name === 'NotFoundError') return null;
    throw e;
  }
}

export interface OpenUsbOptions {
  /** For the unplug event; default none (a failed transfer still ends the link). */
  usb?: UsbLike | null;
  /** Bytes asked per transferIn; default 16 packets. */
  readSize?: number;
}

/** Opens the device's vendor pipe as a LinkConnection. Rejects with LinkError('not_supported') if the
 *  device has no such interface, ('link_closed') if it cannot be opened or claimed. */
export async function openUsbLink(
  device: UsbDeviceLike,
  opts: OpenUsbOptions = {},
): Promise<LinkConnection> {
  const pipe = findVendorPipe(device);
  if (!pipe)
    throw new LinkError(
      'not_supported',
      `${describeUsbDevice(device)} has no provisioner interface (vendor class with bulk endpoints)`,
    );
  try {
    if (!device.opened) await device.open();
    if (device.configuration?.configurationValue !== pipe.configurationValue)
      await device.selectConfiguration(pipe.configurationValue);
    await device.claimInterface(pipe.interfaceNumber);
    if (pipe.alternateSetting !== 0)
      await device.selectAlternateInterface(pipe.interfaceNumber, pipe.alternateSetting);
  } catch (e) {
    const why = e instanceof Error && e.message ? e.message : 'unknown reason';
    await device.close().catch(() => {});
    throw new LinkError(
      'link_closed',
      `cannot open ${describeUsbDevice(device)}: ${why} (is another program or tab using it?)`,
    );
  }

  let open = true;
  let writes: Promise<unknown> = Promise.resolve();
  const shutdown = async () => {
    if (!open) return;
    open = false;
    opts.usb?.removeEventListener('disconnect', onDisconnect);
    await writes.catch(() => {});
    await device.releaseInterface(pipe.interfaceNumber).catch(() => {});
    await device.close().catch(() => {});
  };
  const conn = new FramedConnection({
    write(bytes) {
      if (!open) return;
      writes = writes.then(async () => {
        if (!open) return;
        const r = await device.transferOut(pipe.out.endpointNumber, bytes);
        if (r.status !== 'ok' || r.bytesWritten !== bytes.length)
          throw new Error(`bulk OUT ${r.status}`);
      });
      writes.catch(() => {
        conn.ended();
        void shutdown();
      });
    },
    close() {
      void shutdown();
    },
  });
  function onDisconnect(ev: { device: UsbDeviceLike }): void {
    if (ev.device !== device) return;
    conn.ended();
    void shutdown();
  }
  opts.usb?.addEventListener('disconnect', onDisconnect);

  const readSize = opts.readSize ?? Math.max(64, pipe.in.packetSize) * 16;
  void (async () => {
    while (open) {
      let r;
      try {
        r = await device.transferIn(pipe.in.endpointNumber, readSize);
      } catch {
        break;
      }
      if (!open) return;
      if (r.status === 'stall') {
        try {
          await device.clearHalt('in', pipe.in.endpointNumber);
          continue;
        } catch {
          break;
        }
      }
      if (r.status !== 'ok') break;
      if (r.data && r.data.byteLength > 0)
        conn.receive(new Uint8Array(r.data.buffer, r.data.byteOffset, r.data.byteLength));
    }
    if (open) {
      conn.ended();
      await shutdown();
    }
  })();
  return conn;
}
