// DeviceSession against a real emulator (real commissioning engine, simulated readers, WebSocket):
// a plan with faulty readers driven to complete by verbs, exports checked against what every
// simulated reader actually holds, and a dropped link plus an emulator restart under an open view
// with every edge arriving exactly once.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator } from '@osprio/device/emulator';
import type { Emulator, EmulatorOptions } from '@osprio/device/emulator';
import type { LinkConnection } from '@osprio/link';
import {
  DeviceSession,
  encryptKeyFile,
  planFromProfile,
  reattachUntilAttached,
  stepRecords,
} from '../../src/index.ts';
import type { KeyFile, SlotView } from '../../src/index.ts';
import { connectNode } from '../../src/node/index.ts';
import { findBytes, profile, recordingRandom, tmpDir } from '../support.ts';

// step index → fault: absent, already keyed, slow, at another baud, noisy line
const FAULTS = '1:absent,2:keyed,3:slow:400,4:at-baud:38400,5:noisy:0.002';
const N = 8;

async function until(
  pred: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 30_000,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await pred())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('DeviceSession on the emulator', () => {
  const stateDir = tmpDir('osprio-host-emu-');
  const opts = (): EmulatorOptions => ({
    model: 'pro',
    speed: 'max',
    stateDir,
    technician: false,
    heartbeatMs: 0,
    faults: FAULTS,
    pds: N,
  });
  let emu: Emulator;
  let session: DeviceSession;
  let view: SlotView;
  const rnd = recordingRandom(0x21);
  /** Every edge seq of slot 0 that came over any link, in arrival order. */
  const wireSeqs: number[] = [];
  let conn: LinkConnection | null = null;
  /** Every edge the view applied (onEdge). */
  const appliedSeqs: number[] = [];

  const connect = async (): Promise<LinkConnection> => {
    const c = await connectNode(emu.url);
    c.onMessage((data) => {
      const m = JSON.parse(typeof data === 'string' ? data : new TextDecoder().decode(data)) as {
        event?: string;
        edge?: { queue: { slot?: number }; seq: number };
        queue?: { slot?: number };
        edges?: { seq: number }[];
      };
      if (m.event === 'edge' && m.edge?.queue.slot === 0) wireSeqs.push(m.edge.seq);
      // the replay after subscribe: one batch per frame, the queue named once
      if (m.event === 'edges' && m.queue?.slot === 0) wireSeqs.push(...m.edges!.map((e) => e.seq));
    });
    conn = c;
    return c;
  };

  const rows = () => view.snapshot.rows;
  const settled = () => rows().every((r) => r.state !== 'attempting');

  beforeAll(async () => {
    emu = await startEmulator(opts());
    session = await DeviceSession.attach({
      connect,
      hostName: 'host-it/1',
      randomBytes: rnd.randomBytes,
      requestTimeoutMs: 15_000,
    });
  });
  afterAll(async () => {
    session?.close();
    await emu?.close();
  });

  it('attaches to the Pro and offers the mode picker; a second host finds it in use', async () => {
    expect(session.state).toMatchObject({
      kind: 'attached',
      identity: { model: 'osprio-pro' },
      screen: 'mode-picker',
    });
    const other = await DeviceSession.attach({ connect: () => connectNode(emu.url) });
    expect(other.state).toEqual({
      kind: 'in_use',
      message: 'another host is connected to this device',
    });
    const wrongToken = await DeviceSession.attach({
      connect: () => connectNode(emu.url.replace(/token=[^&]+/, 'token=nope')),
    });
    expect(wrongToken.state).toMatchObject({
      kind: 'unreachable',
      message: expect.stringMatching(/refused/),
    });
    expect(session.state.kind).toBe('attached');
  });

  it('writes a plan; the seed is not in the session after seal', async () => {
    const r = planFromProfile(profile(N, 'Faulty site'), rnd.randomBytes);
    if (!r.ok) throw new Error('plan');
    const progress: number[] = [];
    expect(
      await session.createSlot(0, r.plan, { onUpload: (u) => progress.push(u) }),
    ).toMatchObject({ state: 'ready', counters: { total: N } });
    expect(progress).toEqual([N]);
    view = await session.openSlot(0);
    view.onEdge((e) => appliedSeqs.push(e.seq));
    expect(findBytes(session, rnd.given.at(-1)!)).toEqual([]);
  });

  it('drives the slot to complete with try, retry and skip, riding out a dropped link', async () => {
    const tried = await view.verbAll('try', 'pending');
    expect(tried).toEqual({ accepted: N, rejected: [] });
    // pull the cable while attempts run: the device keeps going, the view backfills on reattach
    await until(() => rows().some((r) => r.state === 'success'), 'a first success');
    conn!.close(4000, 'test pulls the cable');
    await until(() => session.state.kind === 'lost', 'the lost state');
    // The device lets go of the old session once it sees the close; until then it is "in use".
    expect(await reattachUntilAttached(session, { intervalMs: 20 })).toMatchObject({
      kind: 'attached',
    });
    await until(settled, 'every attempt to end');
    expect(rows()[1]).toMatchObject({ state: 'failure', outcome: 'no_response' });
    expect(rows()[2]).toMatchObject({ state: 'failure', outcome: 'scbk_rejected' });
    // a retry of the absent reader fails again; then skip every failure
    await view.verb(1, 'retry');
    await until(() => rows()[1]!.state !== 'attempting' && rows()[1]!.attempts === 2, 'the retry');
    await expect(view.verb(1, 'try')).rejects.toMatchObject({
      code: 'verb_illegal',
      message: 'try is not legal from failure',
    });
    await view.verbAll('skip', 'failed');
    await until(
      () => view.snapshot.counters.pending === 0 && view.snapshot.counters.failed === 0,
      'no open step',
    );
    await view.refresh();
    expect(view.snapshot.slotState).toBe('complete');
  });

  it('exports CSV, JSON and age exactly as the readers hold their keys', async () => {
    const readers = emu.bench.readerStates();
    const sessionId = (await session.listSlots())[0]!.sessionId!;
    const success = rows().filter((r) => r.state === 'success');
    expect(success.length).toBeGreaterThanOrEqual(4);
    const want = success.map((r) => {
      const rd = readers.find(
        (x) =>
          x.stepIndex === r.index &&
          x.sessionId === sessionId &&
          'slot' in x.queue &&
          x.queue.slot === 0,
      )!;
      expect(rd).toMatchObject({ address: r.address, baud: 9600, installMode: false });
      expect(rd.scbkHex).toMatch(/^[0-9a-f]{32}$/);
      return { pdAddress: rd.address, baudrate: rd.baud, scbkHex: rd.scbkHex! };
    });
    // the keyed reader kept its foreign key and is not in the export
    expect(readers.find((x) => x.stepIndex === 2)!.scbkHex).not.toBe(null);

    const csv = await session.exportSlot(0, 'csv');
    expect(new TextDecoder().decode(csv.bytes)).toBe(
      [
        'pd_address,baudrate,scbk',
        ...want.map((w) => `${w.pdAddress},${w.baudrate},${w.scbkHex}`),
      ].join('\n') + '\n',
    );
    const json: KeyFile = await session.exportSlot(0, 'json');
    expect(JSON.parse(new TextDecoder().decode(json.bytes))).toEqual({
      kind: 'osprio-provisioned-scbks',
      version: 1,
      session_id: sessionId,
      scbks: want,
    });
    const seedHex = Buffer.from(rnd.given.at(-1)!).toString('hex');
    for (const f of [csv, json]) expect(Buffer.from(f.bytes).toString()).not.toContain(seedHex);
    // age: the encrypted file carries the same entries (decryption by Debian's age: see age.test.ts)
    const { Decrypter, generateIdentity, identityToRecipient } = await import('age-encryption');
    const id = await generateIdentity();
    const plainJson = Buffer.from(json.bytes);
    const enc = await encryptKeyFile(json, [await identityToRecipient(id)]);
    const d = new Decrypter();
    d.addIdentity(id);
    expect(Buffer.from(await d.decrypt(enc.bytes)).equals(plainJson)).toBe(true);
  });

  it('rides out an emulator restart: every edge arrives once, in order, and the rows match a fresh read', async () => {
    // reset a few steps so the device has work in flight when it dies
    for (const i of [0, 3, 6]) await view.verb(i, 'reset');
    for (const i of [0, 3, 6]) await view.verb(i, 'try');
    const port = emu.port;
    const token = emu.token;
    await emu.close();
    await until(() => session.state.kind === 'lost', 'the lost state');
    expect(await session.reattach()).toMatchObject({ kind: 'unreachable' });
    emu = await startEmulator({ ...opts(), port, token });
    expect(await reattachUntilAttached(session, { intervalMs: 20 })).toMatchObject({
      kind: 'attached',
    });
    await until(settled, 'the interrupted or finished attempts to settle', 30_000);
    const fresh = await session.link().getSlot(0);
    fresh.seed?.fill(0);
    expect(stepRecords(view.snapshot)).toEqual(fresh.steps);
    expect(view.snapshot.lastSeq).toBe(fresh.lastSeq);
    // none lost, none doubled, across three links and a restart
    expect(wireSeqs).toEqual(Array.from({ length: fresh.lastSeq }, (_, i) => i + 1));
    expect(appliedSeqs).toEqual(wireSeqs);
  });
});
