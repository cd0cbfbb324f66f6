// The part of WebUSB the transport uses, as structural types (TypeScript's DOM library has no
// WebUSB; these match the W3C interfaces, so the browser's objects and test fakes both fit).

export interface UsbEndpointLike {
  endpointNumber: number;
  direction: 'in' | 'out';
  type: 'bulk' | 'interrupt' | 'isochronous';
  packetSize: number;
}
export interface UsbAlternateLike {
  alternateSetting: number;
  interfaceClass: number;
  endpoints: UsbEndpointLike[];
}
export interface UsbInterfaceLike {
  interfaceNumber: number;
  alternates: UsbAlternateLike[];
  claimed: boolean;
}
export interface UsbConfigurationLike {
  configurationValue: number;
  interfaces: UsbInterfaceLike[];
}
export interface UsbInResult {
  data?: DataView;
  status: 'ok' | 'stall' | 'babble';
}
export interface UsbOutResult {
  bytesWritten: number;
  status: 'ok' | 'stall' | 'babble';
}
export interface UsbDeviceLike {
  vendorId: number;
  productId: number;
  productName?: string;
  manufacturerName?: string;
  serialNumber?: string;
  opened: boolean;
  configuration: UsbConfigurationLike | null;
  configurations: UsbConfigurationLike[];
  open(): Promise<void>;
  close(): Promise<void>;
  selectConfiguration(value: number): Promise<void>;
  claimInterface(n: number): Promise<void>;
  releaseInterface(n: number): Promise<void>;
  selectAlternateInterface(n: number, alt: number): Promise<void>;
  transferIn(endpoint: number, length: number): Promise<UsbInResult>;
  transferOut(endpoint: number, data: Uint8Array): Promise<UsbOutResult>;
  clearHalt(direction: 'in' | 'out', endpoint: number): Promise<void>;
}
export interface UsbFilter {
  vendorId: number;
  productId?: number;
}
export interface UsbLike {
  requestDevice(options: { filters: UsbFilter[] }): Promise<UsbDeviceLike>;
  getDevices(): Promise<UsbDeviceLike[]>;
  addEventListener(type: 'disconnect', listener: (ev: { device: UsbDeviceLike }) => void): void;
  removeEventListener(type: 'disconnect', listener: (ev: { device: UsbDeviceLike }) => void): void;
}

/** navigator.usb, where the browser has it. */
export function browserUsb(): UsbLike | null {
  const usb = (globalThis.navigator as unknown as { usb?: UsbLike } | undefined)?.usb;
  return usb ?? null;
}
