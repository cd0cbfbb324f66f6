// The host library runs unchanged in Chromium (the workspace's home): its entry point pulls in no
// Node API; a DeviceSession drives a device over the in-memory link; the key export is built and
// age-encrypted with WebCrypto's CSPRNG.
import { describe, expect, it } from 'vitest';
import { createLinkServer, createMemoryPair } from '@osprio/link';
import { Decrypter, generateIdentity, identityToRecipient } from 'age-encryption';
import { DeviceSession, buildKeyFile, encryptKeyFile, planFromProfile } from '../src/index.ts';
import { FakeDevice } from '../../link/test/fixtures.ts';

describe('host in the browser', () => {
  it('attaches, writes a plan with a crypto.getRandomValues seed, and follows the slot', async () => {
    const dev = new FakeDevice();
    const s = await DeviceSession.attach({
      connect: async () => {
        const [h, d] = createMemoryPair();
        createLinkServer(dev, d);
        return h;
      },
    });
    expect(s.state).toMatchObject({ kind: 'attached', screen: 'mode-picker' });
    const r = planFromProfile(
      {
        name: 'Lobby',
        deviceCount: 3,
        addressStrategy: 'random',
        startAddress: 10,
        manualAddresses: [],
        baud: 9600,
        expectedCapabilities: [],
        timeoutMs: 0,
        autoVerify: false,
      },
      (n) => crypto.getRandomValues(new Uint8Array(n)),
    );
    if (!r.ok) throw new Error('plan');
    expect(await s.createSlot(0, r.plan)).toMatchObject({ state: 'ready' });
    const held = dev.slots[0]!.detail.seed!;
    expect(held).toHaveLength(16);
    expect(held.some((b) => b !== 0)).toBe(true);
    const v = await s.openSlot(0);
    await v.verb(1, 'try');
    await new Promise((r) => setTimeout(r, 20));
    expect(v.snapshot.rows[1]).toMatchObject({
      state: 'attempting',
      stage: 'queued',
      requested: null,
    });
    s.close();
    expect(s.state).toEqual({ kind: 'closed' });
  });

  it('builds and age-encrypts the key export', async () => {
    const seed = crypto.getRandomValues(new Uint8Array(16));
    const f = buildKeyFile(
      {
        sessionId: crypto.randomUUID(),
        seed,
        slotState: 'complete',
        steps: [{ index: 0, address: 1, baud: 9600, state: 'success' }],
      },
      'csv',
    );
    const plain = new TextDecoder().decode(f.bytes);
    expect(plain).toMatch(/^pd_address,baudrate,scbk\n1,9600,[0-9a-f]{32}\n$/);
    const id = await generateIdentity();
    const enc = await encryptKeyFile(f, [await identityToRecipient(id)]);
    const d = new Decrypter();
    d.addIdentity(id);
    expect(await d.decrypt(enc.bytes, 'text')).toBe(plain);
  });
});
