import { afterEach, describe, expect, it } from 'vitest';
import { LinkError } from '@osprio/link';
import type { LinkConnection } from '@osprio/link';
import {
  DeviceSession,
  HostError,
  isUnfinishedUpload,
  planFromProfile,
  reattachUntilAttached,
  stepRecords,
} from '../src/index.ts';
import type { SessionState } from '../src/index.ts';
import { TestDevice, findBytes, flush, profile, recordingRandom } from './support.ts';

const devices: TestDevice[] = [];
const sessions: DeviceSession[] = [];

function testDevice(...args: ConstructorParameters<typeof TestDevice>): TestDevice {
  const d = new TestDevice(...args);
  devices.push(d);
  return d;
}

async function attach(
  d: TestDevice,
  extra: Partial<Parameters<typeof DeviceSession.attach>[0]> = {},
): Promise<DeviceSession> {
  const s = await DeviceSession.attach({
    connect: d.connect,
    hostName: 'host-test/1',
    requestTimeoutMs: 2000,
    ...extra,
  });
  sessions.push(s);
  return s;
}

function planOf(n: number) {
  const r = planFromProfile(profile(n), () => new Uint8Array(6));
  if (!r.ok) throw new Error('bad plan');
  return r.plan;
}

afterEach(async () => {
  for (const s of sessions.splice(0)) s.close();
  for (const d of devices.splice(0)) await d.close();
});

describe('attach', () => {
  it('says hello, reads status and derives the opening screen', async () => {
    const s = await attach(testDevice());
    expect(s.state).toMatchObject({
      kind: 'attached',
      identity: { model: 'osprio-pro', protocolVersion: 1 },
      status: { slots: true, liveQuickStep: true },
      screen: 'mode-picker',
    });
  });

  it('reports a device held by another host as in_use, not as an exception', async () => {
    const d = testDevice();
    const first = await attach(d);
    const second = await attach(d);
    expect(first.state.kind).toBe('attached');
    expect(second.state).toMatchObject({ kind: 'in_use' });
    // once the first lets go, the second gets in
    first.close();
    await flush();
    expect(await second.reattach()).toMatchObject({ kind: 'attached' });
  });

  it('reports a protocol version the device does not serve as incompatible', async () => {
    const s = await attach(testDevice(undefined, {}, { supportedVersions: [7] }));
    expect(s.state).toMatchObject({ kind: 'incompatible' });
    expect((s.state as { message: string }).message).toMatch(/protocol version/);
  });

  it('reports a link that cannot be opened as unreachable', async () => {
    const s = await DeviceSession.attach({
      connect: () =>
        Promise.reject(
          new LinkError('link_closed', 'the device refused the connection: 403 origin not allowed'),
        ),
    });
    expect(s.state).toEqual({
      kind: 'unreachable',
      message: 'the device refused the connection: 403 origin not allowed',
    });
    const t = await DeviceSession.attach({
      connect: () => Promise.reject(new Error('ECONNREFUSED secret stuff')),
    });
    expect(t.state).toEqual({
      kind: 'unreachable',
      message: 'could not open a link to the device',
    });
  });

  it('reports a link that never answers hello as unreachable', async () => {
    const silent: LinkConnection = {
      send() {},
      onMessage: () => () => {},
      onClose: () => () => {},
      close() {},
      closed: false,
    };
    const s = await DeviceSession.attach({ connect: async () => silent, requestTimeoutMs: 30 });
    expect(s.state).toMatchObject({ kind: 'unreachable', message: expect.stringMatching(/hello/) });
  });

  it('turns a dropped link into the lost state, and requests into HostError not_attached', async () => {
    const d = testDevice();
    const s = await attach(d);
    const seen: SessionState['kind'][] = [];
    s.onState((st) => seen.push(st.kind));
    d.drop();
    await flush();
    expect(s.state).toMatchObject({ kind: 'lost' });
    expect(seen).toEqual(['lost']);
    await expect(s.listSlots()).rejects.toMatchObject({ name: 'HostError', code: 'not_attached' });
    expect(await s.reattach()).toMatchObject({ kind: 'attached' });
    expect(seen).toEqual(['lost', 'connecting', 'attached']);
  });

  it('closes cleanly: the device is free at once', async () => {
    const d = testDevice();
    const s = await attach(d);
    s.close();
    expect(s.state).toEqual({ kind: 'closed' });
    expect(await s.reattach()).toEqual({ kind: 'closed' });
    await flush();
    const t = await attach(d);
    expect(t.state.kind).toBe('attached');
  });
});

