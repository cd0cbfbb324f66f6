import { describe, expect, it, vi } from 'vitest';
import {
  LinkClient,
  LinkError,
  PROTOCOL_VERSION,
  createLinkServer,
  createMemoryPair,
  encodeRequest,
  MAX_FRAME_BYTES,
  REPLAY_BATCH_BYTES,
  eventEdges,
  type LinkEvent,
  type ProgressEdge,
} from '../src/index.ts';
import { FakeDevice, LIVE_ID, PROFILE, SEED, SESSION_ID, edge, tick } from './fixtures.ts';

function connect(device: FakeDevice, opts: Parameters<typeof createLinkServer>[2] = {}) {
  const [hostEnd, deviceEnd] = createMemoryPair();
  const server = createLinkServer(device, deviceEnd, opts);
  const client = new LinkClient(hostEnd, { timeoutMs: 2000 });
  const events: LinkEvent[] = [];
  client.onEvent((e) => events.push(e));
  return { client, server, hostEnd, deviceEnd, events };
}

async function readySlot(client: LinkClient, slot = 1, n = 3) {
  await client.createSlot({
    slot,
    header: { ...PROFILE, deviceCount: n },
    sessionId: SESSION_ID,
    seed: SEED,
  });
  await client.uploadAllSteps(
    slot,
    Array.from({ length: n }, (_, i) => ({ index: i, address: i + 1, baud: 115200 })),
  );
  return client.sealSlot({ slot, stepCount: n });
}

const edges = (evs: LinkEvent[]) => evs.flatMap((e) => eventEdges(e));

