// The Device served over the real link (memory transport): requests, wire error codes, and edges.

import { afterEach, describe, expect, it } from 'vitest';
import {
  createLinkServer,
  createMemoryPair,
  LinkClient,
  LinkError,
  eventEdges,
} from '@osprio/link';
import type { ProgressEdge } from '@osprio/link';
import type { Device } from '../src/index.ts';
import { DeviceLinkHandler } from '../src/index.ts';
import {
  flush,
  header,
  manualExecutor,
  OPTIONS,
  openDevice,
  result,
  SEED,
  SESSION,
  SESSION2,
  tmpDir,
} from './helpers.ts';

const opened: Device[] = [];
afterEach(async () => {
  for (const d of opened.splice(0)) await d.close();
});

async function connect() {
  const m = manualExecutor();
  const d = openDevice(tmpDir(), m.exec, { hostAttached: false });
  opened.push(d);
  const [hostEnd, deviceEnd] = createMemoryPair();
  createLinkServer(new DeviceLinkHandler(d), deviceEnd);
  const client = new LinkClient(hostEnd);
  const edges: ProgressEdge[] = [];
  client.onEvent((ev) => {
    edges.push(...eventEdges(ev));
  });
  await client.hello();
  return { d, m, client, edges };
}

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (e) {
    return e instanceof LinkError ? e.code : 'not a LinkError';
  }
}

describe('DeviceLinkHandler over the link', () => {
  it('serves the slot workflow, maps rejections to wire codes, and streams edges', async () => {
    const { m, client, edges } = await connect();
    expect(await client.status()).toMatchObject({ slots: true, slotCount: 4 });
    expect(
      await client.createSlot({ slot: 0, header: header(2), sessionId: SESSION, seed: SEED }),
    ).toMatchObject({ index: 0, state: 'staging' });
    expect(
      await code(client.createSlot({ slot: 0, header: header(2), sessionId: SESSION, seed: SEED })),
    ).toBe('illegal_state');
    expect(
      await client.uploadSteps({
        slot: 0,
        steps: [
          { index: 0, address: 1, baud: 115200 },
          { index: 1, address: 2, baud: 115200 },
        ],
      }),
    ).toEqual({ uploaded: 2 });
    expect(await client.sealSlot({ slot: 0, stepCount: 2 })).toMatchObject({ state: 'ready' });
    expect(await code(client.verb({ slot: 0, stepIndex: 0, verb: 'retry' }))).toBe('verb_illegal');
    expect(await code(client.verb({ slot: 0, stepIndex: 5, verb: 'try' }))).toBe('unknown_step');
    expect(await code(client.verb({ slot: 1, stepIndex: 0, verb: 'try' }))).toBe('slot_not_ready');
    expect(await client.subscribe({ slot: 0, sinceSeq: 0 })).toMatchObject({
      status: 'streaming',
      lastSeq: 0,
    });
    await client.verb({ slot: 0, stepIndex: 0, verb: 'try' });
    await flush();
    m.calls[0]!.finish(result('ok'));
    await flush();
    await new Promise((r) => setTimeout(r, 10));
    expect(edges.map((e) => [e.seq, e.state])).toEqual([
      [1, 'attempting'],
      [2, 'success'],
    ]);
    const slot = await client.getSlot(0);
    expect(slot.seed).toEqual(SEED);
    expect(slot.steps[0]).toMatchObject({ state: 'success', attempts: 1 });
    expect(await client.deleteSlot(0)).toMatchObject({ state: 'empty' });
  });

  it('subscribe(sinceSeq 0) on a new plan in a reused slot index streams it from the start', async () => {
    const { client, edges } = await connect();
    const plan = async () => {
      await client.createSlot({ slot: 0, header: header(1), sessionId: SESSION, seed: SEED });
      await client.uploadSteps({ slot: 0, steps: [{ index: 0, address: 1, baud: 115200 }] });
      await client.sealSlot({ slot: 0, stepCount: 1 });
    };
    await plan();
    for (let i = 0; i < 3; i++) {
      await client.verb({ slot: 0, stepIndex: 0, verb: 'skip' });
      await client.verb({ slot: 0, stepIndex: 0, verb: 'reset' });
    }
    await client.deleteSlot(0);
    await plan();
    expect(await client.subscribe({ slot: 0, sinceSeq: 0 })).toEqual({
      status: 'streaming',
      lastSeq: 6,
    });
    await client.verb({ slot: 0, stepIndex: 0, verb: 'skip' });
    await new Promise((r) => setTimeout(r, 10));
    expect(edges.map((e) => [e.seq, e.state])).toEqual([[7, 'skipped']]);
  });

  it('serves live quick-steps and closes the live session when the link drops', async () => {
    const { d, m, client } = await connect();
    await client.openLive({ sessionId: SESSION2, seed: SEED });
    expect(await client.quickStep({ address: 4, baud: 9600, options: OPTIONS })).toEqual({
      stepIndex: 0,
    });
    await flush();
    client.close();
    await new Promise((r) => setTimeout(r, 10));
    expect(m.calls[0]!.aborted).toBe(true);
    expect(d.getLive()).toMatchObject({ ok: false, code: 'no_live_session' });
  });
});

describe('live sessionId case', () => {
  it('an uppercase sessionId in openLive still streams the quick-step edges to the host', async () => {
    const { m, client, edges } = await connect();
    const upper = SESSION2.toUpperCase();
    await client.openLive({ sessionId: upper, seed: SEED });
    expect(await client.quickStep({ address: 4, baud: 9600, options: OPTIONS })).toEqual({
      stepIndex: 0,
    });
    await flush();
    m.calls[0]!.finish(result('ok'));
    await flush();
    await new Promise((r) => setTimeout(r, 10));
    expect(edges.map((e) => [e.queue, e.state])).toEqual([
      [{ live: SESSION2 }, 'attempting'],
      [{ live: SESSION2 }, 'success'],
    ]);
  });
});