describe('plan → slot', () => {
  it('creates, uploads in chunks with progress, seals; the seed came from the injected CSPRNG and is gone from the session', async () => {
    const d = testDevice();
    const rnd = recordingRandom();
    const s = await attach(d, {
      randomBytes: rnd.randomBytes,
      randomUuid: () => '6F1C7A52-0000-4000-8000-000000000001',
    });
    const progress: [number, number][] = [];
    const summary = await s.createSlot(2, planOf(70), {
      onUpload: (u, t) => progress.push([u, t]),
    });
    expect(summary).toMatchObject({
      index: 2,
      state: 'ready',
      profileName: 'Lobby readers',
      counters: { total: 70, pending: 70 },
    });
    expect(progress).toEqual([
      [32, 70],
      [64, 70],
      [70, 70],
    ]);
    const seed = rnd.given[0]!;
    const held = d.device.getSlot(2);
    expect(held.ok && held.slot.seed).toEqual(seed); // the device holds what the CSPRNG gave
    // The session holds no copy (bytes or hex) anywhere it can reach, even with a slot open.
    const v = await s.openSlot(2);
    expect(findBytes(s, seed)).toEqual([]);
    expect(findBytes(v, seed)).toEqual([]);
  });

  it('zeroes the seed it generated, also when the write fails', async () => {
    const d = testDevice();
    const made: Uint8Array[] = [];
    const s = await attach(d, {
      randomBytes: (n) => {
        const b = new Uint8Array(n).fill(0x77);
        made.push(b);
        return b;
      },
    });
    await s.createSlot(0, planOf(3));
    expect(made[0]).toEqual(new Uint8Array(16));
    // slot 0 is taken: createSlot is refused, the new seed is zeroed all the same
    await expect(s.createSlot(0, planOf(3))).rejects.toMatchObject({ code: 'illegal_state' });
    expect(made[1]).toEqual(new Uint8Array(16));
  });

  it('leaves an interrupted upload as a staging slot, shown as unfinished and deletable', async () => {
    const d = testDevice();
    const s = await attach(d);
    const p = s.createSlot(1, planOf(100), {
      onUpload: (u) => {
        if (u === 64) d.drop();
      },
    });
    await expect(p).rejects.toBeInstanceOf(HostError);
    expect(s.state.kind).toBe('lost');
    await s.reattach();
    const slot = (await s.listSlots())[1]!;
    expect(slot.state).toBe('staging');
    expect(isUnfinishedUpload(slot)).toBe(true);
    expect(await s.deleteSlot(1)).toMatchObject({ state: 'empty' });
  });

  it('refuses a plan the device cannot hold before sending anything', async () => {
    const s = await attach(testDevice());
    await expect(s.createSlot(99, planOf(2))).rejects.toMatchObject({ code: 'bad_plan' });
  });
});

