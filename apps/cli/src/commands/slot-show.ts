// `osprio slot show N`: the slot's rows — address, baud, state, attempts, last outcome and its
// detail, stage milestone — read once (the seed in the read is dropped by @osprio/host).

import type { CliIo } from '../io.ts';
import { slotArg } from '../args.ts';
import { attach, requestFailure } from '../session.ts';
import { rowJson, rowsTable, snapshotHeader, stagingHint } from '../format/rows.ts';
import type { QueueSnapshot } from '@osprio/host';

export function snapshotJson(s: QueueSnapshot): Record<string, unknown> {
  return {
    queue: s.queue,
    state: s.slotState,
    profileName: s.profileName,
    counters: s.counters,
    lastSeq: s.lastSeq,
    rows: s.rows.map(rowJson),
  };
}

export async function runSlotShow(
  n: string,
  o: { device?: string; json?: boolean },
  io: CliIo,
): Promise<number> {
  const slot = slotArg(n);
  const { session } = await attach(o.device, 'slots', io.env);
  try {
    const view = await session
      .openSlot(slot)
      .catch((e: unknown) => Promise.reject(requestFailure(e, `reading slot ${slot}`)));
    const s = view.snapshot;
    view.close();
    if (o.json) {
      io.out(JSON.stringify(snapshotJson(s), null, 2));
      return 0;
    }
    io.out(snapshotHeader(s));
    const hint = stagingHint({ state: s.slotState, index: slot });
    if (hint) io.out(`note: ${hint}`);
    if (s.rows.length > 0) for (const l of rowsTable(s.rows)) io.out(l);
    return 0;
  } finally {
    session.close();
  }
}
