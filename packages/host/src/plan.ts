// Profile (form values or an imported file) → validated profile → the step list the user reviews
// and uploads. Pure: randomness (for the random address strategy) comes in as a byte source.

import {
  expandProfile,
  parseProfileFile,
  stepOptionsOf,
  validateProfile,
} from '@osprio/provisioner';
import type { Profile, ProfileProblem, StepOptions } from '@osprio/provisioner';
import type { StepTarget } from '@osprio/link';

export interface Plan {
  profile: Profile;
  /** Exactly what is uploaded (and what the user reviewed): index, address, baud per row. */
  steps: StepTarget[];
}

export interface FieldProblem {
  /** The form field or, for an imported file, its JSON path: 'startAddress', 'profile.manualAddresses[3]'; '' = the whole input. */
  field: string;
  /** What is wrong and how to fix it, one line. */
  message: string;
}

export type PlanResult = { ok: true; plan: Plan } | { ok: false; problems: FieldProblem[] };

/** A uniform number in [0, 1) from 6 random bytes (48 bits). */
export function rngFromBytes(random: (n: number) => Uint8Array): () => number {
  return () => {
    const b = random(6);
    let x = 0;
    for (let i = 0; i < 6; i++) x = x * 256 + (b[i] ?? 0);
    return x / 2 ** 48;
  };
}

function problemsOf(ps: readonly ProfileProblem[]): FieldProblem[] {
  return ps.map((p) => ({ field: p.path, message: p.message }));
}

function expand(profile: Profile, random: (n: number) => Uint8Array): Plan {
  const steps = expandProfile(profile, rngFromBytes(random)).map((s) => ({
    index: s.index,
    address: s.address,
    baud: s.baud,
  }));
  return { profile, steps };
}

/** Form values (a Profile-shaped object) → the plan, or every problem by field. */
export function planFromProfile(input: unknown, random: (n: number) => Uint8Array): PlanResult {
  const r = validateProfile(input);
  if (!r.ok) return { ok: false, problems: problemsOf(r.problems) };
  return { ok: true, plan: expand(r.profile, random) };
}

/** An imported profile file's text → the plan, or every problem by JSON path. */
export function planFromFile(text: string, random: (n: number) => Uint8Array): PlanResult {
  const r = parseProfileFile(text);
  if (!r.ok) return { ok: false, problems: problemsOf(r.problems) };
  return { ok: true, plan: expand(r.profile, random) };
}

/** One problem per line: `field: message`. */
export function formatFieldProblems(problems: readonly FieldProblem[]): string {
  return problems.map((p) => (p.field === '' ? p.message : `${p.field}: ${p.message}`)).join('\n');
}

/** The options every step of this plan runs with (also what a live quick-step takes). */
export function planStepOptions(plan: Plan): StepOptions {
  return stepOptionsOf(plan.profile);
}
