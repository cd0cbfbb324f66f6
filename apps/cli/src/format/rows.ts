// A queue's rows as people read them: one table for `slot show`, one line per change for `watch`
// and `live`, and the same as JSON objects for --json.

import type { QueueSnapshot, Row } from '@osprio/host';
import type { SlotCounters, SlotSummary } from '@osprio/link';
import { table } from './table.ts';

const STAGE_STATUS: Record<string, string> = { in_flight: '…', done: '✓', stalled: '✗' };

export function stageText(r: Pick<Row, 'stage' | 'stageStatus'>): string {
  if (!r.stage) return '-';
  return r.stageStatus ? `${r.stage} ${STAGE_STATUS[r.stageStatus] ?? r.stageStatus}` : r.stage;
}

export function stateText(r: Pick<Row, 'state' | 'requested'>): string {
  return r.requested ? `${r.state} (${r.requested} sent)` : r.state;
}

export function rowsTable(rows: readonly Row[]): string[] {
  return table(
    ['step', 'address', 'baud', 'state', 'attempts', 'outcome', 'stage', 'detail'],
    rows.map((r) => [
      String(r.index),
      String(r.address),
      String(r.baud),
      stateText(r),
      String(r.attempts),
      r.outcome ?? '-',
      stageText(r),
      r.detail || '',
    ]),
    { right: [0, 1, 2, 4] },
  );
}

/** One row on one line, for a stream of changes. */
export function rowLine(r: Row): string {
  const outcome = r.outcome ? ` (${r.outcome})` : '';
  const stage = r.stage && r.state === 'attempting' ? `  ${stageText(r)}` : '';
  const detail = r.detail ? ` — ${r.detail}` : '';
  return `step ${String(r.index).padStart(3)}  address ${String(r.address).padStart(3)} @ ${String(r.baud).padEnd(6)}  ${stateText(r)}${outcome}  attempt ${r.attempts}${stage}${detail}`;
}

/** The machine shape of a row (--json): the device's record plus the host's pending request. */
export function rowJson(r: Row): Record<string, unknown> {
  return {
    step: r.index,
    address: r.address,
    baud: r.baud,
    state: r.state,
    attempts: r.attempts,
    outcome: r.outcome,
    detail: r.detail,
    stage: r.stage,
    stageStatus: r.stageStatus,
    requested: r.requested,
  };
}

export function countersText(c: SlotCounters): string {
  return `${c.total} steps: ${c.provisioned} provisioned, ${c.failed} failed, ${c.skipped} skipped, ${c.pending} pending`;
}

export function snapshotHeader(s: QueueSnapshot): string {
  const q = 'slot' in s.queue ? `slot ${s.queue.slot}` : 'live queue';
  return `${q}  ${s.slotState}${s.profileName ? `  profile "${s.profileName}"` : ''}  — ${countersText(s.counters)}`;
}

/** A staging slot is an upload that never finished: say so, and how to get rid of it. */
export function slotStateText(s: Pick<SlotSummary, 'state' | 'index'>): string {
  return s.state === 'staging' ? 'unfinished upload' : s.state;
}

export function stagingHint(s: Pick<SlotSummary, 'state' | 'index'>): string | null {
  return s.state === 'staging'
    ? `slot ${s.index} holds an unfinished upload (interrupted before it was sealed); delete it with: osprio slot delete ${s.index}`
    : null;
}

export function slotsTable(slots: readonly SlotSummary[], indent = ''): string[] {
  return table(
    ['slot', 'state', 'profile', 'total', 'prov', 'failed', 'skipped', 'pending'],
    slots.map((s) => {
      const c = s.counters;
      return [
        String(s.index),
        slotStateText(s),
        s.profileName ?? '-',
        String(c.total),
        String(c.provisioned),
        String(c.failed),
        String(c.skipped),
        String(c.pending),
      ];
    }),
    { right: [0, 3, 4, 5, 6, 7], indent },
  );
}
