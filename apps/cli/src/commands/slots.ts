// `osprio slots`: every slot in one round trip — state, profile name, counters. An interrupted
// upload (a staging slot) is shown as an unfinished upload, with how to delete it.

import type { CliIo } from '../io.ts';
import { attach, requestFailure } from '../session.ts';
import { slotsTable, stagingHint } from '../format/rows.ts';

export async function runSlots(o: { device?: string; json?: boolean }, io: CliIo): Promise<number> {
  const { session } = await attach(o.device, 'slots', io.env);
  try {
    const slots = await session
      .listSlots()
      .catch((e: unknown) => Promise.reject(requestFailure(e, 'listing slots')));
    if (o.json) {
      io.out(
        JSON.stringify(
          { slots: slots.map((s) => ({ ...s, unfinishedUpload: s.state === 'staging' })) },
          null,
          2,
        ),
      );
      return 0;
    }
    for (const l of slotsTable(slots)) io.out(l);
    for (const s of slots) {
      const hint = stagingHint(s);
      if (hint) io.out(`note: ${hint}`);
    }
    return 0;
  } finally {
    session.close();
  }
}
