// Every slot request (listSlots, createSlot, uploadSteps, sealSlot, getSlot, deleteSlot) in every
// slot state (empty, staging, ready, complete), over the real WebSocket link to the emulator.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LinkClient, SlotState } from '@osprio/link';
import type { Emulator } from '../../src/emulator/index.ts';
import {
  SEED,
  connectHost,
  header,
  refusal,
  sessionId,
  startTestEmulator,
  targets,
  until,
} from './support.ts';

const SLOT = 2;
const N = 3;
let gen = 10;

/** Drives SLOT from whatever it holds to `state` (a complete slot ran its steps on the bus). */
async function reach(c: LinkClient, state: SlotState): Promise<void> {
  await c.deleteSlot(SLOT);
  if (state === 'empty') return;
  await c.createSlot({
    slot: SLOT,
    header: header(N, `plan ${gen}`),
    sessionId: sessionId(gen++),
    seed: SEED,
  });
  await c.uploadSteps({ slot: SLOT, steps: targets(N).slice(0, 2) });
  if (state === 'staging') return;
  await c.uploadSteps({ slot: SLOT, steps: targets(N).slice(2) });
  await c.sealSlot({ slot: SLOT, stepCount: N });
  if (state === 'ready') return;
  for (let i = 0; i < N; i++) await c.verb({ slot: SLOT, stepIndex: i, verb: 'try' });
  await until(
    async () => (await c.getSlot(SLOT)).state === 'complete',
    20_000,
    'the slot to complete',
  );
}

describe('slot requests × slot states', () => {
  let emu: Emulator;
  let c: LinkClient;
  beforeAll(async () => {
    emu = await startTestEmulator();
    c = await connectHost(emu.url);
  });
  afterAll(async () => {
    c?.close();
    await emu?.close();
  });

  const STATES: SlotState[] = ['empty', 'staging', 'ready', 'complete'];

  for (const state of STATES) {
    describe(`in a ${state} slot`, () => {
      beforeAll(() => reach(c, state));

      it('listSlots: every slot in one reply, this one with its state and counters', async () => {
        await reach(c, state);
        const slots = await c.listSlots();
        expect(slots.map((s) => s.index)).toEqual([0, 1, 2, 3]);
        const s = slots[SLOT]!;
        expect(s.state).toBe(state);
        const total = state === 'empty' ? 0 : state === 'staging' ? 2 : N;
        expect(s.counters).toEqual({
          total,
          provisioned: state === 'complete' ? N : 0,
          failed: 0,
          skipped: 0,
          pending: state === 'complete' ? 0 : total,
        });
        expect(s.profileName === null).toBe(state === 'empty');
        expect(s.sessionId === null).toBe(state === 'empty');
        expect(JSON.stringify(slots)).not.toContain('seed');
      });

      it(`getSlot: always legal; the seed ${state === 'empty' ? 'is null' : 'comes back'}`, async () => {
        await reach(c, state);
        const d = await c.getSlot(SLOT);
        expect(d.state).toBe(state);
        if (state === 'empty') expect([d.seed, d.header, d.steps]).toEqual([null, null, []]);
        else {
          expect(d.seed).toEqual(SEED);
          expect(d.steps.map((s) => s.address)).toEqual(state === 'staging' ? [1, 2] : [1, 2, 3]);
          expect(
            d.steps.every((s) => s.state === (state === 'complete' ? 'success' : 'pending')),
          ).toBe(true);
        }
      });

      it(`createSlot: ${state === 'empty' ? 'accepted → staging' : 'rejected illegal_state'}`, async () => {
        await reach(c, state);
        const p = c.createSlot({
          slot: SLOT,
          header: header(N, 'again'),
          sessionId: sessionId(999),
          seed: SEED,
        });
        if (state === 'empty') {
          expect((await p).state).toBe('staging');
        } else {
          const e = await refusal(() => p);
          expect(e.code).toBe('illegal_state');
          expect((await c.getSlot(SLOT)).state).toBe(state);
        }
      });

      it(`uploadSteps: ${state === 'staging' ? 'accepted, appends' : 'rejected illegal_state'}`, async () => {
        await reach(c, state);
        const p = c.uploadSteps({ slot: SLOT, steps: targets(N).slice(2) });
        if (state === 'staging') expect(await p).toEqual({ uploaded: 3 });
        else {
          expect((await refusal(() => p)).code).toBe('illegal_state');
          expect((await c.getSlot(SLOT)).state).toBe(state);
        }
      });

      it(`sealSlot: ${state === 'staging' ? 'needs every step and the right count, then ready' : 'rejected illegal_state'}`, async () => {
        await reach(c, state);
        if (state === 'staging') {
          expect((await refusal(() => c.sealSlot({ slot: SLOT, stepCount: 2 }))).code).toBe(
            'bad_request',
          ); // 2 of 3 uploaded
          await c.uploadSteps({ slot: SLOT, steps: targets(N).slice(2) });
          expect((await refusal(() => c.sealSlot({ slot: SLOT, stepCount: 4 }))).code).toBe(
            'bad_request',
          );
          expect((await c.sealSlot({ slot: SLOT, stepCount: N })).state).toBe('ready');
        } else {
          expect((await refusal(() => c.sealSlot({ slot: SLOT, stepCount: N }))).code).toBe(
            'illegal_state',
          );
          expect((await c.getSlot(SLOT)).state).toBe(state);
        }
      });

      it('deleteSlot: legal in any state, back to empty', async () => {
        await reach(c, state);
        const s = await c.deleteSlot(SLOT);
        expect(s).toMatchObject({
          index: SLOT,
          state: 'empty',
          profileName: null,
          sessionId: null,
        });
        expect((await c.getSlot(SLOT)).seed).toBeNull();
      });
    });
  }

  it('a reset in a complete slot makes it ready again', async () => {
    await reach(c, 'complete');
    await c.verb({ slot: SLOT, stepIndex: 1, verb: 'reset' });
    expect((await c.listSlots())[SLOT]!.state).toBe('ready');
  });

  it('deleteSlot cancels an attempt in flight', async () => {
    await reach(c, 'ready');
    for (let i = 0; i < N; i++) await c.verb({ slot: SLOT, stepIndex: i, verb: 'try' });
    const { lastSeq } = await c.deleteSlot(SLOT);
    await emu.device.busIdle();
    const d = await c.getSlot(SLOT);
    expect(d.state).toBe('empty');
    expect(d.lastSeq).toBe(lastSeq); // the cancelled attempts reported nothing afterwards
  });

  it('requests on a slot the device does not have: not_found', async () => {
    for (const p of [
      () => c.getSlot(7),
      () => c.deleteSlot(7),
      () => c.sealSlot({ slot: 7, stepCount: 1 }),
    ]) {
      expect((await refusal(p)).code).toBe('not_found');
    }
  });
});