describe('slot view', () => {
  it('marks a verb requested until its edge; a rejected verb carries the device reason and clears the mark', async () => {
    const d = testDevice();
    const s = await attach(d);
    await s.createSlot(0, planOf(3));
    const v = await s.openSlot(0);
    const marks: (string | null)[] = [];
    v.onChange((snap) => marks.push(snap.rows[0]!.requested));
    await v.verb(0, 'try');
    await flush();
    expect(marks[0]).toBe('try');
    expect(v.snapshot.rows[0]).toMatchObject({
      state: 'attempting',
      stage: 'queued',
      requested: null,
      attempts: 1,
    });
    const err = await v.verb(1, 'retry').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HostError);
    expect(err).toMatchObject({ code: 'verb_illegal', message: 'retry is not legal from pending' });
    expect(v.snapshot.rows[1]!.requested).toBeNull();
  });

  it('verbAll sends the verb to every pending (or failed) row and collects rejections', async () => {
    const d = testDevice();
    const s = await attach(d);
    await s.createSlot(0, planOf(4));
    const v = await s.openSlot(0);
    expect(await v.verbAll('skip', 'pending')).toEqual({ accepted: 4, rejected: [] });
    await flush();
    expect(v.snapshot.counters).toMatchObject({ skipped: 4, pending: 0 });
    expect(v.snapshot.slotState).toBe('complete'); // follows the rows between reads
    await v.refresh();
    expect(v.snapshot.slotState).toBe('complete');
  });

  it('re-attaches after a dropped link and backfills from the last applied seq: no edge lost or doubled', async () => {
    const d = testDevice();
    const s = await attach(d);
    await s.createSlot(0, planOf(5));
    const v = await s.openSlot(0);
    const applied: number[] = [];
    v.onChange((snap) => applied.push(snap.lastSeq));
    const edges: number[] = [];
    v.onEdge((e) => edges.push(e.seq));
    await v.verb(0, 'try');
    await flush();
    d.m.running()[0]!.finish('ok');
    await flush();
    const before = v.snapshot.lastSeq;
    d.drop();
    await flush();
    // progress made while no host is attached (the autonomous runner's kind of work)
    d.device.verb({ slot: 0 }, 1, 'skip');
    d.device.verb({ slot: 0 }, 2, 'try');
    await flush();
    d.m.running()[0]!.finish('no_response');
    await flush();
    expect(v.snapshot.lastSeq).toBe(before);
    expect(await s.reattach()).toMatchObject({ kind: 'attached' });
    await flush();
    const read = d.device.getSlot(0);
    if (!read.ok) throw new Error('no slot');
    expect(stepRecords(v.snapshot)).toEqual(read.slot.steps);
    expect(v.snapshot.lastSeq).toBe(read.slot.lastSeq);
    // every sequence number was applied once, in order (onEdge: each applied edge once)
    expect(edges).toEqual(Array.from({ length: read.slot.lastSeq }, (_, i) => i + 1));
    // the backfill came as one batch: one snapshot, one onChange, straight from `before` to current
    const distinct = applied.filter((x, i) => x > 0 && x !== applied[i - 1]);
    expect(distinct.slice(distinct.indexOf(before))).toEqual([before, read.slot.lastSeq]);
    // and it keeps streaming on the new link
    await v.verb(3, 'skip');
    await flush();
    expect(v.snapshot.rows[3]!.state).toBe('skipped');
  });

  it('re-reads when the device no longer keeps the edges it missed (resync on subscribe)', async () => {
    const d = testDevice(undefined, { edgeLimit: 4 });
    const s = await attach(d);
    await s.createSlot(0, planOf(8));
    const v = await s.openSlot(0);
    d.drop();
    await flush();
    for (let i = 0; i < 8; i++) d.device.verb({ slot: 0 }, i, 'skip');
    await s.reattach();
    await flush();
    const read = d.device.getSlot(0);
    if (!read.ok) throw new Error('no slot');
    expect(stepRecords(v.snapshot)).toEqual(read.slot.steps);
    expect(v.snapshot).toMatchObject({
      lastSeq: read.slot.lastSeq,
      stale: false,
      needsRead: false,
      slotState: 'complete',
    });
  });

  it('handles a resync event on a live stream: re-read, subscribe again, keep streaming', async () => {
    const d = testDevice();
    const s = await attach(d);
    await s.createSlot(0, planOf(3));
    const v = await s.openSlot(0);
    d.pushResync({ slot: 0 });
    await flush();
    expect(v.snapshot.stale).toBe(false);
    await v.verb(2, 'skip');
    await flush();
    expect(v.snapshot.rows[2]!.state).toBe('skipped');
  });
});

describe('live quick-step', () => {
  it('streams quick-step rows, exports the successful ones, ends with the link, wipes its seed on close', async () => {
    const d = testDevice();
    const rnd = recordingRandom(0x90);
    const s = await attach(d, { randomBytes: rnd.randomBytes });
    const live = await s.openLive();
    const opts = { timeoutMs: 0, autoVerify: false, expectedCapabilities: [] };
    expect(await live.quickStep(5, 9600, opts)).toBe(0);
    expect(await live.quickStep(6, 9600, opts)).toBe(1);
    await flush();
    expect(live.snapshot.rows.map((r) => [r.index, r.address, r.state])).toEqual([
      [0, 5, 'attempting'],
      [1, 6, 'attempting'],
    ]);
    d.m.running()[0]!.finish('ok');
    await flush();
    d.m.running()[0]!.finish('no_response');
    await flush();
    expect(live.snapshot.counters).toMatchObject({ provisioned: 1, failed: 1 });
    const f = await live.exportSuccessful('csv');
    expect(f.entries).toBe(1);
    expect(new TextDecoder().decode(f.bytes)).toMatch(
      /^pd_address,baudrate,scbk\n5,9600,[0-9a-f]{32}\n$/,
    );
    d.drop();
    await flush();
    expect(live.ended).toBe(true);
    await expect(live.quickStep(7, 9600, opts)).rejects.toMatchObject({ code: 'no_live_session' });
    expect((await live.exportSuccessful('json')).entries).toBe(1); // still exportable from host memory
    const seed = rnd.given[0]!;
    expect(findBytes(live, seed).length).toBeGreaterThan(0);
    live.close();
    expect(findBytes(live, seed)).toEqual([]);
    await expect(live.exportSuccessful('csv')).rejects.toMatchObject({ code: 'view_closed' });
  });

  it('refuses an export with no successful quick-step', async () => {
    const s = await attach(testDevice());
    const live = await s.openLive();
    await expect(live.exportSuccessful('csv')).rejects.toMatchObject({
      code: 'export_unavailable',
    });
  });
});

