// The device driving the real commissioning engine on the simulated bus: a slot step commissions a
// factory-fresh PD, and the key that landed is the one derived from the slot's seed.

import { afterEach, describe, expect, it } from 'vitest';
import { deriveScbk } from '@osprio/provisioner';
import { createSimBus } from '@osprio/bus';
import { runStep } from '../../provisioner/src/commissioning/run-step.ts';
import { attachModelPd } from '../../provisioner/test/commissioning/support/model-node.ts';
import type { Device } from '../src/index.ts';
import { busStepExecutor } from '../src/index.ts';
import { openDevice, readySlot, SEED, SESSION, slotOf, tmpDir } from './helpers.ts';

const pdid = {
  vendor: Uint8Array.of(0x00, 0x06, 0x8e),
  model: 1,
  version: 2,
  serial: 123456,
  firmware: { major: 1, minor: 2, build: 3 },
};
const pdcap = [
  { functionCode: 8, compliance: 1, numberOf: 0 },
  { functionCode: 9, compliance: 1, numberOf: 1 },
];

let d: Device | null = null;
afterEach(async () => {
  await d?.close();
  d = null;
});

describe('busStepExecutor (provisioner runStep on the simulated bus)', () => {
  it('commissions a factory-fresh PD from a slot step; edges end in success', async () => {
    const bus = createSimBus({ baud: 9600 });
    const pd = attachModelPd(bus.line, {
      address: 0,
      baud: 9600,
      pdid,
      pdcap,
      scbk: null,
      installMode: true,
      random: { seed: 7 },
    });
    let c = 0;
    const random = (n: number) => Uint8Array.from({ length: n }, () => (c++ * 37 + 11) & 0xff);
    d = openDevice(tmpDir(), busStepExecutor(runStep, bus, random));
    readySlot(d, 0, 1);
    d.verb({ slot: 0 }, 0, 'try');
    await d.busIdle();
    const step = slotOf(d, 0).steps[0]!;
    expect(step, step.detail).toMatchObject({ state: 'success', outcome: 'ok', attempts: 1 });
    expect(pd.state.address).toBe(1);
    expect(pd.state.scbk).toEqual(deriveScbk(SEED, SESSION, 0, 1));
    const edges = d.since({ slot: 0 }, 0);
    expect(
      edges.ok &&
        !edges.resync &&
        edges.edges.some((e) => e.stage === 'key_verify' && e.stageStatus === 'done'),
    ).toBe(true);
  });
});