describe('session', () => {
  it('hello answers with the device identity and the version', async () => {
    const device = new FakeDevice();
    const { client } = connect(device);
    expect(await client.hello('test')).toEqual({
      protocolVersion: PROTOCOL_VERSION,
      model: 'osprio-pro',
      serialNumber: 'OP-0001',
      firmwareVersion: '1.2.3',
    });
    expect(device.attaches).toBe(1);
  });

  it('an unserveable version gets version_unsupported and no session', async () => {
    const device = new FakeDevice();
    const { client } = connect(device);
    const err = await client.request('hello', { protocolVersion: 99 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LinkError);
    expect(err).toMatchObject({
      code: 'version_unsupported',
      message: expect.stringContaining('99'),
    });
    expect(device.attaches).toBe(0);
    await expect(client.status()).rejects.toMatchObject({ code: 'hello_required' });
  });

  it('nothing but hello is served before hello', async () => {
    const device = new FakeDevice();
    const { client } = connect(device);
    await expect(client.listSlots()).rejects.toMatchObject({ code: 'hello_required' });
    await expect(client.deleteSlot(0)).rejects.toMatchObject({ code: 'hello_required' });
    expect(device.calls).toEqual([]);
  });

  it('a link that never says hello is closed, freeing the device', async () => {
    const device = new FakeDevice();
    const { hostEnd } = connect(device, { helloTimeoutMs: 20 });
    const closed = new Promise((r) => hostEnd.onClose(r));
    expect(await closed).toMatchObject({ code: 4408 });
    const second = connect(device);
    expect(second.server.accepted).toBe(true);
  });

  it('a second host is refused with device_in_use until the first lets go', async () => {
    const device = new FakeDevice();
    const first = connect(device);
    await first.client.hello();
    const second = connect(device);
    expect(second.server.accepted).toBe(false);
    await expect(second.client.hello()).rejects.toMatchObject({ code: 'device_in_use' });
    expect(second.client.closed).toBe(true);
    expect(await first.client.status()).toMatchObject({ slots: true });

    first.client.close();
    await tick();
    expect(device.detaches).toBe(1);
    const third = connect(device);
    expect(third.server.accepted).toBe(true);
    await expect(third.client.hello()).resolves.toMatchObject({ model: 'osprio-pro' });
  });

  it('a dropped link frees the device too', async () => {
    const device = new FakeDevice();
    const first = connect(device);
    await first.client.hello();
    first.hostEnd.drop();
    expect(device.detaches).toBe(1);
    expect(device.session).toBeNull();
    const next = connect(device);
    await expect(next.client.hello()).resolves.toBeDefined();
  });
});

describe('requests', () => {
  it('drives a slot from create to verbs; summaries never carry the seed', async () => {
    const device = new FakeDevice();
    const { client, hostEnd } = connect(device);
    const sent: string[] = [];
    hostEnd.onMessage((d) => sent.push(String(d)));
    await client.hello();
    const sealed = await readySlot(client, 1, 40); // 40 steps → two chunks
    expect(sealed).toMatchObject({
      index: 1,
      state: 'ready',
      counters: { total: 40, pending: 40 },
    });
    expect(device.calls.filter((c) => c === 'uploadSteps')).toHaveLength(2);
    const slots = await client.listSlots();
    expect(slots).toHaveLength(4);
    expect(slots[1]).not.toHaveProperty('seed');
    expect(slots[1]).not.toHaveProperty('steps');
    expect(sent.join('\n')).not.toMatch(/seed/);
    const detail = await client.getSlot(1);
    expect(detail.seed).toEqual(SEED);
    expect(detail.steps).toHaveLength(40);
    await expect(client.verb({ slot: 1, stepIndex: 0, verb: 'try' })).resolves.toEqual({
      accepted: true,
    });
  });

  it('verb rejections carry the device reason and code', async () => {
    const device = new FakeDevice();
    const { client } = connect(device);
    await client.hello();
    await expect(client.verb({ slot: 0, stepIndex: 0, verb: 'try' })).rejects.toMatchObject({
      code: 'slot_not_ready',
    });
    await readySlot(client, 0);
    await expect(client.verb({ slot: 0, stepIndex: 9, verb: 'try' })).rejects.toMatchObject({
      code: 'unknown_step',
    });
    await client.verb({ slot: 0, stepIndex: 0, verb: 'try' });
    await expect(client.verb({ slot: 0, stepIndex: 0, verb: 'try' })).rejects.toMatchObject({
      code: 'verb_illegal',
      message: 'try is not legal from attempting',
    });
  });

  it('a handler failure that is not a LinkError becomes a generic internal error', async () => {
    const device = new FakeDevice();
    const onInternalError = vi.fn();
    const { client } = connect(device, { onInternalError });
    await client.hello();
    device.failNext = new Error('flash write failed for seed a0a1a2…');
    const err = (await client.status().catch((e: unknown) => e)) as LinkError;
    expect(err.code).toBe('internal');
    expect(err.message).not.toMatch(/flash|seed/);
    expect(onInternalError).toHaveBeenCalledOnce();
    await expect(client.status()).resolves.toBeDefined(); // the link carries on
  });

  it('a plain { code, message } thrown by the handler keeps its code', async () => {
    const device = new FakeDevice();
    const { client } = connect(device);
    await client.hello();
    device.failNext = { code: 'not_supported', message: 'this device has no slots' };
    await expect(client.listSlots()).rejects.toMatchObject({
      code: 'not_supported',
      message: 'this device has no slots',
    });
    device.failNext = { code: 'made_up', message: 'secret detail' };
    await expect(client.listSlots()).rejects.toMatchObject({
      code: 'internal',
      message: 'the device failed to serve listSlots',
    });
  });

  it('a device reply the protocol does not allow becomes internal, naming the field', async () => {
    const device = new FakeDevice();
    const onInternalError = vi.fn();
    const { client } = connect(device, { onInternalError });
    await client.hello();
    device.status = async () => ({
      liveQuickStep: true,
      slots: true,
      offlineAutonomous: true,
      slotCount: -1,
      maxStepsPerSlot: 126,
    });
    await expect(client.status()).rejects.toMatchObject({
      code: 'internal',
      message: 'invalid status reply: result.slotCount: expected >=0',
    });
    expect(onInternalError).toHaveBeenCalledOnce();
  });

  it('more than maxQueued outstanding requests get busy', async () => {
    const device = new FakeDevice();
    const { client } = connect(device, { maxQueued: 2 });
    await client.hello();
    const results = await Promise.allSettled(Array.from({ length: 6 }, () => client.status()));
    const codes = results.map((r) =>
      r.status === 'fulfilled' ? 'ok' : (r.reason as LinkError).code,
    );
    expect(codes.filter((c) => c === 'busy').length).toBeGreaterThan(0);
    expect(codes.filter((c) => c === 'ok').length).toBeGreaterThanOrEqual(2);
  });
});

describe('progress edges', () => {
  it('subscribe replays stored edges after sinceSeq, then streams live ones, each once', async () => {
    const device = new FakeDevice();
    const { client, events } = connect(device);
    await client.hello();
    await readySlot(client, 2);
    for (let i = 0; i < 5; i++) device.emit(2); // seq 1..5 made while unsubscribed
    expect(await client.subscribe({ slot: 2, sinceSeq: 2 })).toEqual({
      status: 'streaming',
      lastSeq: 5,
    });
    device.emit(2); // seq 6, live
    device.emit(3 - 3); // another slot, not subscribed
    await tick();
    expect(edges(events).map((e) => e.seq)).toEqual([3, 4, 5, 6]);
    expect(edges(events).every((e) => 'slot' in e.queue && e.queue.slot === 2)).toBe(true);
    // Re-subscribing from the last applied seq never double-applies.
    await client.subscribe({ slot: 2, sinceSeq: 6 });
    device.emit(2);
    await tick();
    expect(edges(events).map((e) => e.seq)).toEqual([3, 4, 5, 6, 7]);
  });

  it('the replay after subscribe comes batched (edges events under MAX_FRAME_BYTES), in order, after the reply and before live edges', async () => {
    const device = new FakeDevice();
    const { client, events, hostEnd } = connect(device);
    await client.hello();
    await readySlot(client, 2);
    const detail = 'x'.repeat(200);
    for (let i = 0; i < 3000; i++) device.emit(2, { detail }); // seq 1..3000 made while unsubscribed
    const frames: { kind: string; bytes: number; n: number }[] = [];
    hostEnd.onMessage((d) => {
      const m = JSON.parse(String(d)) as { event?: string; edges?: unknown[] };
      frames.push({
        kind: m.event ?? 'reply',
        bytes: new TextEncoder().encode(String(d)).length,
        n: m.edges?.length ?? 1,
      });
    });
    const orig = device.subscribe.bind(device);
    device.subscribe = async (p) => {
      const ans = await orig(p);
      device.emit(2); // seq 3001, made while the subscribe is served: after the replay
      return ans;
    };
    expect(await client.subscribe({ slot: 2, sinceSeq: 10 })).toEqual({
      status: 'streaming',
      lastSeq: 3000,
    });
    device.emit(2); // seq 3002, live
    await tick();
    const kinds = frames.map((f) => f.kind);
    expect(kinds[0]).toBe('reply');
    expect(kinds.slice(-2)).toEqual(['edge', 'edge']);
    const batches = frames.slice(1, -2);
    expect(batches.length).toBeGreaterThan(1); // 2,990 long edges do not fit one frame
    expect(batches.every((f) => f.kind === 'edges' && f.bytes <= REPLAY_BATCH_BYTES)).toBe(true);
    expect(batches.reduce((a, f) => a + f.n, 0)).toBe(2990);
    expect(edges(events).map((e) => e.seq)).toEqual(Array.from({ length: 2992 }, (_, i) => i + 11));
    expect(
      edges(events).every(
        (e, i) => 'slot' in e.queue && e.queue.slot === 2 && (i >= 2990 || e.detail === detail),
      ),
    ).toBe(true);
  });

  it('replayBatchBytes sets the replay frame size, never above MAX_FRAME_BYTES', async () => {
    for (const [replayBatchBytes, limit] of [
      [2048, 2048],
      [10 * MAX_FRAME_BYTES, MAX_FRAME_BYTES],
    ] as const) {
      const device = new FakeDevice();
      const { client, events, hostEnd } = connect(device, { replayBatchBytes });
      await client.hello();
      await readySlot(client, 0);
      for (let i = 0; i < 1500; i++) device.emit(0, { detail: 'y'.repeat(150) });
      const sizes: number[] = [];
      hostEnd.onMessage(
        (d) =>
          String(d).startsWith('{"event":"edges"') &&
          sizes.push(new TextEncoder().encode(String(d)).length),
      );
      await client.subscribe({ slot: 0, sinceSeq: 0 });
      await tick();
      expect(Math.max(...sizes)).toBeLessThanOrEqual(limit);
      expect(Math.max(...sizes)).toBeGreaterThan(limit / 2); // frames are filled, not one edge each
      expect(edges(events).map((e) => e.seq)).toEqual(
        Array.from({ length: 1500 }, (_, i) => i + 1),
      );
    }
  });

  it('a replay repeating or reordering edges still sends each seq once, in order', async () => {
    const device = new FakeDevice();
    const { client, events } = connect(device);
    await client.hello();
    await readySlot(client, 1);
    for (let i = 0; i < 4; i++) device.emit(1);
    const [e1, e2, e3, e4] = device.slots[1]!.edges;
    device.subscribe = async () => ({
      status: 'streaming',
      replay: [e1!, e3!, e2!, e3!, e4!, edge(0, 9)],
      lastSeq: 4,
    });
    await client.subscribe({ slot: 1, sinceSeq: 0 });
    await tick();
    expect(edges(events).map((e) => e.seq)).toEqual([1, 3, 4]);
    expect(events.map((e) => e.event)).toEqual(['edges']);
  });

  it('an edge the device cannot encode is left out of the replay and reported, the rest still go', async () => {
    const device = new FakeDevice();
    const internal = vi.fn();
    const { client, events } = connect(device, { onInternalError: internal });
    await client.hello();
    await readySlot(client, 1);
    device.emit(1);
    device.emit(1, { detail: 'bad\nline' });
    device.emit(1);
    await client.subscribe({ slot: 1, sinceSeq: 0 });
    await tick();
    expect(edges(events).map((e) => e.seq)).toEqual([1, 3]);
    expect(internal).toHaveBeenCalledTimes(1);
    expect(String((internal.mock.calls[0]![0] as Error).message)).toMatch(
      /detail: no control characters/,
    );
  });

  it('the verb reply comes before the edge it caused, even if the device made the edge first', async () => {
    const device = new FakeDevice();
    const { client, hostEnd } = connect(device);
    await client.hello();
    await readySlot(client, 1);
    await client.subscribe({ slot: 1, sinceSeq: 0 });
    const order: string[] = [];
    hostEnd.onMessage((d) => order.push(JSON.parse(String(d)).event ?? 'reply'));
    await client.verb({ slot: 1, stepIndex: 0, verb: 'try' });
    await tick();
    expect(order).toEqual(['reply', 'edge']);
  });

  it('edges made while a subscribe is being served are neither lost nor doubled', async () => {
    const device = new FakeDevice();
    const { client, events } = connect(device);
    await client.hello();
    await readySlot(client, 1);
    device.emit(1);
    const orig = device.subscribe.bind(device);
    device.subscribe = async (p) => {
      const ans = await orig(p);
      device.emit(1); // seq 2, stored AND pushed live while the request is in flight
      return ans.status === 'streaming'
        ? { ...ans, replay: [...ans.replay, device.slots[1]!.edges[1]!] }
        : ans;
    };
    await client.subscribe({ slot: 1, sinceSeq: 0 });
    await tick();
    expect(edges(events).map((e) => e.seq)).toEqual([1, 2]);
  });

  it('a sinceSeq older than the store gets a resync answer and nothing streams until re-subscribed', async () => {
    const device = new FakeDevice();
    const { client, events } = connect(device);
    await client.hello();
    await readySlot(client, 1);
    for (let i = 0; i < 10; i++) device.emit(1);
    device.oldestKept.set(1, 6);
    expect(await client.subscribe({ slot: 1, sinceSeq: 2 })).toEqual({
      status: 'resync',
      oldestSeq: 6,
      lastSeq: 10,
    });
    device.emit(1);
    await tick();
    expect(edges(events)).toEqual([]);
    const detail = await client.getSlot(1);
    await client.subscribe({ slot: 1, sinceSeq: detail.lastSeq });
    device.emit(1);
    await tick();
    expect(edges(events).map((e) => e.seq)).toEqual([12]);
  });

  it('pushResync tells a subscribed host, once, and stops the stream', async () => {
    const device = new FakeDevice();
    const { client, events } = connect(device);
    await client.hello();
    await client.subscribe({ slot: 0, sinceSeq: 0 });
    device.session!.pushResync({ slot: 0 }, 'edge store overflowed');
    device.session!.pushResync({ slot: 3 }, 'not subscribed: not sent');
    device.emit(0);
    await tick();
    expect(events).toEqual([
      { event: 'resync', queue: { slot: 0 }, reason: 'edge store overflowed' },
    ]);
  });

  it('unsubscribe stops the stream', async () => {
    const device = new FakeDevice();
    const { client, events } = connect(device);
    await client.hello();
    await client.subscribe({ slot: 0, sinceSeq: 0 });
    await client.unsubscribe(0);
    device.emit(0);
    await tick();
    expect(events).toEqual([]);
  });

  it('live quick-steps stream on the live queue in the shape of slot edges', async () => {
    const device = new FakeDevice();
    const { client, events } = connect(device);
    await client.hello();
    await expect(
      client.quickStep({
        address: 1,
        baud: 9600,
        options: { timeoutMs: 0, autoVerify: true, expectedCapabilities: [] },
      }),
    ).rejects.toMatchObject({
      code: 'illegal_state',
    });
    expect(await client.openLive({ sessionId: LIVE_ID, seed: SEED })).toEqual({
      queue: { live: LIVE_ID },
    });
    const opts = { timeoutMs: 0, autoVerify: true, expectedCapabilities: [] };
    expect(await client.quickStep({ address: 1, baud: 9600, options: opts })).toEqual({
      stepIndex: 0,
    });
    expect(await client.quickStep({ address: 2, baud: 9600, options: opts })).toEqual({
      stepIndex: 1,
    });
    await tick();
    const live = edges(events);
    expect(live.map((e: ProgressEdge) => [e.queue, e.stepIndex, e.stage])).toEqual([
      [{ live: LIVE_ID }, 0, 'queued'],
      [{ live: LIVE_ID }, 1, 'queued'],
    ]);
    // A quick-step row has the same verbs as a batch row.
    await expect(client.verb({ live: LIVE_ID, stepIndex: 1, verb: 'retry' })).resolves.toEqual({
      accepted: true,
    });
    await expect(client.verb({ live: LIVE_ID, stepIndex: 5, verb: 'retry' })).rejects.toMatchObject(
      { code: 'unknown_step' },
    );
    await tick();
    expect(edges(events).map((e) => e.stepIndex)).toEqual([0, 1, 1]);
    await client.closeLive();
    expect(device.liveId).toBeNull();
    // After closeLive the live queue no longer streams.
    device.session!.pushEdge({ ...edge(0, 99), queue: { live: LIVE_ID } });
    await tick();
    expect(edges(events)).toHaveLength(3);
  });

  it('pushEdge after the link closed is harmless', async () => {
    const device = new FakeDevice();
    const { client, events } = connect(device);
    await client.hello();
    await client.subscribe({ slot: 0, sinceSeq: 0 });
    const session = device.session!;
    client.close();
    await tick();
    session.pushEdge(edge(0, 1));
    await tick();
    expect(events).toEqual([]);
  });
});

describe('hostile frames through the server', () => {
  it('every bad frame gets an error reply and touches nothing', async () => {
    const device = new FakeDevice();
    const { client, hostEnd } = connect(device);
    await client.hello();
    const before = JSON.stringify(device.slots);
    const callsBefore = device.calls.length;
    const replies: unknown[] = [];
    hostEnd.onMessage((d) => replies.push(JSON.parse(String(d))));
    const frames = [
      'garbage',
      '{"id":1,"type":"createSlot","params":{"slot":0}}',
      JSON.stringify({
        id: 2,
        type: 'createSlot',
        params: { slot: 0, header: PROFILE, sessionId: 'not-a-uuid', seed: '00'.repeat(16) },
      }),
      '{"id":3,"type":"deleteSlot","params":{"slot":0,"__proto__":{"x":1}}}',
      '{"id":4,"type":"wipeAll","params":{}}',
    ];
    for (const f of frames) hostEnd.send(f);
    hostEnd.sendBytes(Uint8Array.of(0xc0, 0xaf, 0xff));
    hostEnd.sendBytes(
      new TextEncoder().encode(encodeRequest(5, 'getSlot', { slot: 300 - 300 })).slice(0, 10),
    );
    await tick(10);
    expect(replies).toHaveLength(7);
    for (const r of replies)
      expect(r).toMatchObject({
        ok: false,
        error: { code: expect.stringMatching(/^(bad_request|unknown_type)$/) },
      });
    expect(replies.map((r) => (r as { id: unknown }).id)).toEqual([null, 1, 2, 3, 4, null, null]);
    expect(JSON.stringify(device.slots)).toBe(before);
    expect(device.calls.length).toBe(callsBefore);
  });
});
