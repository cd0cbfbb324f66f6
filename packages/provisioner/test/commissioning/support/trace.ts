// Reading the simulated line's trace: what the provisioner (node "acu") really put on the wire.
import { parseFrame, type Frame } from '@osprio/osdp';
import type { TraceEntry } from '@osprio/bus';

export interface WireTx {
  entry: TraceEntry;
  /** Parsed as sent (MARK stripped); undefined if it does not parse (it always should). */
  frame?: Frame;
  parseError?: string;
  /** The PD transmitted something before our next transmission. */
  answered: boolean;
  /** ...and the ACU heard it clean. */
  answeredClean: boolean;
}

export function acuTransmissions(trace: readonly TraceEntry[], acu = 'acu'): WireTx[] {
  const out: WireTx[] = [];
  trace.forEach((e, i) => {
    if (e.sender !== acu) return;
    let answered = false;
    let clean = false;
    for (let j = i + 1; j < trace.length && trace[j]!.sender !== acu; j++) {
      answered = true;
      if (trace[j]!.receivers.some((r) => r.node === acu && r.heard === 'clean')) clean = true;
    }
    const p = parseFrame(e.bytes);
    out.push(
      p.ok
        ? { entry: e, frame: p.frame, answered, answeredClean: clean }
        : { entry: e, parseError: p.error.message, answered, answeredClean: clean },
    );
  });
  return out;
}

/** Transmissions that drew no answer at all: each cost a whole reply timeout. */
export function timedOutProbes(trace: readonly TraceEntry[]): number {
  return acuTransmissions(trace).filter((t) => !t.answered).length;
}

export const isChlng = (f: Frame | undefined, kk?: number) =>
  f?.code === 0x76 && f.scb?.type === 0x11 && (kk === undefined || f.scb.data[0] === kk);
export const isKeyset = (f: Frame | undefined) => f?.code === 0x75 && !f.reply;

/** PD frames heard clean by the ACU, parsed. */
export function pdReplies(
  trace: readonly TraceEntry[],
  acu = 'acu',
): { entry: TraceEntry; frame: Frame }[] {
  const out: { entry: TraceEntry; frame: Frame }[] = [];
  for (const e of trace) {
    if (e.sender === acu) continue;
    const r = e.receivers.find((x) => x.node === acu);
    if (!r || r.heard !== 'clean') continue;
    const p = parseFrame(r.bytes);
    if (p.ok) out.push({ entry: e, frame: p.frame });
  }
  return out;
}

/** Bus ms of wire time of every frame in the trace. */
export function wireMs(trace: readonly TraceEntry[]): number {
  return trace.reduce((s, e) => s + (e.end - e.start), 0);
}
