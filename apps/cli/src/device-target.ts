// Which device a command talks to: --device, or the one device running on this computer that can
// serve it (from the runtime file). The URL's token is never repeated in a message.

import { CliError, EXIT, usageError } from './exit-codes.ts';
import { listDevices, type RuntimeEntry } from './runtime-file.ts';

/** What the command needs the device to offer. */
export type DeviceNeed = 'any' | 'slots' | 'live';

export interface DeviceTarget {
  url: string;
  /** For messages: the address without its token. */
  where: string;
  /** Set when found in the runtime file: lets a re-attach find the device again after a restart. */
  serialNumber: string | null;
}

export function redact(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '(bad address)';
  }
}

export function parseDeviceUrl(text: string): string {
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    throw usageError(
      '--device is not a URL; use the ws://… address the device printed (osprio devices lists them)',
    );
  }
  if (u.protocol !== 'ws:' && u.protocol !== 'wss:')
    throw usageError(
      '--device must be a ws:// address such as the one `osprio device --sim` prints',
    );
  return u.href;
}

function offers(e: RuntimeEntry, need: DeviceNeed): boolean {
  return need === 'any' || (need === 'slots' ? e.slots : e.liveQuickStep);
}

/** Picks the device: explicit, or the single running one that offers what is needed. */
export function resolveDevice(
  device: string | undefined,
  need: DeviceNeed,
  env: Record<string, string | undefined>,
): DeviceTarget {
  if (device !== undefined) {
    const url = parseDeviceUrl(device);
    return { url, where: redact(url), serialNumber: null };
  }
  const running = listDevices(env);
  const fit = running.filter((e) => offers(e, need));
  if (fit.length === 1)
    return { url: fit[0]!.url, where: redact(fit[0]!.url), serialNumber: fit[0]!.serialNumber };
  if (running.length === 0) {
    throw new CliError(
      EXIT.unreachable,
      'no device runs on this computer: start one with `osprio device --sim` (or `npm start`), or pass --device ws://…',
    );
  }
  if (fit.length === 0) {
    throw new CliError(
      EXIT.unreachable,
      `none of the ${running.length} device(s) running here offers ${need === 'slots' ? 'slots' : 'live quick-step'}; pass --device ws://…`,
    );
  }
  throw usageError(
    `${fit.length} devices run on this computer (${fit.map((e) => `${e.model} ${e.serialNumber}`).join(', ')}): pick one with --device (osprio devices lists them)`,
  );
}

/** Finds a device again by serial number (its address and token change when it restarts). */
export function refind(target: DeviceTarget, env: Record<string, string | undefined>): string {
  if (!target.serialNumber) return target.url;
  return listDevices(env).find((e) => e.serialNumber === target.serialNumber)?.url ?? target.url;
}
