// The emulated devices this workspace's server offers (GET /api/devices, same origin).

export interface ListedDevice {
  id: string;
  name: string;
  model: string;
  serialNumber: string;
  firmwareVersion: string;
  /** Same-origin WebSocket path with token: the link as JSON frames. */
  ws: string;
  /** Same-origin WebSocket path with token: the link as framed bytes. */
  stream: string;
}

function isListed(x: unknown): x is ListedDevice {
  if (typeof x !== 'object' || x === null) return false;
  const o = x as Record<string, unknown>;
  return ['id', 'name', 'model', 'serialNumber', 'firmwareVersion', 'ws', 'stream'].every(
    (k) => typeof o[k] === 'string',
  );
}

export async function fetchDevices(fetchFn: typeof fetch = fetch): Promise<ListedDevice[]> {
  const res = await fetchFn('/api/devices', { cache: 'no-store', credentials: 'same-origin' });
  if (!res.ok)
    throw new Error(`the workspace server did not list its devices (HTTP ${res.status})`);
  const body = (await res.json()) as { devices?: unknown };
  if (!Array.isArray(body.devices))
    throw new Error('the workspace server sent a device list this page cannot read');
  return body.devices.filter(isListed);
}
