// The link to an emulated device of this workspace's own server: a same-origin WebSocket path
// (with its token) from GET /api/devices.
import { connectWebSocket, type LinkConnection } from '@osprio/link';

export function sameOriginWsUrl(
  path: string,
  loc: Pick<Location, 'protocol' | 'host'> = location,
): string {
  if (!path.startsWith('/')) throw new Error('device path must be same-origin (start with /)');
  return `${loc.protocol === 'https:' ? 'wss:' : 'ws:'}//${loc.host}${path}`;
}

export function connectSameOrigin(path: string): Promise<LinkConnection> {
  return connectWebSocket(sameOriginWsUrl(path), { openTimeoutMs: 5000 });
}
