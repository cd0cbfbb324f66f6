// `osprio live --address A --baud B [step options]`: one quick-step through the device's live queue
// (a fresh seed per live session, made and held by @osprio/host), streamed like a row until it
// ends. --out writes the live session's key export after success (checked before the bus is used).

import { validateStepOptions } from '@osprio/provisioner';
import type { QueueSnapshot, Row } from '@osprio/host';
import type { CliIo } from '../io.ts';
import { CliError, EXIT, usageError } from '../exit-codes.ts';
import { intArg } from '../args.ts';
import { attach, requestFailure, stateFailure } from '../session.ts';
import { rowJson, rowLine } from '../format/rows.ts';
import { flagFor, stepOptionsInput, type StepOptionFlags } from '../profile-flags.ts';
import { keyOutput, writeExport, type KeyOutput } from '../key-output.ts';

export interface LiveOptions extends StepOptionFlags {
  address: string;
  baud: string;
  out?: string;
  format?: string;
  ageRecipient?: string[];
  discardKey?: boolean;
  device?: string;
  json?: boolean;
}

export async function runLive(o: LiveOptions, io: CliIo): Promise<number> {
  const address = intArg(o.address, '--address', 0, 126);
  const baud = intArg(o.baud, '--baud', 1, 10_000_000);
  const v = validateStepOptions(stepOptionsInput(o));
  if (!v.ok) throw usageError(v.problems.map((p) => `${flagFor(p.path)}: ${p.message}`).join('; '));
  if (o.format !== undefined && o.out === undefined) throw usageError('--format needs --out FILE');
  // Without an export the new key dies with this session and the PD stays locked to it.
  if (o.out === undefined && !o.discardKey)
    throw usageError(
      'give --out FILE for the key export (or --discard-key for a trial run: the PD stays locked to a key nobody keeps)',
    );
  const k: KeyOutput | null =
    o.out === undefined ? null : keyOutput(o.format, o.out, o.ageRecipient ?? []);
  const { session, target } = await attach(o.device, 'live', io.env);
  try {
    const live = await session
      .openLive()
      .catch((e: unknown) => Promise.reject(requestFailure(e, 'opening the live queue')));
    try {
      const step = await live
        .quickStep(address, baud, v.options)
        .catch((e: unknown) => Promise.reject(requestFailure(e, 'quick-step')));
      let last = '';
      const ended = await new Promise<Row>((resolve, reject) => {
        const check = (s: QueueSnapshot) => {
          const r = s.rows.find((x) => x.index === step);
          if (!r) return;
          const key = JSON.stringify(rowJson(r));
          if (key !== last)
            io.out(o.json ? JSON.stringify({ type: 'row', ...rowJson(r) }) : rowLine(r));
          last = key;
          if (r.requested === null && (r.state === 'success' || r.state === 'failure'))
            done(() => resolve(r));
        };
        const offRows = live.onChange(check);
        const offState = session.onState((st) => {
          if (st.kind !== 'attached') done(() => reject(stateFailure(st, target.where)));
        });
        const done = (f: () => void) => {
          offRows();
          offState();
          f();
        };
        check(live.snapshot);
      });
      if (ended.state !== 'success') {
        if (!o.json)
          io.out(
            `failed: ${ended.outcome ?? 'failure'}${ended.detail ? ` — ${ended.detail}` : ''}${k ? `; nothing written to ${k.out}` : ''}`,
          );
        return EXIT.failed;
      }
      if (k) {
        const file = await live
          .exportSuccessful(k.format)
          .catch((e: unknown) => Promise.reject(requestFailure(e, 'the live export')));
        const r = await writeExport(file, k);
        if (!o.json)
          io.out(
            `ok — PD at address ${address} @ ${baud} keyed; wrote ${r.entries} key${r.entries === 1 ? '' : 's'} to ${k.out} (${k.format}${r.encrypted ? ', age-encrypted' : ''}; mode 0600)`,
          );
      } else if (!o.json)
        io.out(
          `ok — PD at address ${address} @ ${baud} keyed (--discard-key: its key was not kept)`,
        );
      if (o.json)
        io.out(
          JSON.stringify({ type: 'result', ok: true, step, address, baud, file: k?.out ?? null }),
        );
      return EXIT.ok;
    } catch (e) {
      throw e instanceof CliError ? e : requestFailure(e, 'live');
    } finally {
      live.close();
    }
  } finally {
    session.close();
  }
}
