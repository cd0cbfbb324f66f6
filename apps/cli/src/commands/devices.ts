// `osprio devices`: what runs on this computer, from the per-user runtime file (emulators started by
// `osprio device` and `osprio start`; entries of processes that are gone are left out).

import type { CliIo } from '../io.ts';
import { listDevices, runtimeFile } from '../runtime-file.ts';
import { table } from '../format/table.ts';

export async function runDevices(opts: { json?: boolean }, io: CliIo): Promise<number> {
  const devices = listDevices(io.env);
  if (opts.json) {
    io.out(JSON.stringify({ devices }, null, 2));
    return 0;
  }
  if (devices.length === 0) {
    io.out(
      'no device runs on this computer; start one with `osprio device --sim` (or `npm start`)',
    );
    io.out(`(looked in ${runtimeFile(io.env)})`);
    return 0;
  }
  const modes = (d: { slots: boolean; liveQuickStep: boolean }) =>
    [d.liveQuickStep ? 'quick-step' : '', d.slots ? 'slots' : ''].filter(Boolean).join('+') || '-';
  for (const l of table(
    ['model', 'serial', 'modes', 'pid', 'address'],
    devices.map((d) => [d.model, d.serialNumber, modes(d), String(d.pid), d.url]),
  ))
    io.out(l);
  if (devices.length > 1) io.out('(several devices: pick one with --device <address>)');
  return 0;
}
