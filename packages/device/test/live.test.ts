import { afterEach, describe, expect, it } from 'vitest';
import { openingScreen, rowsReducer, emptySnapshot, stepRecords } from '@osprio/host';
import type { ProgressEdge } from '@osprio/link';
import { Device, modelConfig } from '../src/index.ts';
import {
  flush,
  manualExecutor,
  OPTIONS,
  openDevice,
  readySlot,
  recordEvents,
  result,
  SEED,
  SESSION,
  SESSION2,
  slotOf,
  tmpDir,
} from './helpers.ts';

const opened: Device[] = [];
afterEach(async () => {
  for (const d of opened.splice(0)) await d.close();
});

describe('live quick-step queue', () => {
  it('runs quick-steps with edges in exactly the slot-edge shape on { live: sessionId }', async () => {
    const m = manualExecutor();
    const d = openDevice(tmpDir(), m.exec);
    opened.push(d);
    readySlot(d, 0, 1);
    const evs = recordEvents(d);
    expect(d.quickStep(1, 9600, OPTIONS)).toMatchObject({ ok: false, code: 'no_live_session' });
    expect(d.openLive(SESSION2, SEED)).toEqual({ ok: true });
    expect(d.quickStep(5, 9600, { ...OPTIONS, timeoutMs: 2000 })).toEqual({
      ok: true,
      stepIndex: 0,
    });
    expect(d.quickStep(5, 19200, OPTIONS)).toEqual({ ok: true, stepIndex: 1 });
    expect(d.quickStep(127, 9600, OPTIONS)).toMatchObject({ ok: false, code: 'bad_request' });
    expect(d.quickStep(1, 9600, { ...OPTIONS, timeoutMs: -1 })).toMatchObject({
      ok: false,
      code: 'bad_request',
    });
    // A quick-step's options obey the profile's rules, with the profile's messages.
    expect(d.quickStep(1, 9600, { ...OPTIONS, timeoutMs: 3_000_000 })).toMatchObject({
      ok: false,
      code: 'bad_request',
      reason: expect.stringMatching(/timeoutMs: .*10 minutes/),
    });
    const cap = { functionCode: 0, minCompliance: 1, minCount: 1 };
    expect(d.quickStep(1, 9600, { ...OPTIONS, expectedCapabilities: [cap] })).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/not an OSDP PDCAP function code/),
    });
    const twice = [
      { ...cap, functionCode: 9 },
      { ...cap, functionCode: 9 },
    ];
    expect(d.quickStep(1, 9600, { ...OPTIONS, expectedCapabilities: twice })).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/one entry per function code/),
    });
    await flush();
    expect(m.calls[0]!.job).toMatchObject({
      queue: { live: SESSION2 },
      stepIndex: 0,
      address: 5,
      baud: 9600,
      sessionId: SESSION2,
      options: { timeoutMs: 2000 },
    });
    expect(m.calls[0]!.job.seed).toEqual(SEED);
    m.calls[0]!.ctx.onStage({ stage: 'discover', status: 'in_flight' });
    m.calls[0]!.finish(result('ok'));
    await flush();
    m.calls[1]!.finish(result('wrong_address'));
    await flush();
    const liveEdges = evs.flatMap((e) => (e.type === 'edge' ? [e.edge] : []));
    expect(liveEdges.map((e) => [e.seq, e.stepIndex, e.state, e.stage])).toEqual([
      [1, 0, 'attempting', 'queued'],
      [2, 1, 'attempting', 'queued'],
      [3, 0, 'attempting', 'discover'],
      [4, 0, 'success', 'key_verify'],
      [5, 1, 'failure', 'discover'],
    ]);
    // same shape as a slot edge
    d.verb({ slot: 0 }, 0, 'skip');
    const slotEdge = evs.flatMap((e) => (e.type === 'edge' ? [e.edge] : [])).at(-1)!;
    expect(Object.keys(slotEdge).sort()).toEqual(Object.keys(liveEdges[0]!).sort());
    // a verb on the live queue, and the host's reducer over read + edges matches the device
    expect(d.verb({ live: SESSION2 }, 1, 'retry').ok).toBe(true);
    const live = d.getLive();
    expect(live).toMatchObject({
      ok: true,
      sessionId: SESSION2,
      lastSeq: 6,
      steps: [{ state: 'success' }, { state: 'attempting', attempts: 2 }],
    });
    expect(JSON.stringify(live)).not.toContain('seed');
    let view = emptySnapshot({ live: SESSION2 });
    const since = d.since({ live: SESSION2 }, 0) as { edges: ProgressEdge[] };
    view = rowsReducer(view, { type: 'read', slot: { steps: [], lastSeq: 0 } });
    for (const e of since.edges) view = rowsReducer(view, { type: 'edge', edge: e });
    expect(view.needsRead).toBe(true); // rows appear with their first edge; the host then reads
    if (live.ok) view = rowsReducer(view, { type: 'read', slot: live });
    expect(stepRecords(view)).toEqual(live.ok ? live.steps : []);
  });

  it('shares the one bus with slots, FIFO', async () => {
    const m = manualExecutor();
    const d = openDevice(tmpDir(), m.exec);
    opened.push(d);
    readySlot(d, 0, 2);
    d.openLive(SESSION2, SEED);
    d.verb({ slot: 0 }, 0, 'try');
    d.quickStep(3, 9600, OPTIONS);
    d.verb({ slot: 0 }, 1, 'try');
    for (let k = 0; k < 3; k++) {
      await flush();
      expect(m.running()).toHaveLength(1);
      m.running()[0]!.finish(result('ok'));
    }
    expect(m.calls.map((c) => c.job.queue)).toEqual([{ slot: 0 }, { live: SESSION2 }, { slot: 0 }]);
  });

  it('closing the live session (host detach, or a new session) cancels its attempts and is not persisted', async () => {
    const dir = tmpDir();
    const m = manualExecutor();
    const d = openDevice(dir, m.exec);
    d.openLive(SESSION2, SEED);
    d.quickStep(3, 9600, OPTIONS);
    d.quickStep(4, 9600, OPTIONS);
    await flush();
    d.detachHost();
    await d.attachHost();
    await flush();
    expect(m.calls[0]!.aborted).toBe(true);
    expect(m.calls).toHaveLength(1); // the queued one never ran
    expect(d.getLive()).toMatchObject({ ok: false, code: 'no_live_session' });
    expect(d.verb({ live: SESSION2 }, 0, 'reset')).toMatchObject({
      ok: false,
      code: 'no_live_session',
    });
    d.openLive(SESSION2, SEED);
    d.quickStep(3, 9600, OPTIONS);
    await flush();
    d.openLive(SESSION, SEED); // replaces the previous session
    await flush();
    expect(m.calls[1]!.aborted).toBe(true);
    expect(d.getLive()).toMatchObject({ ok: true, sessionId: SESSION, steps: [] });
    await d.close();
    const d2 = openDevice(dir, m.exec);
    opened.push(d2);
    expect(d2.getLive()).toMatchObject({ ok: false, code: 'no_live_session' });
  });
});

