// Expands a profile into the per-PD step list shown for review and uploaded to a slot. Pure:
// the random strategy draws from an injected source, so the same source gives the same plan.

import { MAX_PD_ADDRESS, type PlannedStep, type Profile, type StepOptions } from './profile.ts';
import { assertValidProfile } from './profile-schema.ts';

/** A random source returning numbers in [0, 1), like Math.random (which the pure core may not call). */
export type Rng = () => number;

export type ExpandErrorCode = 'no_rng' | 'bad_rng';

export class ExpandError extends Error {
  override name = 'ExpandError';
  constructor(
    readonly code: ExpandErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The steps of a profile: one per PD, index 0..deviceCount-1, each at the profile baud.
 * - sequential: startAddress, startAddress+1, …
 * - random: deviceCount distinct addresses drawn uniformly from startAddress..126, listed in
 *   ascending order (so the operator walks the bus in address order); needs `rng`
 * - manual: the manual list, in the order given
 * Throws InvalidProfileError when the profile is not valid (so every plan has unique addresses in
 * 0..126 with room for every PD), ExpandError when the random strategy lacks a usable `rng`.
 */
export function expandProfile(profile: Profile, rng?: Rng): PlannedStep[] {
  const p = assertValidProfile(profile);
  const addresses =
    p.addressStrategy === 'sequential'
      ? Array.from({ length: p.deviceCount }, (_, i) => p.startAddress + i)
      : p.addressStrategy === 'random'
        ? pickRandom(p.startAddress, p.deviceCount, rng)
        : p.manualAddresses;
  return addresses.map((address, index) => ({ index, address, baud: p.baud }));
}

/** Partial Fisher–Yates over start..126: `count` distinct addresses, sorted ascending. */
function pickRandom(start: number, count: number, rng: Rng | undefined): number[] {
  if (rng === undefined)
    throw new ExpandError('no_rng', 'the random address strategy needs a random source');
  const pool = Array.from({ length: MAX_PD_ADDRESS - start + 1 }, (_, i) => start + i);
  for (let i = 0; i < count; i++) {
    const r = rng();
    if (!(typeof r === 'number' && r >= 0 && r < 1)) {
      throw new ExpandError(
        'bad_rng',
        `the random source returned ${String(r)}; it must return a number in [0, 1)`,
      );
    }
    const span = pool.length - i;
    // min(): defensive, keeps j in range whatever the float arithmetic does near 1.
    const j = i + Math.min(span - 1, Math.floor(r * span));
    [pool[i], pool[j]] = [pool[j]!, pool[i]!];
  }
  return pool.slice(0, count).sort((a, b) => a - b);
}

/**
 * Why `step` is not part of `profile`'s expansion, or null if it is: the profile baud, and the address
 * the strategy gives that index (for `random`, any address in startAddress..126; distinctness is the
 * caller's, who sees the whole plan). The device checks every uploaded step with this.
 */
export function stepMismatch(
  profile: Profile,
  step: { index: number; address: number; baud: number },
): string | null {
  const { index, address, baud } = step;
  if (baud !== profile.baud) return `baud ${baud} is not the header’s ${profile.baud}`;
  const wrong = (rule: string) => `address ${address} is not the header’s (${rule})`;
  switch (profile.addressStrategy) {
    case 'sequential':
      return address === profile.startAddress + index
        ? null
        : wrong(
            `sequential from ${profile.startAddress}: expected ${profile.startAddress + index}`,
          );
    case 'manual':
      return address === profile.manualAddresses[index]
        ? null
        : wrong(`manual list: expected ${String(profile.manualAddresses[index])}`);
    case 'random':
      return address >= profile.startAddress && address <= MAX_PD_ADDRESS
        ? null
        : wrong(`random in ${profile.startAddress}..${MAX_PD_ADDRESS}`);
  }
}

/** What each step of this profile needs besides its address and baud. */
export function stepOptionsOf(profile: Profile): StepOptions {
  return {
    timeoutMs: profile.timeoutMs,
    autoVerify: profile.autoVerify,
    expectedCapabilities: profile.expectedCapabilities.map((c) => ({ ...c })),
  };
}
