import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { ProgressEdge, StepProgress, StepRecord, Verb } from '@osprio/link';
import { VERB_LEGAL_FROM as DEVICE_TABLE, verbLegal as deviceVerbLegal } from '@osprio/device';
import {
  VERB_LEGAL_FROM,
  emptySnapshot,
  rowsReducer,
  stepRecords,
  verbLegal,
} from '../src/index.ts';
import type { QueueSnapshot, RowsAction } from '../src/index.ts';

const N = 4;
const step = (index: number): StepRecord => ({
  index,
  address: index + 1,
  baud: 9600,
  state: 'pending',
  attempts: 0,
  outcome: null,
  detail: '',
  stage: null,
  stageStatus: null,
});

const progress: fc.Arbitrary<StepProgress> = fc.record({
  state: fc.constantFrom('pending', 'attempting', 'success', 'failure', 'skipped'),
  attempts: fc.nat(5),
  outcome: fc.constantFrom(null, 'ok', 'no_response', 'user_skipped'),
  detail: fc.constantFrom('', 'no reply at 9600'),
  stage: fc.constantFrom(null, 'queued', 'discover', 'keyset'),
  stageStatus: fc.constantFrom(null, 'in_flight', 'done', 'stalled'),
}) as fc.Arbitrary<StepProgress>;

/** A device history: edges seq 1..M, each patching one step; the device's records after each edge. */
const history = fc.array(fc.tuple(fc.nat(N - 1), progress), { maxLength: 30 }).map((changes) => {
  const edges: ProgressEdge[] = changes.map(([stepIndex, p], i) => ({
    queue: { slot: 0 },
    seq: i + 1,
    stepIndex,
    at: i,
    ...p,
  }));
  const recordsAt = (k: number): StepRecord[] => {
    const rs = Array.from({ length: N }, (_, i) => step(i));
    for (const e of edges.slice(0, k))
      rs[e.stepIndex] = {
        ...rs[e.stepIndex]!,
        state: e.state,
        attempts: e.attempts,
        outcome: e.outcome,
        detail: e.detail,
        stage: e.stage,
        stageStatus: e.stageStatus,
      };
    return rs;
  };
  return { edges, recordsAt };
});

// as the device reads it: a sealed slot is complete when every step is success or skipped
const stateOf = (steps: StepRecord[]) =>
  steps.every((x) => x.state === 'success' || x.state === 'skipped') ? 'complete' : 'ready';
const read = (steps: StepRecord[], lastSeq: number): RowsAction => ({
  type: 'read',
  slot: { steps, lastSeq, state: stateOf(steps), profileName: 'P' },
});
const fresh = (steps: StepRecord[], lastSeq: number) =>
  rowsReducer(emptySnapshot({ slot: 0 }), read(steps, lastSeq));
const run = (s: QueueSnapshot, as: RowsAction[]) => as.reduce(rowsReducer, s);

