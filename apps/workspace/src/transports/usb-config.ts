// Which USB devices PAIR NEW offers: DEFAULT_USB_FILTERS, or the page's ?usb=VID:PID[,…] (hex).
import { DEFAULT_USB_FILTERS, parseUsbFilters } from './webusb.ts';
import type { UsbFilter } from './usb-types.ts';

export function usbFilters(search: string = globalThis.location?.search ?? ''): UsbFilter[] {
  const text = new URLSearchParams(search).get('usb');
  return (text !== null && parseUsbFilters(text)) || [...DEFAULT_USB_FILTERS];
}
