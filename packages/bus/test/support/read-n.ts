import type { Bus } from '../../src/bus.ts';

/** Reads until `n` bytes have arrived or the deadline passes; returns what arrived. */
export async function readN(bus: Bus, n: number, deadline: number): Promise<Uint8Array> {
  const parts: number[] = [];
  while (parts.length < n) {
    const c = await bus.read(deadline);
    if (!c) break;
    parts.push(...c.bytes);
  }
  return Uint8Array.from(parts);
}

export function complement(b: Uint8Array): Uint8Array {
  return b.map((x) => 255 - x);
}

export const ALL_BYTES = Uint8Array.from({ length: 256 }, (_, i) => i);