describe('rows reducer', () => {
  it('read + edges (with replays of edges already applied) equals a fresh read of the end state', () => {
    fc.assert(
      fc.property(
        history,
        fc.nat(30),
        fc.array(fc.tuple(fc.nat(30), fc.nat(30)), { maxLength: 6 }),
        (h, k0, replays) => {
          const M = h.edges.length;
          const k = Math.min(k0, M);
          // After the read, the new edges arrive in order; stale ones (already covered by the read
          // or already applied, e.g. replayed after a reconnect) may turn up anywhere in between.
          const delivered: ProgressEdge[] = [];
          const fresh_ = h.edges.slice(k);
          const sorted = [...replays].sort((x, y) => x[0] - y[0]);
          let r = 0;
          for (let pos = 0; pos <= fresh_.length; pos++) {
            while (r < sorted.length && Math.min(sorted[r]![0], fresh_.length) === pos) {
              const known = k + pos; // edges 1..known are covered or applied
              if (known > 0) delivered.push(h.edges[sorted[r]![1] % known]!);
              r++;
            }
            if (pos < fresh_.length) delivered.push(fresh_[pos]!);
          }
          const s = run(
            fresh(h.recordsAt(k), k),
            delivered.map((edge) => ({ type: 'edge' as const, edge })),
          );
          const want = fresh(h.recordsAt(M), M);
          expect(s.rows).toEqual(want.rows);
          expect(s.counters).toEqual(want.counters);
          expect(s.slotState).toBe(want.slotState);
          expect(s.lastSeq).toBe(M);
        },
      ),
    );
  });

  it('an edge seen twice changes nothing (the very same snapshot)', () => {
    fc.assert(
      fc.property(history, (h) => {
        let s = fresh(h.recordsAt(0), 0);
        for (const edge of h.edges) {
          s = rowsReducer(s, { type: 'edge', edge });
          expect(rowsReducer(s, { type: 'edge', edge })).toBe(s);
        }
      }),
    );
  });

  it('a resync followed by a read gives exactly the snapshot of a fresh read', () => {
    fc.assert(
      fc.property(
        history,
        fc.nat(30),
        fc.nat(N - 1),
        fc.constantFrom<Verb>('try', 'retry', 'skip', 'reset'),
        (h, cut, i, verb) => {
          const M = h.edges.length;
          const k = Math.min(cut, M);
          let s = fresh(h.recordsAt(0), 0);
          for (const edge of h.edges.slice(0, k)) s = rowsReducer(s, { type: 'edge', edge });
          s = run(s, [{ type: 'requested', stepIndex: i, verb }, { type: 'resync' }]);
          expect(s).toMatchObject({ stale: true, needsRead: true });
          // edges keep arriving (or not) while stale; the read settles everything
          s = run(s, [
            ...h.edges.slice(k, k + 2).map((edge) => ({ type: 'edge' as const, edge })),
            read(h.recordsAt(M), M),
          ]);
          expect(s).toEqual(fresh(h.recordsAt(M), M));
        },
      ),
    );
  });

  it('counts rows like the device (pending includes attempting)', () => {
    let s = fresh([step(0), step(1), step(2)], 0);
    const e = (seq: number, stepIndex: number, state: StepProgress['state']): RowsAction => ({
      type: 'edge',
      edge: {
        queue: { slot: 0 },
        seq,
        stepIndex,
        at: 0,
        state,
        attempts: 1,
        outcome: null,
        detail: '',
        stage: null,
        stageStatus: null,
      },
    });
    s = run(s, [e(1, 0, 'success'), e(2, 1, 'attempting'), e(3, 2, 'failure')]);
    expect(s.counters).toEqual({ total: 3, provisioned: 1, failed: 1, skipped: 0, pending: 1 });
  });

  it('a requested mark lasts until that step’s next edge, a failed request, or a read', () => {
    const base = fresh([step(0), step(1)], 0);
    const edge = (seq: number, stepIndex: number): RowsAction => ({
      type: 'edge',
      edge: {
        queue: { slot: 0 },
        seq,
        stepIndex,
        at: 0,
        state: 'attempting',
        attempts: 1,
        outcome: null,
        detail: '',
        stage: 'queued',
        stageStatus: null,
      },
    });
    let s = rowsReducer(base, { type: 'requested', stepIndex: 0, verb: 'try' });
    expect(s.rows[0]!.requested).toBe('try');
    s = rowsReducer(s, edge(1, 1)); // another step's edge: the mark stays
    expect(s.rows[0]!.requested).toBe('try');
    s = rowsReducer(s, edge(2, 0));
    expect(s.rows[0]!.requested).toBeNull();
    expect(
      rowsReducer(rowsReducer(base, { type: 'requested', stepIndex: 1, verb: 'skip' }), {
        type: 'request_failed',
        stepIndex: 1,
      }),
    ).toEqual(base);
    expect(
      rowsReducer(
        rowsReducer(base, { type: 'requested', stepIndex: 1, verb: 'skip' }),
        read([step(0), step(1)], 0),
      ),
    ).toEqual(base);
    expect(stepRecords(s)).toEqual(s.rows.map(({ requested: _r, ...r }) => r));
  });

  it('live rows: edges that beat the quick-step reply are held and placed when the row is added', () => {
    const q = { live: '6f1c7a52-0000-4000-8000-000000000001' };
    const e = (seq: number, stepIndex: number, state: StepProgress['state']): RowsAction => ({
      type: 'edge',
      edge: {
        queue: q,
        seq,
        stepIndex,
        at: 0,
        state,
        attempts: 1,
        outcome: state === 'success' ? 'ok' : null,
        detail: '',
        stage: 'key_verify',
        stageStatus: 'done',
      },
    });
    let s = run(emptySnapshot(q), [e(1, 0, 'attempting'), e(2, 0, 'success')]);
    expect(s).toMatchObject({ rows: [], needsRead: true, lastSeq: 2 });
    s = rowsReducer(s, { type: 'add', step: { index: 0, address: 9, baud: 19200 } });
    expect(s.rows).toEqual([
      {
        index: 0,
        address: 9,
        baud: 19200,
        state: 'success',
        attempts: 1,
        outcome: 'ok',
        detail: '',
        stage: 'key_verify',
        stageStatus: 'done',
        requested: null,
      },
    ]);
    expect(s).toMatchObject({
      needsRead: false,
      unplaced: [],
      slotState: 'ready',
      counters: { total: 1, provisioned: 1 },
    });
    // adding it again (a duplicate reply) changes nothing; a later quick-step is added in index order
    expect(rowsReducer(s, { type: 'add', step: { index: 0, address: 9, baud: 19200 } })).toBe(s);
    s = run(s, [
      { type: 'add', step: { index: 1, address: 10, baud: 9600 } },
      e(3, 1, 'attempting'),
    ]);
    expect(s.rows.map((r) => [r.index, r.state])).toEqual([
      [0, 'success'],
      [1, 'attempting'],
    ]);
  });
});

