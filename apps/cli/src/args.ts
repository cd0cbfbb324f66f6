// Positional arguments and numeric flags: a bad one is a usage error (exit 2) naming the fix.

import { usageError } from './exit-codes.ts';

export function intArg(text: string | undefined, what: string, lo: number, hi: number): number {
  const t = (text ?? '').trim();
  if (!/^\d{1,7}$/.test(t) || Number(t) < lo || Number(t) > hi)
    throw usageError(
      `${what} must be a whole number ${lo}..${hi} (got ${JSON.stringify((text ?? '').slice(0, 20))})`,
    );
  return Number(t);
}

export const slotArg = (text: string) => intArg(text, 'the slot number', 0, 255);

export function stepArgs(texts: readonly string[]): number[] {
  const out = new Set<number>();
  for (const t of texts)
    for (const part of t.split(','))
      if (part.trim() !== '') out.add(intArg(part, 'a step index', 0, 125));
  return [...out].sort((a, b) => a - b);
}
