// Min-heap of timed callbacks for the discrete-event simulator. Ties run in scheduling order, so a
// run is deterministic regardless of heap internals.

interface Entry {
  at: number; // ticks
  seq: number;
  run: () => void;
}

export class EventQueue {
  private heap: Entry[] = [];
  private seq = 0;

  get size(): number {
    return this.heap.length;
  }

  push(at: number, run: () => void): void {
    const e = { at, seq: this.seq++, run };
    const h = this.heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!less(e, h[p]!)) break;
      h[i] = h[p]!;
      i = p;
    }
    h[i] = e;
  }

  /** Time of the earliest event, or Infinity when empty. */
  peekAt(): number {
    return this.heap[0]?.at ?? Infinity;
  }

  pop(): Entry | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (top === undefined || last === undefined || h.length === 0) return top;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      let mv = last;
      if (l < h.length && less(h[l]!, mv)) {
        m = l;
        mv = h[l]!;
      }
      if (r < h.length && less(h[r]!, mv)) m = r;
      if (m === i) break;
      h[i] = h[m]!;
      i = m;
    }
    h[i] = last;
    return top;
  }

  clear(): void {
    this.heap = [];
  }
}

function less(a: Entry, b: Entry): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}
