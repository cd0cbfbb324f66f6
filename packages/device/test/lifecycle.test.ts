import { afterEach, describe, expect, it } from 'vitest';
import { Device, modelConfig } from '../src/index.ts';
import {
  header,
  manualExecutor,
  openDevice,
  readySlot,
  SEED,
  SESSION,
  slotOf,
  tmpDir,
} from './helpers.ts';

const opened: Device[] = [];
function dev(dir = tmpDir()) {
  const d = openDevice(dir, manualExecutor().exec);
  opened.push(d);
  return d;
}
afterEach(async () => {
  for (const d of opened.splice(0)) await d.close();
});

describe('slot lifecycle', () => {
  it('goes empty → staging → ready and reports summaries in one list', () => {
    const d = dev();
    expect(d.listSlots()).toMatchObject({
      ok: true,
      slots: [
        { index: 0, state: 'empty' },
        { state: 'empty' },
        { state: 'empty' },
        { state: 'empty' },
      ],
    });
    expect(d.createSlot(1, header(3), SESSION, SEED)).toEqual({ ok: true });
    expect(slotOf(d, 1)).toMatchObject({
      state: 'staging',
      profileName: 'Lobby readers',
      sessionId: SESSION,
      steps: [],
    });
    expect(
      d.uploadSteps(1, [
        { index: 0, address: 1, baud: 115200 },
        { index: 1, address: 2, baud: 115200 },
      ]),
    ).toEqual({ ok: true, uploaded: 2 });
    expect(d.sealSlot(1, 2)).toMatchObject({ ok: false, code: 'bad_request' }); // only 2 of the header's 3 steps uploaded
    expect(d.uploadSteps(1, [{ index: 2, address: 3, baud: 115200 }])).toEqual({
      ok: true,
      uploaded: 3,
    });
    expect(d.sealSlot(1, 3)).toEqual({ ok: true, state: 'ready' });
    const s = slotOf(d, 1);
    expect(s.state).toBe('ready');
    expect(s.seed).toEqual(SEED);
    expect(s.counters).toEqual({ total: 3, provisioned: 0, failed: 0, skipped: 0, pending: 3 });
    expect(s.steps.map((x) => [x.index, x.address, x.baud, x.state, x.attempts])).toEqual([
      [0, 1, 115200, 'pending', 0],
      [1, 2, 115200, 'pending', 0],
      [2, 3, 115200, 'pending', 0],
    ]);
  });

  it('creates only from empty', () => {
    const d = dev();
    readySlot(d, 0, 2);
    expect(d.createSlot(0, header(2), SESSION, SEED)).toMatchObject({
      ok: false,
      code: 'slot_not_empty',
    });
    d.createSlot(1, header(2), SESSION, SEED);
    expect(d.createSlot(1, header(2), SESSION, SEED)).toMatchObject({
      ok: false,
      code: 'slot_not_empty',
    });
  });

  it('rejects bad create parameters without changing the slot', () => {
    const d = dev();
    expect(d.createSlot(0, header(2), 'not-a-uuid', SEED)).toMatchObject({
      ok: false,
      code: 'bad_request',
    });
    expect(d.createSlot(0, header(2), SESSION, SEED.subarray(0, 15))).toMatchObject({
      ok: false,
      code: 'bad_request',
    });
    expect(d.createSlot(0, { ...header(2), baud: 1234 }, SESSION, SEED)).toMatchObject({
      ok: false,
      code: 'bad_request',
    });
    expect(d.createSlot(0, { ...header(2), name: '' }, SESSION, SEED)).toMatchObject({
      ok: false,
      code: 'bad_request',
    });
    expect(d.createSlot(9, header(2), SESSION, SEED)).toMatchObject({
      ok: false,
      code: 'unknown_slot',
    });
    expect(slotOf(d, 0).state).toBe('empty');
  });

  it('uploads only in staging, contiguous, ≤126, with valid addresses and bauds', () => {
    const d = dev();
    expect(d.uploadSteps(0, [{ index: 0, address: 1, baud: 9600 }])).toMatchObject({
      ok: false,
      code: 'slot_not_staging',
    });
    d.createSlot(0, header(126), SESSION, SEED);
    const bad = [
      [{ index: 1, address: 1, baud: 9600 }], // does not start at 0
      [
        { index: 0, address: 1, baud: 9600 },
        { index: 2, address: 2, baud: 9600 },
      ], // gap
      [{ index: 0, address: 127, baud: 9600 }], // broadcast / out of range
      [{ index: 0, address: -1, baud: 9600 }],
      [{ index: 0, address: 1.5, baud: 9600 }],
      [{ index: 0, address: 1, baud: 14400 }], // not an OSDP rate
      [
        { index: 0, address: 5, baud: 9600 },
        { index: 1, address: 5, baud: 9600 },
      ], // duplicate address
      [],
    ];
    for (const chunk of bad)
      expect(d.uploadSteps(0, chunk)).toMatchObject({ ok: false, code: 'bad_request' });
    expect(slotOf(d, 0).steps).toHaveLength(0); // a rejected chunk leaves nothing behind
    const all = Array.from({ length: 126 }, (_, i) => ({ index: i, address: i + 1, baud: 115200 }));
    expect(d.uploadSteps(0, all.slice(0, 100)).ok).toBe(true);
    expect(d.uploadSteps(0, all.slice(100)).ok).toBe(true);
    expect(d.uploadSteps(0, [{ index: 126, address: 127, baud: 115200 }])).toMatchObject({
      ok: false,
      code: 'bad_request',
    });
    expect(d.sealSlot(0, 125)).toMatchObject({ ok: false, code: 'bad_request' });
    expect(d.sealSlot(0, 126)).toEqual({ ok: true, state: 'ready' });
    expect(d.sealSlot(0, 126)).toMatchObject({ ok: false, code: 'slot_not_staging' });
    expect(d.uploadSteps(0, [{ index: 126, address: 1, baud: 9600 }])).toMatchObject({
      ok: false,
      code: 'slot_not_staging',
    });
  });

  it('deletes from every state back to empty, dropping the seed', () => {
    const d = dev();
    d.createSlot(0, header(1), SESSION, SEED); // staging
    readySlot(d, 1, 1); // ready
    for (const s of [0, 1, 2]) {
      expect(d.deleteSlot(s)).toEqual({ ok: true });
      expect(slotOf(d, s)).toMatchObject({
        state: 'empty',
        seed: null,
        header: null,
        sessionId: null,
        steps: [],
      });
    }
    readySlot(d, 1, 1); // reusable
  });

  it('an interrupted upload stays staging across a restart and can be deleted', async () => {
    const dir = tmpDir();
    const d = openDevice(dir, manualExecutor().exec);
    d.createSlot(2, header(3), SESSION, SEED);
    d.uploadSteps(2, [{ index: 0, address: 1, baud: 115200 }]);
    await d.close();
    const d2 = dev(dir);
    expect(slotOf(d2, 2)).toMatchObject({ state: 'staging', steps: [{ index: 0, address: 1 }] });
    expect(d2.uploadSteps(2, [{ index: 1, address: 2, baud: 115200 }]).ok).toBe(true);
    expect(d2.deleteSlot(2).ok).toBe(true);
    expect(slotOf(d2, 2).state).toBe('empty');
  });

  it('a Mini has no slots', async () => {
    const d = Device.open({ config: modelConfig('osprio-mini'), executor: manualExecutor().exec });
    expect(d.listSlots()).toMatchObject({ ok: false, code: 'not_supported' });
    expect(d.createSlot(0, header(1), SESSION, SEED)).toMatchObject({
      ok: false,
      code: 'not_supported',
    });
    await d.close();
  });
});