describe('slot export', () => {
  it('refuses before complete, naming what is still open', async () => {
    const d = testDevice();
    const s = await attach(d);
    await s.createSlot(0, planOf(4));
    const v = await s.openSlot(0);
    await v.verb(0, 'try');
    await flush();
    d.m.running()[0]!.finish('no_response');
    await v.verb(1, 'skip');
    await flush();
    await expect(s.exportSlot(0, 'csv')).rejects.toMatchObject({
      code: 'export_unavailable',
      message: 'the slot is not complete: 2 pending and 1 failed; try, retry or skip them first',
    });
    await expect(s.exportSlot(3, 'csv')).rejects.toMatchObject({
      code: 'export_unavailable',
      message: expect.stringMatching(/slot is empty/),
    });
  });

  it('after complete: one entry per successful step, keys from the device’s seed; the re-read seed is zeroed', async () => {
    const d = testDevice();
    const rnd = recordingRandom(0x50);
    const s = await attach(d, { randomBytes: rnd.randomBytes });
    await s.createSlot(0, planOf(3));
    const v = await s.openSlot(0);
    for (const i of [0, 2]) {
      await v.verb(i, 'try');
      await flush();
      d.m.running()[0]!.finish('ok');
      await flush();
    }
    await v.verb(1, 'skip');
    await flush();
    const f = await s.exportSlot(0, 'json');
    const doc = JSON.parse(new TextDecoder().decode(f.bytes)) as {
      session_id: string;
      scbks: { pdAddress: number; scbkHex: string }[];
    };
    expect(doc.scbks.map((e) => e.pdAddress)).toEqual([1, 3]);
    // the device derived and installed these very keys (the executor saw the seed and the session)
    const jobs = d.m.calls.map((c) => c.job);
    const { deriveScbk } = await import('@osprio/provisioner');
    const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
    expect(doc.scbks.map((e) => e.scbkHex)).toEqual(
      jobs.map((j) => hex(deriveScbk(j.seed, j.sessionId, j.stepIndex, j.address))),
    );
    const seed = rnd.given[0]!;
    expect(Buffer.from(f.bytes).toString('utf8')).not.toContain(hex(seed));
    expect(findBytes(s, seed)).toEqual([]);
    expect(findBytes(f, seed)).toEqual([]);
  });
});

describe('reattachUntilAttached', () => {
  it('retries through unreachable and in_use, stops at attached', async () => {
    const d = testDevice();
    let fails = 2;
    const s = await DeviceSession.attach({
      connect: () => (fails-- > 0 ? Promise.reject(new Error('down')) : d.connect()),
    });
    sessions.push(s);
    expect(s.state.kind).toBe('unreachable');
    const seen: string[] = [];
    expect(
      await reattachUntilAttached(s, { intervalMs: 1, onAttempt: (st) => seen.push(st.kind) }),
    ).toMatchObject({ kind: 'attached' });
    expect(seen).toEqual(['unreachable']);
  });

  it('gives up on an incompatible device and stops when aborted', async () => {
    const s = await attach(testDevice(undefined, {}, { supportedVersions: [7] }));
    expect(await reattachUntilAttached(s, { intervalMs: 1 })).toMatchObject({
      kind: 'incompatible',
    });
    const down = await DeviceSession.attach({ connect: () => Promise.reject(new Error('down')) });
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 30);
    expect(await reattachUntilAttached(down, { intervalMs: 5, signal: ac.signal })).toMatchObject({
      kind: 'unreachable',
    });
  });
});

describe('a slot re-planned under an open view', () => {
  it('the view follows delete and create', async () => {
    const d = testDevice();
    const s = await attach(d);
    await s.createSlot(0, planOf(2));
    const v = await s.openSlot(0);
    await s.deleteSlot(0);
    expect(v.snapshot).toMatchObject({ slotState: 'empty', rows: [] });
    await s.createSlot(0, planOf(3));
    expect(v.snapshot).toMatchObject({ slotState: 'ready', counters: { total: 3 } });
    await v.verb(2, 'skip');
    await flush();
    expect(v.snapshot.rows[2]!.state).toBe('skipped');
  });

  it('an edge for a step the view does not list makes it read the slot', async () => {
    const d = testDevice();
    const s = await attach(d);
    await s.createSlot(0, planOf(3));
    const v = (await s.openSlot(0)) as unknown as {
      applyEdge(e: unknown): void;
      snapshot: { rows: unknown[]; needsRead: boolean };
    };
    v.applyEdge({
      queue: { slot: 0 },
      seq: 999,
      stepIndex: 7,
      state: 'pending',
      attempts: 0,
      outcome: null,
      detail: '',
      stage: null,
      stageStatus: null,
      at: 0,
    });
    await flush();
    expect(v.snapshot).toMatchObject({ needsRead: false });
    expect(v.snapshot.rows).toHaveLength(3);
  });
});