describe('models and opening screens', () => {
  it('each of the three opening screens can be reached', async () => {
    const mini = modelConfig('osprio-mini');
    const pro = modelConfig('osprio-pro');
    const slotsOnly = modelConfig('osprio-pro', { status: { liveQuickStep: false } });
    expect(openingScreen(mini.status)).toBe('quick-step');
    expect(openingScreen(pro.status)).toBe('mode-picker');
    expect(openingScreen(slotsOnly.status)).toBe('slot-list');
    expect(pro.status).toEqual({
      liveQuickStep: true,
      slots: true,
      offlineAutonomous: true,
      slotCount: 4,
      maxStepsPerSlot: 126,
    });
    expect(mini.status).toMatchObject({
      liveQuickStep: true,
      slots: false,
      offlineAutonomous: false,
    });
    expect(pro.identity).toMatchObject({ model: 'osprio-pro', protocolVersion: 1 });

    // and the device behaves as advertised
    const m = manualExecutor();
    const dMini = Device.open({ config: mini, executor: m.exec });
    expect(dMini.openLive(SESSION, SEED).ok).toBe(true);
    expect(dMini.getSlot(0)).toMatchObject({ ok: false, code: 'not_supported' });
    await dMini.close();
    const dSlots = Device.open({ config: slotsOnly, executor: m.exec, stateDir: tmpDir() });
    expect(dSlots.openLive(SESSION, SEED)).toMatchObject({ ok: false, code: 'not_supported' });
    expect(slotOf(dSlots, 3).state).toBe('empty');
    expect(dSlots.getSlot(4)).toMatchObject({ ok: false, code: 'unknown_slot' });
    await dSlots.close();
  });

  it('slotCount is configurable', () => {
    expect(modelConfig('osprio-pro', { status: { slotCount: 8 } }).status.slotCount).toBe(8);
    expect(() => modelConfig('osprio-pro', { status: { maxStepsPerSlot: 127 } })).toThrow(
      RangeError,
    );
  });
});