describe('slot state between reads', () => {
  it('a sealed slot turns complete with its last terminal step and ready again on a reset; others follow reads only', () => {
    const e = (seq: number, stepIndex: number, state: StepProgress['state']): RowsAction => ({
      type: 'edge',
      edge: {
        queue: { slot: 0 },
        seq,
        stepIndex,
        at: 0,
        state,
        attempts: 0,
        outcome: null,
        detail: '',
        stage: null,
        stageStatus: null,
      },
    });
    let s = fresh([step(0), step(1)], 0);
    expect(s.slotState).toBe('ready');
    s = run(s, [e(1, 0, 'success'), e(2, 1, 'failure')]);
    expect(s.slotState).toBe('ready');
    s = rowsReducer(s, e(3, 1, 'skipped'));
    expect(s.slotState).toBe('complete');
    s = rowsReducer(s, e(4, 0, 'pending'));
    expect(s.slotState).toBe('ready');
    const staging = rowsReducer(emptySnapshot({ slot: 1 }), {
      type: 'read',
      slot: { steps: [step(0)], lastSeq: 0, state: 'staging' },
    });
    expect(rowsReducer(staging, e(1, 0, 'skipped')).slotState).toBe('staging');
    const live = run(emptySnapshot({ live: 'x' }), [
      { type: 'add', step: { index: 0, address: 1, baud: 9600 } },
      e(1, 0, 'success'),
    ]);
    expect(live.slotState).toBe('ready');
  });
});

describe('edges action (a replay batch)', () => {
  it('equals applying its edges one by one: same snapshot, in one pass', () => {
    const start = fc.oneof(
      fc.constant(null),
      fc.tuple(
        fc.nat(30),
        fc.array(fc.tuple(fc.nat(N + 1), fc.constantFrom<Verb | null>(null, 'try', 'skip')), {
          maxLength: 4,
        }),
      ),
    );
    fc.assert(
      fc.property(
        history,
        start,
        fc.nat(30),
        fc.array(fc.nat(40), { maxLength: 6 }),
        (h, st, readAt, junkSeqs) => {
          // a base state: empty, or a read at some point of the history with some rows marked requested
          let s: QueueSnapshot = emptySnapshot({ slot: 0 });
          if (st) {
            const k = Math.min(st[0], readAt, h.edges.length);
            s = fresh(h.recordsAt(k).slice(0, st[1].length % 2 === 0 ? N : N - 1), k);
            for (const [i, verb] of st[1])
              if (verb) s = rowsReducer(s, { type: 'requested', stepIndex: i, verb });
          }
          // the batch: the history with replays of old seqs mixed in, and an edge for a step not listed
          const extra = junkSeqs.map((q, j): ProgressEdge => ({
            ...(h.edges[0] ?? {
              queue: { slot: 0 },
              at: 0,
              stepIndex: 0,
              state: 'pending',
              attempts: 0,
              outcome: null,
              detail: '',
              stage: null,
              stageStatus: null,
            }),
            seq: q,
            stepIndex: j % 2 === 0 ? 0 : N + 3,
          }));
          const batch = [...h.edges.slice(0, 3), ...extra, ...h.edges.slice(3)];
          const oneByOne = run(
            s,
            batch.map((edge) => ({ type: 'edge', edge })),
          );
          const batched = rowsReducer(s, { type: 'edges', edges: batch });
          expect(batched).toEqual(oneByOne);
          if (oneByOne === s) expect(batched).toBe(s); // nothing new: the same snapshot, no change to notify
        },
      ),
      { numRuns: 500 },
    );
  });

  it('does not touch the snapshot it was given (pure)', () => {
    const s = fresh([step(0), step(1)], 0);
    const before = structuredClone(s);
    const next = rowsReducer(s, {
      type: 'edges',
      edges: [1, 2, 3].map(
        (seq) =>
          ({
            queue: { slot: 0 },
            seq,
            stepIndex: seq % 2,
            at: seq,
            state: 'success',
            attempts: seq,
            outcome: 'ok',
            detail: '',
            stage: 'keyset',
            stageStatus: 'done',
          }) as ProgressEdge,
      ),
    });
    expect(s).toEqual(before);
    expect(next.rows.map((r) => r.attempts)).toEqual([2, 3]);
    expect(next.slotState).toBe('complete');
  });
});

describe('verb table', () => {
  it('is the protocol’s table (device-protocol.md "Steps and verbs"), the one copy the device also enforces', () => {
    // every verb × state, written out from the spec's table
    const spec: Record<Verb, string> = {
      try: 'pending',
      retry: 'failure',
      skip: 'pending failure',
      reset: 'pending attempting success failure skipped',
    };
    for (const verb of ['try', 'retry', 'skip', 'reset'] as const) {
      for (const state of ['pending', 'attempting', 'success', 'failure', 'skipped'] as const) {
        expect(verbLegal(state, verb), `${verb} from ${state}`).toBe(
          spec[verb].split(' ').includes(state),
        );
      }
    }
    expect(DEVICE_TABLE).toBe(VERB_LEGAL_FROM); // not a copy: one table
    expect(deviceVerbLegal).toBe(verbLegal);
    expect(verbLegal('pending', 'explode' as Verb)).toBe(false);
    expect(verbLegal('pending', 'toString' as Verb)).toBe(false);
  });
});
