// Shared by the crash child and its checker: the ops, and the deterministic test seeds (never printed).

import { Prng } from '@osprio/bus';
import type { Verb } from '@osprio/link';

export type CrashOp =
  | { t: 'create'; slot: number; count: number; gen: number }
  | { t: 'upload'; slot: number; from: number; count: number }
  | { t: 'seal'; slot: number; count: number }
  | { t: 'delete'; slot: number }
  | { t: 'verb'; slot: number; step: number; verb: Verb };

/** A seeded source of floats in [0, 1) (the bus package's PRNG), so a failing run can be replayed. */
export function rng(seed: number): () => number {
  const prng = new Prng(seed);
  return () => prng.float();
}

export function crashSeed(slot: number, gen: number): Uint8Array {
  return Uint8Array.from({ length: 16 }, (_, i) => (slot * 31 + gen * 7 + i) & 0xff);
}

export function crashSession(slot: number, gen: number): string {
  const hex = (n: number, w: number) => n.toString(16).padStart(w, '0');
  return `${hex(slot, 8)}-${hex(gen, 4)}-4000-8000-${hex(slot * 1000 + gen, 12)}`;
}
