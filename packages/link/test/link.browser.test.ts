// The browser half of the link runs unchanged in Chromium: the package entry point pulls in no
// Node API, and a host client drives a device handler over the in-memory transport.
import { describe, expect, it } from 'vitest';
import {
  LinkClient,
  MAX_FRAME_BYTES,
  connectWebSocket,
  createLinkServer,
  createMemoryPair,
  decodeRequest,
} from '../src/index.ts';
import { FakeDevice, SEED } from './fixtures.ts';

describe('link in the browser', () => {
  it('a session over the in-memory transport', async () => {
    const [hostEnd, deviceEnd] = createMemoryPair();
    createLinkServer(new FakeDevice(), deviceEnd);
    const client = new LinkClient(hostEnd);
    await expect(client.hello()).resolves.toMatchObject({ model: 'osprio-pro' });
    const slots = await client.listSlots();
    expect(slots).toHaveLength(4);
    expect(slots[0]).not.toHaveProperty('seed');
    expect(SEED).toHaveLength(16);
  });

  it('the codec refuses junk here too', () => {
    expect(decodeRequest(Uint8Array.of(0xff, 0xfe))).toMatchObject({
      ok: false,
      error: { code: 'bad_request' },
    });
    expect(decodeRequest('x'.repeat(MAX_FRAME_BYTES + 1))).toMatchObject({
      ok: false,
      error: { code: 'too_large' },
    });
  });

  it('connectWebSocket uses the global WebSocket and reports a refused connection as link_closed', async () => {
    expect(typeof globalThis.WebSocket).toBe('function');
    // Nothing listens on port 9 (discard) on loopback: the handshake fails.
    await expect(
      connectWebSocket('ws://127.0.0.1:9/device?token=x', { openTimeoutMs: 5000 }),
    ).rejects.toMatchObject({ code: 'link_closed' });
  });
});
