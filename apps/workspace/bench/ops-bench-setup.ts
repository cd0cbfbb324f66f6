// The setup the ops benchmarks share: the plan of one full slot, and the device making edges alone
// while no host is attached (skip/reset cost no bus time, so 10,000 edges are quick to make).
import { randomBytes } from 'node:crypto';
import { planFromProfile, type Plan } from '@osprio/host';
import type { Emulator } from '@osprio/device/emulator';

export const EDGES = 10_000;
export const STEPS = 126;

/** A sequential plan of STEPS PDs at 115200 baud. */
export function benchPlan(): Plan {
  const plan = planFromProfile(
    {
      name: 'bench',
      deviceCount: STEPS,
      addressStrategy: 'sequential',
      startAddress: 1,
      manualAddresses: [],
      baud: 115200,
      expectedCapabilities: [],
      timeoutMs: 0,
      autoVerify: false,
    },
    (n) => new Uint8Array(randomBytes(n)),
  );
  if (!plan.ok) throw new Error('bench plan invalid');
  return plan.plan;
}

/** Skips then resets every step of slot 0 in rounds until EDGES edges are made; returns how many. */
export function makeEdgesAlone(device: Emulator['device']): number {
  let made = 0;
  for (let round = 0; made < EDGES; round++) {
    const verb = round % 2 === 0 ? 'skip' : 'reset';
    let accepted = 0;
    for (let i = 0; i < STEPS && made + accepted < EDGES; i++)
      if (device.verb({ slot: 0 }, i, verb).ok) accepted++;
    if (accepted === 0) throw new Error(`bench: the device refused every ${verb}`);
    made += accepted;
  }
  return made;
}
