// Who may talk to the emulator: one host at a time (device_in_use), only the workspace's origin,
// only with this run's token — and nothing a peer sends crashes it. Also the Mini's face.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { LinkClient } from '@osprio/link';
import { connectWebSocketNode } from '@osprio/link/node';
import type { Emulator } from '../../src/emulator/index.ts';
import {
  SEED,
  WORKSPACE_ORIGIN,
  connectHost,
  refusal,
  sessionId,
  startTestEmulator,
  until,
} from './support.ts';

describe('access to the emulator', () => {
  let emu: Emulator;
  beforeAll(async () => {
    emu = await startTestEmulator();
  });
  afterAll(() => emu?.close());

  it('listens on loopback with a random per-run token in its address', async () => {
    expect(emu.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/device\?token=[0-9a-f]{64}$/);
    const other = await startTestEmulator();
    expect(other.token).not.toBe(emu.token);
    await other.close();
  });

  it('refuses a second host while the first holds the device, and lets it in once the first let go', async () => {
    const first = await connectHost(emu.url, WORKSPACE_ORIGIN);
    const e = await refusal(() => connectHost(emu.url));
    expect(e.code).toBe('device_in_use');
    expect(await first.status()).toMatchObject({ slots: true }); // the first is undisturbed
    first.close();
    await until(() => !emu.hostAttached, 5000, 'the device to notice');
    const second = await connectHost(emu.url);
    expect((await second.hello()).model).toBe('osprio-pro');
    second.close();
  });

  it('refuses a foreign origin, a missing token and a wrong token (HTTP 403, before any frame)', async () => {
    const base = emu.url.replace(/\?.*$/, '');
    const cases: [string, string | undefined, RegExp][] = [
      [emu.url, 'https://evil.example', /origin not allowed/],
      [base, undefined, /missing or wrong token/],
      [`${base}?token=${'0'.repeat(64)}`, WORKSPACE_ORIGIN, /missing or wrong token/],
      [`${base}?token=${emu.token.slice(0, -1)}`, undefined, /missing or wrong token/],
    ];
    for (const [url, origin, why] of cases) {
      const e = await refusal(() =>
        connectWebSocketNode(url, origin === undefined ? {} : { origin }),
      );
      expect(e.message).toMatch(/403/);
      expect(e.message).toMatch(why);
      expect(e.message).not.toContain(emu.token);
    }
    expect(emu.hostAttached).toBe(false);
  });

  it('survives hostile frames and keeps serving', async () => {
    const ws = new WebSocket(emu.url);
    const replies: string[] = [];
    ws.on('message', (d: Buffer) => replies.push(d.toString()));
    await new Promise((r, j) => {
      ws.once('open', r);
      ws.once('error', j);
    });
    const junk = [
      'not json',
      '{}',
      '[]',
      'null',
      '{"id":1}',
      '{"id":"x","type":"hello","params":{}}',
      '{"id":1,"type":"hello","params":{"protocolVersion":99}}',
      '{"id":2,"type":"getSlot","params":{"slot":0}}',
      '{"id":3,"type":"hello","params":{"protocolVersion":1}}',
      '{"id":4,"type":"createSlot","params":{"slot":0,"header":{"name":1},"sessionId":"x","seed":"zz"}}',
      '{"id":5,"type":"verb","params":{"slot":0,"stepIndex":-1,"verb":"explode"}}',
      '{"id":6,"type":"getSlot","params":{"slot":1e308}}',
      `{"id":7,"type":"getSlot","params":{"slot":0,"x":${'['.repeat(5000)}${']'.repeat(5000)}}}`,
      'x'.repeat(300_000),
      '{"id":8,"type":"createSlot","params":{"slot":0,"header":{"__proto__":{"polluted":true}},"sessionId":"00000000-0000-4000-8000-000000000001","seed":"AAAAAAAAAAAAAAAAAAAAAA=="}}',
    ];
    for (const j of junk) ws.send(j);
    ws.send(Buffer.from([0xff, 0xfe, 0x00, 0x80]));
    await until(() => replies.length >= junk.length - 1, 5000, 'error replies');
    ws.close();
    await until(() => !emu.hostAttached, 5000, 'the device to let go');
    const c = await connectHost(emu.url);
    expect((await c.listSlots()).length).toBe(4);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    c.close();
  });
});

describe('the Mini emulator', () => {
  it('offers live quick-step only, and runs a quick-step on its own reader with the real engine (beside a Pro)', async () => {
    const mini = await startTestEmulator({ model: 'mini' });
    const pro = await startTestEmulator({ model: 'pro' }); // npm start runs both in one process
    try {
      const p = await connectHost(pro.url, WORKSPACE_ORIGIN);
      expect((await p.hello()).model).toBe('osprio-pro');
      expect(mini.stateDir).toBeNull();
      const conn = await connectWebSocketNode(mini.url, { origin: WORKSPACE_ORIGIN });
      const c = new LinkClient(conn);
      expect(await c.hello()).toMatchObject({ model: 'osprio-mini', protocolVersion: 1 });
      expect(await c.status()).toMatchObject({
        liveQuickStep: true,
        slots: false,
        offlineAutonomous: false,
        slotCount: 0,
      });
      expect((await refusal(() => c.listSlots())).code).toBe('not_supported');
      const sid = sessionId(77);
      const edges: { state: string; outcome: string | null }[] = [];
      c.onEvent((ev) => {
        if (ev.event === 'edge') edges.push(ev.edge);
      });
      await c.openLive({ sessionId: sid, seed: SEED });
      expect(
        await c.quickStep({
          address: 12,
          baud: 19200,
          options: { timeoutMs: 0, autoVerify: true, expectedCapabilities: [] },
        }),
      ).toEqual({ stepIndex: 0 });
      await until(
        () => edges.some((e) => e.state !== 'attempting'),
        20_000,
        'the quick-step to end',
      );
      expect(edges.at(-1)).toMatchObject({ state: 'success', outcome: 'ok' });
      expect((await p.listSlots()).length).toBe(4); // the Pro next door is unaffected
      c.close();
      p.close();
    } finally {
      await mini.close();
      await pro.close();
    }
  });
});
