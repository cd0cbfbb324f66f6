// Checks on what a host sends before anything is journaled. Reasons are one line, never key material.

import type { StepTarget } from '@osprio/link';
import { OSDP_BAUDS } from '@osprio/osdp';
import {
  formatProblems,
  isUuid,
  MAX_PD_ADDRESS,
  stepMismatch,
  validateProfile,
  validateStepOptions,
} from '@osprio/provisioner';
import type { Profile } from '@osprio/provisioner';

export function checkSessionId(id: unknown): string | null {
  return isUuid(id) ? null : 'sessionId must be a UUID';
}

export function checkSeed(seed: unknown): string | null {
  return seed instanceof Uint8Array && seed.length === 16 ? null : 'seed must be 16 bytes';
}

/** A seed that is plainly not random (a zeroed or erased buffer) would key every PD guessably. */
export function checkSeedStrength(seed: Uint8Array): string | null {
  return seed.every((b) => b === 0x00) || seed.every((b) => b === 0xff)
    ? 'seed must not be all 0x00 or all 0xFF (use a CSPRNG)'
    : null;
}

const isInt = (n: unknown, lo: number, hi: number): n is number =>
  typeof n === 'number' && Number.isInteger(n) && n >= lo && n <= hi;

export function checkAddress(a: unknown): string | null {
  return isInt(a, 0, MAX_PD_ADDRESS) ? null : `address must be 0..${MAX_PD_ADDRESS}`;
}

export function checkBaud(b: unknown): string | null {
  return (OSDP_BAUDS as readonly number[]).includes(b as number)
    ? null
    : `baud must be one of ${OSDP_BAUDS.join(', ')}`;
}

/** A quick-step's options obey the same rules as a profile's fields (the provisioner's validation). */
export function checkOptions(o: unknown): string | null {
  const v = validateStepOptions(o);
  return v.ok ? null : `invalid step options: ${formatProblems(v.problems.slice(0, 1))}`;
}

/** The header must be a valid profile (the provisioner's own validation) that fits a slot. */
export function checkHeader(h: unknown, maxSteps: number): string | null {
  const v = validateProfile(h);
  if (!v.ok) return `invalid profile header: ${formatProblems(v.problems.slice(0, 1))}`;
  if (v.profile.deviceCount > maxSteps) return `deviceCount must be at most ${maxSteps}`;
  return null;
}

/** A chunk of steps appended after `existing` (their addresses) in a slot holding at most `max`. */
export function checkStepChunk(
  chunk: unknown,
  existing: readonly number[],
  max: number,
): string | null {
  if (!Array.isArray(chunk) || chunk.length === 0) return 'no steps in chunk';
  if (existing.length + chunk.length > max) return `at most ${max} steps fit this slot`;
  const seen = new Set(existing);
  for (let i = 0; i < chunk.length; i++) {
    const t = chunk[i] as StepTarget;
    if (!t || t.index !== existing.length + i)
      return `step index ${String(t?.index)} out of order (expected ${existing.length + i})`;
    const a = checkAddress(t.address) ?? checkBaud(t.baud);
    if (a) return `step ${t.index}: ${a}`;
    if (seen.has(t.address))
      return `step ${t.index}: address ${t.address} already used in this slot`;
    seen.add(t.address);
  }
  return null;
}

/** Each step of a well-formed chunk must be the slot header's expansion (the device is the source of truth). */
export function checkStepsFitHeader(chunk: readonly StepTarget[], header: Profile): string | null {
  for (const t of chunk) {
    const why = stepMismatch(header, t);
    if (why) return `step ${t.index}: ${why}`;
  }
  return null;
}
