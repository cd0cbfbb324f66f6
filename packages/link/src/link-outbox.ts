// Edges made while a request is being served wait here, so a reply always precedes what it caused;
// between requests an edge goes straight out.

import type { ProgressEdge } from './model.ts';

export class Outbox {
  private held: ProgressEdge[] = [];
  private holding = false;

  constructor(private readonly send: (edge: ProgressEdge) => void) {}

  push(edge: ProgressEdge): void {
    if (this.holding) this.held.push(edge);
    else this.send(edge);
  }

  /** A request is being served: hold edges until `release`. */
  hold(): void {
    this.holding = true;
  }

  /** Sends what was held (in order) and stops holding. */
  release(): void {
    this.holding = false;
    this.flush();
  }

  /** Sends what was held, still holding new edges (between two requests of one batch). */
  flush(): void {
    const out = this.held;
    this.held = [];
    for (const e of out) this.send(e);
  }

  clear(): void {
    this.held = [];
  }
}
