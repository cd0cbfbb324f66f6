// `osprio try|retry|skip|reset N STEP…` (or --all-pending / --all-failed): sends the verb for each
// step; a rejected verb prints the device's reason (exit 1). With --wait, waits for the attempts it
// started to end, streaming each row change, and exits 1 if any failed.

import type { QueueSnapshot, Row, SlotView } from '@osprio/host';
import type { Verb } from '@osprio/link';
import type { CliIo } from '../io.ts';
import { CliError, EXIT, usageError } from '../exit-codes.ts';
import { slotArg, stepArgs } from '../args.ts';
import { attach, requestFailure, stateFailure } from '../session.ts';
import { rowJson, rowLine } from '../format/rows.ts';

export type VerbName = Verb;

export interface VerbOptions {
  allPending?: boolean;
  allFailed?: boolean;
  wait?: boolean;
  device?: string;
  json?: boolean;
}

function select(s: QueueSnapshot, steps: number[], o: VerbOptions): number[] {
  const out = new Set(steps);
  for (const r of s.rows) {
    if (o.allPending && r.state === 'pending') out.add(r.index);
    if (o.allFailed && r.state === 'failure') out.add(r.index);
  }
  return [...out].sort((a, b) => a - b);
}

const same = (a: Row | undefined, b: Row) =>
  a !== undefined && JSON.stringify(rowJson(a)) === JSON.stringify(rowJson(b));

/** Resolves once every step in `attempts` (index → attempts before the verb) has ended a newer attempt. */
function waitForAttempts(
  view: SlotView,
  initial: readonly Row[],
  attempts: Map<number, number>,
  onRow: (r: Row) => void,
  lost: Promise<never>,
): Promise<Row[]> {
  // From the rows as they were before the verbs: an attempt may already have moved on meanwhile.
  let prev = new Map(initial.map((r) => [r.index, r]));
  const done = (s: QueueSnapshot) =>
    [...attempts].every(([i, before]) => {
      const r = s.rows.find((x) => x.index === i);
      return (
        r !== undefined && r.requested === null && r.attempts > before && r.state !== 'attempting'
      );
    });
  return Promise.race([
    lost,
    new Promise<Row[]>((resolve) => {
      const check = (s: QueueSnapshot) => {
        for (const r of s.rows) if (attempts.has(r.index) && !same(prev.get(r.index), r)) onRow(r);
        prev = new Map(s.rows.map((r) => [r.index, r]));
        if (done(s)) {
          off();
          resolve(s.rows.filter((r) => attempts.has(r.index)));
        }
      };
      const off = view.onChange(check);
      check(view.snapshot);
    }),
  ]);
}

export async function runVerb(
  verb: Verb,
  n: string,
  stepTexts: string[],
  o: VerbOptions,
  io: CliIo,
): Promise<number> {
  const slot = slotArg(n);
  const explicit = stepArgs(stepTexts);
  if (explicit.length === 0 && !o.allPending && !o.allFailed)
    throw usageError('name the steps (e.g. 3 7 12) or use --all-pending / --all-failed');
  const { session, target } = await attach(o.device, 'slots', io.env);
  let opened: SlotView | null = null;
  try {
    const view: SlotView = await session
      .openSlot(slot)
      .catch((e: unknown) => Promise.reject(requestFailure(e, `reading slot ${slot}`)));
    opened = view;
    const steps = select(view.snapshot, explicit, o);
    if (steps.length === 0) {
      const which = [o.allPending ? 'pending' : '', o.allFailed ? 'failed' : '']
        .filter(Boolean)
        .join(' or ');
      if (o.json) io.out(JSON.stringify({ verb, slot, accepted: [], rejected: [] }));
      else io.out(`slot ${slot} has no ${which} steps: nothing to ${verb}`);
      return EXIT.ok;
    }
    const initial = view.snapshot.rows;
    const before = new Map(initial.map((r) => [r.index, r.attempts]));
    const accepted: number[] = [];
    const rejected: { step: number; code: string; reason: string }[] = [];
    for (const i of steps) {
      try {
        await view.verb(i, verb);
        accepted.push(i);
      } catch (e) {
        const f = requestFailure(e, `step ${i}`);
        if (f.code === EXIT.unreachable || f.code === EXIT.inUse) throw f;
        const code = (e as { code?: string }).code ?? 'refused';
        rejected.push({ step: i, code, reason: (e as Error).message });
      }
    }
    if (o.json) io.out(JSON.stringify({ verb, slot, accepted, rejected }));
    else {
      if (accepted.length)
        io.out(
          `${verb}: accepted for ${accepted.length} step${accepted.length === 1 ? '' : 's'} (${accepted.join(' ')})`,
        );
      for (const r of rejected)
        io.err(`${verb} step ${r.step}: refused by the device — ${r.reason}`);
    }
    let failed = rejected.length > 0;
    if (o.wait && (verb === 'try' || verb === 'retry') && accepted.length > 0) {
      const v = view;
      let offState = () => {};
      const lost = new Promise<never>((_, reject) => {
        offState = session.onState((st) => {
          if (st.kind !== 'attached') reject(stateFailure(st, target.where));
        });
      });
      lost.catch(() => {}); // consumed by the race; a late rejection (our own close) is no news
      const waited = new Map(accepted.map((i) => [i, before.get(i) ?? 0]));
      const ended = await waitForAttempts(
        v,
        initial,
        waited,
        (r) => io.out(o.json ? JSON.stringify({ type: 'row', ...rowJson(r) }) : rowLine(r)),
        lost,
      ).finally(() => offState());
      const bad = ended.filter((r) => r.state === 'failure');
      if (!o.json)
        io.out(
          `${ended.length - bad.length} of ${ended.length} attempts succeeded${bad.length ? `; failed: ${bad.map((r) => `${r.index} (${r.outcome ?? 'failure'})`).join(', ')}` : ''}`,
        );
      failed ||= bad.length > 0;
    }
    return failed ? EXIT.failed : EXIT.ok;
  } catch (e) {
    throw e instanceof CliError ? e : requestFailure(e, verb);
  } finally {
    opened?.close();
    session.close();
  }
}
