// A small scripted node for line tests: answers what it hears through a function, optionally
// switches baud once its answer has left the wire (like a PD after osdp_COM).

import { equalBytes } from '@osprio/osdp';
import type { LineNode, NodeAction } from '../../src/sim-line.ts';

export interface ResponderOptions {
  name: string;
  baud: number;
  /** What to send back for what was heard (null: stay silent). */
  answer?: (heard: Uint8Array) => Uint8Array | null;
  /** Reply delay override; otherwise the line's turnaround for this node applies. */
  delayMs?: number;
}

export class ScriptedResponder implements LineNode {
  readonly name: string;
  baud: number;
  readonly heard: { bytes: Uint8Array; at: number }[] = [];
  /** Set by a test: the baud to switch to after the next transmission completes. */
  switchAfterReply: number | null = null;
  private readonly answer: (heard: Uint8Array) => Uint8Array | null;
  private readonly delayMs: number | undefined;

  constructor(opts: ResponderOptions) {
    this.name = opts.name;
    this.baud = opts.baud;
    this.answer = opts.answer ?? (() => null);
    this.delayMs = opts.delayMs;
  }

  receive(bytes: Uint8Array, at: number): NodeAction {
    this.heard.push({ bytes, at });
    const reply = this.answer(bytes);
    if (!reply) return null;
    return this.delayMs === undefined ? { bytes: reply } : { bytes: reply, delayMs: this.delayMs };
  }

  transmitted(): NodeAction {
    if (this.switchAfterReply !== null) {
      this.baud = this.switchAfterReply;
      this.switchAfterReply = null;
    }
  }
}

/** Answers every clean frame with a fixed reply; anything else (garbage) is ignored. */
export function fixedAnswer(
  expect: Uint8Array,
  reply: Uint8Array,
): (heard: Uint8Array) => Uint8Array | null {
  return (heard) => (equalBytes(heard, expect) ? reply : null);
}
