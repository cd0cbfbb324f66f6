// One queue view (a slot's or the live queue's) bound to the screen: the latest snapshot (at most
// one render per frame), verbs with their confirmations, and the device's refusals per row. The
// rows themselves change only through the host library's reducer, i.e. on the device's edges.

import type { Verb } from '@osprio/link';
import type { QueueSnapshot, QueueView } from '@osprio/host';
import { frameBatch } from './frame-batch.ts';
import type { RowLike } from './row-view.ts';
import { confirmationFor } from './verbs.ts';

export interface Confirmation {
  title: string;
  message: string;
  confirmLabel: string;
  run: () => void;
}

export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : 'the device did not answer';
}

export class QueueBinding {
  snapshot: QueueSnapshot | null = $state.raw(null);
  problems: Record<number, string> = $state({});
  notice = $state('');
  confirm: Confirmation | null = $state(null);
  private view: QueueView | null = null;
  private unsubscribe: (() => void) | null = null;
  /** "try requested for N steps…" describes work in flight: it goes once no step is pending. */
  private inFlightNotice = '';
  private readonly batch = frameBatch<QueueSnapshot>((s) => {
    this.snapshot = s;
    if (this.inFlightNotice && this.notice === this.inFlightNotice && s.counters.pending === 0)
      this.notice = this.inFlightNotice = '';
  });

  bind(view: QueueView): void {
    this.view = view;
    this.snapshot = view.snapshot;
    this.unsubscribe = view.onChange((s) => this.batch.push(s));
  }

  /** Stops rendering and unsubscribes; nothing on the device needs tearing down. */
  dispose(): void {
    this.batch.stop();
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.view?.close();
    this.view = null;
  }

  onVerb = (row: RowLike, verb: Verb): void => {
    const question = confirmationFor(row, verb);
    if (question) {
      this.confirm = {
        title: 'Reset a step that is being attempted?',
        message: question,
        confirmLabel: 'Confirm',
        run: () => void this.send(row, verb),
      };
      return;
    }
    void this.send(row, verb);
  };

  async send(row: Pick<RowLike, 'index' | 'address'>, verb: Verb): Promise<void> {
    const view = this.view;
    if (!view) return;
    const { [row.index]: _gone, ...rest } = this.problems;
    this.problems = rest;
    try {
      await view.verb(row.index, verb);
    } catch (e) {
      this.problems = { ...this.problems, [row.index]: errorText(e) };
      this.notice = `Address ${row.address}: ${verb} was refused — ${errorText(e)}`;
    }
  }

  async all(verb: 'try' | 'retry', which: 'pending' | 'failed'): Promise<void> {
    const view = this.view;
    if (!view) return;
    try {
      const r = await view.verbAll(verb, which);
      const refused = r.rejected.length
        ? `; ${r.rejected.length} refused (first: ${r.rejected[0]!.message})`
        : '';
      this.notice =
        this.inFlightNotice = `${verb} requested for ${r.accepted} ${which} ${r.accepted === 1 ? 'step' : 'steps'}${refused}. The device runs them one at a time.`;
    } catch (e) {
      this.notice = `${verb} all ${which} failed: ${errorText(e)}`;
    }
  }

  async refresh(): Promise<void> {
    try {
      await this.view?.refresh();
      this.notice = 'Refreshed from the device.';
    } catch (e) {
      this.notice = `Refresh failed: ${errorText(e)}`;
    }
  }
}
