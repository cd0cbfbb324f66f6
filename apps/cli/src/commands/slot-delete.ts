// `osprio slot delete N`: legal in any state, so it asks first (unless --yes), saying what is lost:
// once deleted, the keys of the slot's provisioned PDs can no longer be exported.

import type { CliIo } from '../io.ts';
import { EXIT, usageError } from '../exit-codes.ts';
import { slotArg } from '../args.ts';
import { attach, requestFailure } from '../session.ts';
import { countersText, slotStateText } from '../format/rows.ts';

export async function runSlotDelete(
  n: string,
  o: { device?: string; yes?: boolean; json?: boolean },
  io: CliIo,
): Promise<number> {
  const slot = slotArg(n);
  const { session, target } = await attach(o.device, 'slots', io.env);
  try {
    const slots = await session
      .listSlots()
      .catch((e: unknown) => Promise.reject(requestFailure(e, 'listing slots')));
    const current = slots.find((s) => s.index === slot);
    if (!current) throw usageError(`the device has no slot ${slot} (slots 0..${slots.length - 1})`);
    if (current.state === 'empty') {
      if (o.json) io.out(JSON.stringify({ deleted: false, slot: current }));
      else io.out(`slot ${slot} is already empty`);
      return EXIT.ok;
    }
    const what = `slot ${slot} (${slotStateText(current)}${current.profileName ? `, profile "${current.profileName}"` : ''}, ${countersText(current.counters)})`;
    if (!o.yes) {
      const loses =
        current.counters.provisioned > 0
          ? `; the keys of its ${current.counters.provisioned} provisioned PDs can no longer be exported`
          : '';
      const ok = await io.confirm(`Delete ${what} on the device at ${target.where}${loses}?`);
      if (ok === null) throw usageError('no terminal to ask on: pass --yes to delete the slot');
      if (!ok) {
        io.err('nothing deleted (pass --yes to delete without asking)');
        return EXIT.ok;
      }
    }
    const after = await session
      .deleteSlot(slot)
      .catch((e: unknown) => Promise.reject(requestFailure(e, `deleting slot ${slot}`)));
    if (o.json) io.out(JSON.stringify({ deleted: true, slot: after }));
    else io.out(`deleted ${what}`);
    return EXIT.ok;
  } finally {
    session.close();
  }
}
