// `osprio watch N`: the slot's rows live — one line per row change (each stage as it happens),
// with a progress bar on a terminal. A dropped link or a device restart does not end it: it
// re-attaches (the host library re-subscribes from the last applied sequence number, or re-reads
// on resync) and the backfilled changes print like live ones; a row that did not change prints
// nothing, so nothing is doubled. Ends at `complete` (exit 0) or on Ctrl-C. --json: NDJSON.

import type { QueueSnapshot, Row, SlotView } from '@osprio/host';
import type { CliIo } from '../io.ts';
import type { CliError } from '../exit-codes.ts';
import { EXIT, usageError } from '../exit-codes.ts';
import { slotArg } from '../args.ts';
import { attach, requestFailure, stateFailure } from '../session.ts';
import { countersText, rowJson, rowLine, rowsTable, snapshotHeader } from '../format/rows.ts';
import { snapshotJson } from './slot-show.ts';
import { progress, type Progress } from '../progress.ts';

const rowKey = (r: Row) => JSON.stringify(rowJson(r));

/** The device's rule (a sealed slot is complete when every step succeeded or was skipped), applied
 *  to the rows too: edges move the rows, while the snapshot's slotState changes only on a read. */
export function isComplete(s: QueueSnapshot): boolean {
  if (s.slotState === 'complete') return true;
  return (
    s.slotState === 'ready' &&
    s.rows.length > 0 &&
    s.rows.every((r) => r.state === 'success' || r.state === 'skipped')
  );
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}

// eslint-disable-next-line max-lines-per-function -- one watch loop (attach, print, re-attach on a dropped link, end on complete)
export async function runWatch(
  n: string,
  o: { device?: string; json?: boolean },
  io: CliIo,
): Promise<number> {
  const slot = slotArg(n);
  const signal = io.signal;
  const { session, target } = await attach(o.device, 'slots', io.env);
  let view: SlotView;
  try {
    view = await session.openSlot(slot);
  } catch (e) {
    session.close();
    throw requestFailure(e, `reading slot ${slot}`);
  }
  const first = view.snapshot;
  if (first.slotState === 'empty' || first.slotState === 'staging') {
    view.close();
    session.close();
    throw usageError(
      first.slotState === 'empty'
        ? `slot ${slot} is empty: nothing to watch`
        : `slot ${slot} holds an unfinished upload: nothing to watch; delete it with: osprio slot delete ${slot}`,
    );
  }
  let bar: Progress | null = null;
  const line = (obj: Record<string, unknown>, human: string) => {
    if (o.json) io.out(JSON.stringify(obj));
    else if (bar) bar.log(human);
    else io.out(human);
  };
  const doneCount = (s: QueueSnapshot) => s.counters.provisioned + s.counters.skipped;
  if (o.json) io.out(JSON.stringify({ type: 'snapshot', ...snapshotJson(first) }));
  else {
    io.out(snapshotHeader(first));
    for (const l of rowsTable(first.rows)) io.out(l);
    if (io.isTTY) bar = await progress(io, `slot ${slot}`);
  }
  bar?.update(doneCount(first), first.counters.total);

  let prev = new Map(first.rows.map((r) => [r.index, rowKey(r)]));
  let finished = false;
  let reattaching = false;
  return new Promise<number>((resolve) => {
    const cleanups: (() => void)[] = [];
    const finish = (code: number, err?: CliError) => {
      if (finished) return;
      finished = true;
      for (const c of cleanups) c();
      bar?.stop();
      view.close();
      session.close();
      if (err) io.err(`osprio watch: ${err.message}`);
      resolve(err ? err.code : code);
    };
    const onSnapshot = (s: QueueSnapshot) => {
      if (finished) return;
      for (const r of s.rows) {
        const k = rowKey(r);
        if (prev.get(r.index) === k) continue;
        line({ type: 'row', seq: s.lastSeq, ...rowJson(r) }, rowLine(r));
      }
      prev = new Map(s.rows.map((r) => [r.index, rowKey(r)]));
      bar?.update(
        doneCount(s),
        s.counters.total,
        s.counters.failed ? `(${s.counters.failed} failed)` : '',
      );
      if (s.slotState === 'empty' || s.slotState === 'staging') {
        // Deleted (and perhaps written anew) by another host while this watch was away.
        line(
          { type: 'end', reason: 'deleted', state: s.slotState },
          `slot ${slot} was deleted on the device${s.slotState === 'staging' ? ' and is being written anew' : ''}; nothing left to watch`,
        );
        finish(EXIT.failed);
        return;
      }
      if (isComplete(s)) {
        line(
          { type: 'complete', state: 'complete', counters: s.counters, lastSeq: s.lastSeq },
          `slot ${slot} complete — ${countersText(s.counters)}; export it with: osprio export ${slot} --format csv --out FILE`,
        );
        finish(EXIT.ok);
      }
    };
    const reattach = async () => {
      if (reattaching || finished) return;
      reattaching = true;
      let delay = 100;
      let said = '';
      while (!finished && !signal.aborted) {
        await sleep(delay, signal);
        if (finished || signal.aborted) break;
        const st = await session.reattach();
        if (st.kind === 'attached') {
          // The session re-subscribed from the last applied seq; a read on top catches what a
          // sequence number cannot tell (the slot deleted and written anew while we were away).
          await view.refresh().catch(() => {});
          if (finished) break;
          line(
            { type: 'link', state: 'attached', lastSeq: view.snapshot.lastSeq },
            `re-attached to the device at ${target.where}; caught up to seq ${view.snapshot.lastSeq}`,
          );
          onSnapshot(view.snapshot);
          break;
        }
        if (st.kind === 'incompatible') {
          finish(EXIT.unreachable, stateFailure(st, target.where));
          break;
        }
        if (st.kind !== said) {
          said = st.kind;
          line(
            { type: 'link', state: st.kind },
            `still waiting for the device (${st.kind === 'in_use' ? 'in use by another host' : 'unreachable'}); Ctrl-C to stop`,
          );
        }
        delay = Math.min(delay * 2, 2000);
      }
      reattaching = false;
    };
    cleanups.push(view.onChange(onSnapshot));
    cleanups.push(
      session.onState((st) => {
        if (finished || reattaching || st.kind !== 'lost') return;
        line(
          { type: 'link', state: 'lost', message: st.message },
          `lost the link to the device (${st.message}); re-attaching…`,
        );
        void reattach();
      }),
    );
    const onAbort = () => {
      line(
        { type: 'end', reason: 'interrupted', lastSeq: view.snapshot.lastSeq },
        'stopped watching (Ctrl-C)',
      );
      finish(EXIT.ok);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    cleanups.push(() => signal.removeEventListener('abort', onAbort));
    onSnapshot(view.snapshot);
    if (!finished && session.state.kind === 'lost') void reattach();
  });
}
