import type { LinkConnection } from '@osprio/link';
import { connectWebSocketNode } from '@osprio/link/node';

/** A link to a device's WebSocket endpoint (the emulator), e.g. for DeviceSession's `connect`. */
export function connectNode(
  url: string,
  opts: { origin?: string; openTimeoutMs?: number } = {},
): Promise<LinkConnection> {
  return connectWebSocketNode(url, opts);
}
