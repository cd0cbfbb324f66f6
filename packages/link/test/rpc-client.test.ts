import { afterEach, describe, expect, it, vi } from 'vitest';
import { LinkClient, LinkError, createMemoryPair, encodeError, encodeReply } from '../src/index.ts';
import { tick } from './fixtures.ts';

/** A host client against a scripted device end. */
function scripted(timeoutMs = 1000) {
  const [hostEnd, deviceEnd] = createMemoryPair();
  const onProtocolError = vi.fn();
  const client = new LinkClient(hostEnd, { timeoutMs, onProtocolError });
  const received: { id: number; type: string }[] = [];
  deviceEnd.onMessage((d) => received.push(JSON.parse(String(d))));
  return { client, deviceEnd, hostEnd, received, onProtocolError };
}

const STATUS = {
  liveQuickStep: true,
  slots: false,
  offlineAutonomous: false,
  slotCount: 0,
  maxStepsPerSlot: 126,
};

afterEach(() => {
  vi.useRealTimers();
});

describe('LinkClient', () => {
  it('numbers requests and matches replies by id, whatever their order', async () => {
    const { client, deviceEnd, received } = scripted();
    const a = client.status();
    const b = client.closeLive();
    await tick();
    expect(received.map((r) => r.id)).toEqual([1, 2]);
    deviceEnd.send(encodeReply('closeLive', 2, {}));
    deviceEnd.send(encodeReply('status', 1, STATUS));
    expect(await a).toEqual(STATUS);
    expect(await b).toEqual({});
  });

  it('times out a request with no reply, and ignores the late reply', async () => {
    vi.useFakeTimers();
    const { client, deviceEnd, onProtocolError } = scripted(500);
    const p = client.status();
    const settled = p.catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(499);
    deviceEnd.send(encodeReply('closeLive', 99, {})); // an unknown id: ignored, reported
    await vi.advanceTimersByTimeAsync(1);
    const err = (await settled) as LinkError;
    expect(err).toBeInstanceOf(LinkError);
    expect(err.code).toBe('timeout');
    deviceEnd.send(encodeReply('status', 1, STATUS));
    await vi.advanceTimersByTimeAsync(0);
    expect(onProtocolError).toHaveBeenCalledTimes(2);
    // The link is still usable.
    const q = client.status();
    await vi.advanceTimersByTimeAsync(0);
    deviceEnd.send(encodeReply('status', 2, STATUS));
    await expect(q).resolves.toEqual(STATUS);
  });

  it('fails every pending request with link_closed when the link drops, and refuses new ones', async () => {
    const { client, hostEnd } = scripted();
    const ps = [client.status(), client.listSlots(), client.getSlot(1)].map((p) =>
      p.catch((e: unknown) => e),
    );
    const closed = new Promise((r) => client.onClose(r));
    hostEnd.drop();
    for (const e of await Promise.all(ps)) expect(e).toMatchObject({ code: 'link_closed' });
    expect(await closed).toMatchObject({ code: 1006 });
    await expect(client.status()).rejects.toMatchObject({ code: 'link_closed' });
  });

  it('fails pending requests when the device closes the link', async () => {
    const { client, deviceEnd } = scripted();
    const p = client.status().catch((e: unknown) => e);
    await tick();
    deviceEnd.close(1000, 'device shutting down');
    expect(await p).toMatchObject({
      code: 'link_closed',
      message: expect.stringContaining('device shutting down'),
    });
  });

  it('a reply that breaks the schema rejects that request with bad_reply', async () => {
    const { client, deviceEnd } = scripted();
    const p = client.status().catch((e: unknown) => e);
    await tick();
    deviceEnd.send(
      JSON.stringify({ id: 1, type: 'status', ok: true, result: { ...STATUS, slotCount: 'x' } }),
    );
    expect(await p).toMatchObject({ code: 'bad_reply' });
  });

  it('an error reply rejects with the device code and message', async () => {
    const { client, deviceEnd } = scripted();
    const p = client.getSlot(3).catch((e: unknown) => e);
    await tick();
    deviceEnd.send(encodeError(1, 'not_found', 'no slot 3'));
    expect(await p).toMatchObject({ code: 'not_found', message: 'no slot 3' });
  });

  it('invalid params are rejected locally and never sent', async () => {
    const { client, received } = scripted();
    await expect(
      client.createSlot({ slot: 0, header: {} as never, sessionId: 'x', seed: new Uint8Array(16) }),
    ).rejects.toMatchObject({ code: 'bad_request' });
    await tick();
    expect(received).toEqual([]);
  });

  it('junk from the device never throws and is reported', async () => {
    const { client, deviceEnd, onProtocolError } = scripted();
    const events = vi.fn();
    client.onEvent(events);
    deviceEnd.send('}{');
    deviceEnd.sendBytes(Uint8Array.of(0xff));
    deviceEnd.send(JSON.stringify({ event: 'edge', edge: { seq: 'x' } }));
    await tick();
    expect(onProtocolError).toHaveBeenCalledTimes(3);
    expect(events).not.toHaveBeenCalled();
  });
});
