// `osprio export N --format csv|json [--age-recipient R]… --out FILE`: the key export of a complete
// slot, one entry per provisioned PD. Before `complete` it refuses, naming how many steps are
// pending or failed. The seed is re-read and the SCBKs derived inside @osprio/host only while the
// file is built; nothing here prints a key.

import type { CliIo } from '../io.ts';
import { EXIT } from '../exit-codes.ts';
import { slotArg } from '../args.ts';
import { attach, requestFailure } from '../session.ts';
import { keyOutput, writeExport } from '../key-output.ts';

export interface ExportOptions {
  format: string;
  out: string;
  ageRecipient: string[];
  device?: string;
  json?: boolean;
}

export async function runExport(n: string, o: ExportOptions, io: CliIo): Promise<number> {
  const slot = slotArg(n);
  const k = keyOutput(o.format, o.out, o.ageRecipient ?? []);
  const { session } = await attach(o.device, 'slots', io.env);
  try {
    const file = await session
      .exportSlot(slot, k.format)
      .catch((e: unknown) => Promise.reject(requestFailure(e, `exporting slot ${slot}`)));
    const r = await writeExport(file, k);
    const how = r.encrypted
      ? `age-encrypted to ${k.recipients.length} recipient${k.recipients.length === 1 ? '' : 's'}`
      : 'plain text: keep it safe';
    if (o.json)
      io.out(
        JSON.stringify({
          slot,
          file: k.out,
          format: k.format,
          entries: r.entries,
          encrypted: r.encrypted,
        }),
      );
    else
      io.out(
        `wrote ${r.entries} key${r.entries === 1 ? '' : 's'} of slot ${slot} to ${k.out} (${k.format}, ${how}; mode 0600)`,
      );
    return EXIT.ok;
  } finally {
    session.close();
  }
}
