import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as v from 'valibot';
import { STAGES, STAGE_STATUSES, STEP_STATES } from '@osprio/provisioner';
import {
  MAX_EDGES_PER_BATCH,
  MAX_FRAME_BYTES,
  checkEdge,
  decodeDeviceMessage,
  encodeEdgeBatches,
  encodeEvent,
  eventEdges,
  guardJson,
  type DeviceMessage,
  type ProgressEdge,
} from '../src/index.ts';
import { progressEdge } from '../src/schema-model.ts';
import { edge } from './fixtures.ts';

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const decode = (text: string): DeviceMessage => decodeDeviceMessage(text, () => undefined);
const wireEdge = ({ queue: _q, ...rest }: ProgressEdge) => rest;
const batch = (edges: unknown[], queue: unknown = { slot: 1 }) =>
  JSON.stringify({ event: 'edges', queue, edges });
const invalid = (m: DeviceMessage): string =>
  m.kind === 'invalid' ? m.message : `not refused: ${m.kind}`;

const edgeArb = (queue: { slot: number }) =>
  fc.record({
    queue: fc.constant(queue),
    seq: fc.nat(),
    stepIndex: fc.nat({ max: 125 }),
    state: fc.constantFrom(...STEP_STATES),
    attempts: fc.nat({ max: 20 }),
    outcome: fc.constantFrom(null, 'ok', 'no_response', 'scbk_rejected'),
    detail: fc
      .string({ maxLength: 200, unit: fc.constantFrom('a', 'é', '’', '𝄞', '"', '\\', ' ') })
      .map((s) => s.slice(0, 200).replace(LONE_SURROGATE, '?')),
    stage: fc.constantFrom(null, 'queued', ...STAGES),
    stageStatus: fc.constantFrom(null, ...STAGE_STATUSES),
    at: fc.nat(),
  });

/** Edges in growing seq order (what a device replays). */
const replayArb = fc
  .array(edgeArb({ slot: 3 }), { minLength: 1, maxLength: 400 })
  .map((es) => es.map((e, i) => ({ ...e, seq: i + 1 }) as ProgressEdge));

describe('edges event: encode and decode', () => {
  it('a replay round-trips through encodeEdgeBatches → decodeDeviceMessage: same edges, same order, every frame within the limit', () => {
    fc.assert(
      fc.property(replayArb, fc.constantFrom(2048, 8192, MAX_FRAME_BYTES), (edges, maxBytes) => {
        const problems: string[] = [];
        const frames = encodeEdgeBatches({ slot: 3 }, edges, (m) => problems.push(m), maxBytes);
        expect(problems).toEqual([]);
        const out: ProgressEdge[] = [];
        for (const f of frames) {
          expect(new TextEncoder().encode(f.text).length).toBeLessThanOrEqual(maxBytes);
          const m = decode(f.text);
          if (m.kind !== 'event') throw new Error(invalid(m));
          expect(m.event.event).toBe('edges');
          expect(f.last).toBe(edges[out.length + eventEdges(m.event).length - 1]);
          out.push(...eventEdges(m.event));
        }
        expect(out).toEqual(edges);
      }),
      { numRuns: 60 },
    );
  });

  it('10,000 edges with the longest details (3-byte characters) split into frames that all fit MAX_FRAME_BYTES', () => {
    const detail = '’'.repeat(200);
    const edges = Array.from({ length: 10_000 }, (_, i) =>
      edge(0, i + 1, { detail, stepIndex: 0x7fff_fff0, at: Number.MAX_SAFE_INTEGER }),
    );
    const frames = encodeEdgeBatches({ slot: 0 }, edges, () => {
      throw new Error('no edge is invalid');
    });
    expect(frames.length).toBeGreaterThan(10);
    let n = 0;
    for (const f of frames) {
      expect(new TextEncoder().encode(f.text).length).toBeLessThanOrEqual(MAX_FRAME_BYTES);
      const m = decode(f.text);
      if (m.kind !== 'event') throw new Error(invalid(m));
      n += eventEdges(m.event).length;
    }
    expect(n).toBe(10_000);
  });

  it('short edges are capped at MAX_EDGES_PER_BATCH per frame', () => {
    const edges = Array.from({ length: MAX_EDGES_PER_BATCH + 5 }, (_, i) =>
      edge(0, i + 1, { stage: null, stageStatus: null }),
    );
    const frames = encodeEdgeBatches({ slot: 0 }, edges, () => {}, 10 * MAX_FRAME_BYTES);
    expect(frames.map((f) => (JSON.parse(f.text) as { edges: unknown[] }).edges.length)).toEqual([
      MAX_EDGES_PER_BATCH,
      5,
    ]);
  });

  it('encodeEvent makes one edges frame, and refuses one that would not be legal', () => {
    const text = encodeEvent({
      event: 'edges',
      queue: { slot: 1 },
      edges: [edge(1, 1), edge(1, 2)],
    });
    expect(decode(text)).toEqual({
      kind: 'event',
      event: { event: 'edges', queue: { slot: 1 }, edges: [edge(1, 1), edge(1, 2)] },
    });
    expect(() =>
      encodeEvent({ event: 'edges', queue: { slot: 1 }, edges: [edge(1, 1, { attempts: -1 })] }),
    ).toThrow(/invalid edges event: .*attempts/);
  });

  it('old single edge events still decode, checked by the same rules', () => {
    const text = encodeEvent({ event: 'edge', edge: edge(2, 7) });
    expect(decode(text)).toEqual({ kind: 'event', event: { event: 'edge', edge: edge(2, 7) } });
    expect(
      invalid(
        decode(JSON.stringify({ event: 'edge', edge: { ...edge(2, 7), state: 'exploded' } })),
      ),
    ).toBe('message.edge.state: expected a step state');
    expect(
      invalid(
        decode(JSON.stringify({ event: 'edge', edge: { ...edge(2, 7), queue: { slot: 999 } } })),
      ),
    ).toMatch(/^message\.edge\.queue: /);
    // unknown keys are dropped, never passed on
    const m = decode(JSON.stringify({ event: 'edge', edge: { ...edge(2, 7), seed: 'ab' } }));
    expect(m.kind === 'event' && m.event.event === 'edge' && !('seed' in m.event.edge)).toBe(true);
  });
});

describe('edges event: malformed batches are refused whole, with a reason', () => {
  const good = [wireEdge(edge(1, 1)), wireEdge(edge(1, 2)), wireEdge(edge(1, 3))];
  const cases: [string, string, RegExp][] = [
    ['no queue', JSON.stringify({ event: 'edges', edges: good }), /^message\.queue: /],
    ['a bad queue', batch(good, { slot: -1 }), /^message\.queue: /],
    [
      'edges not a list',
      JSON.stringify({ event: 'edges', queue: { slot: 1 }, edges: { 0: good[0] } }),
      /^message\.edges: expected Array/,
    ],
    ['no edges', batch([]), /^message\.edges: expected 1\.\.\d+ edges/],
    [
      'too many edges',
      batch(Array.from({ length: MAX_EDGES_PER_BATCH + 1 }, (_, i) => ({ seq: i + 1 }))),
      /^message\.edges: expected 1\.\.\d+ edges/,
    ],
    ['an edge that is not an object', batch([good[0], 7]), /^message\.edges\.1\.expected Object$/],
    ['an edge that is a list', batch([[]]), /^message\.edges\.0\.expected Object$/],
    ['a fractional seq', batch([good[0], { ...good[1], seq: 2.5 }]), /^message\.edges\.1\.seq: /],
    [
      'a seq out of order',
      batch([good[1], good[0]]),
      /^message\.edges\.1\.seq: expected above the previous edge's$/,
    ],
    ['a seq twice', batch([good[0], good[0]]), /^message\.edges\.1\.seq: expected above/],
    [
      'a missing field',
      batch([good[0], { ...good[1], stage: undefined }]),
      /^message\.edges\.1\.stage: /,
    ],
    ['an unknown state', batch([{ ...good[0], state: 'done' }]), /^message\.edges\.0\.state: /],
    [
      'an unknown outcome',
      batch([{ ...good[0], outcome: 'maybe' }]),
      /^message\.edges\.0\.outcome: /,
    ],
    [
      'a control character in a detail',
      batch([{ ...good[0], detail: 'a\u0007b' }]),
      /^message\.edges\.0\.detail: no control characters$/,
    ],
    [
      'a lone surrogate in a detail',
      batch([{ ...good[0], detail: 'a\uD800b' }]),
      /^message\.edges\.0\.detail: not valid Unicode$/,
    ],
    [
      'a detail too long',
      batch([{ ...good[0], detail: 'x'.repeat(201) }]),
      /^message\.edges\.0\.detail: expected <=200/,
    ],
    [
      'a negative attempt count',
      batch([{ ...good[0], attempts: -1 }]),
      /^message\.edges\.0\.attempts: /,
    ],
    [
      'a step index too large',
      batch([{ ...good[0], stepIndex: 2 ** 31 }]),
      /^message\.edges\.0\.stepIndex: /,
    ],
    [
      'an unknown stage status',
      batch([{ ...good[0], stageStatus: 'meh' }]),
      /^message\.edges\.0\.stageStatus: /,
    ],
    [
      'a forbidden key',
      batch([{ ...good[0] }]).replace('"seq"', '"__proto__":1,"seq"'),
      /^forbidden key/,
    ],
    [
      'a frame over the size limit',
      batch([{ ...good[0], detail: 'x'.repeat(MAX_FRAME_BYTES) }]),
      /^frame over \d+ bytes$/,
    ],
  ];
  for (const [what, text, reason] of cases) {
    it(`refuses ${what}`, () => {
      const m = decode(text);
      expect(m.kind).toBe('invalid');
      expect(invalid(m)).toMatch(reason);
      expect(invalid(m).length).toBeLessThanOrEqual(200);
      expect(invalid(m)).not.toMatch(/\n/);
    });
  }

  it('a forbidden key spelled with \\u escapes is still refused (the guard’s fast path does not skip it)', () => {
    for (const key of ['\\u005f_proto__', 'constru\\u0063tor', 'prototyp\\u0065', '__proto__']) {
      const text = batch([{ ...good[0] }]).replace('"seq"', `"${key}":{"x":1},"seq"`);
      expect(guardJson(text)).toMatchObject({
        ok: false,
        code: 'bad_request',
        message: expect.stringMatching(/^forbidden key/),
      });
      expect(invalid(decode(text))).toMatch(/^forbidden key/);
    }
    // and a frame without any such text parses on the fast path to the same value
    const plain = batch(good);
    expect(guardJson(plain)).toEqual({ ok: true, value: JSON.parse(plain) });
  });

  it('hostile batches (any JSON where the queue, the list or an edge goes) never throw: decoded legal, or refused in one line', () => {
    const good0 = wireEdge(edge(1, 1));
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), fc.nat(3), fc.nat(4), (junk, where, at) => {
        const list: unknown[] = [good0, { ...good0, seq: 2 }, { ...good0, seq: 3 }];
        const msg: Record<string, unknown> = { event: 'edges', queue: { slot: 1 }, edges: list };
        if (where === 0) msg.queue = junk;
        else if (where === 1) msg.edges = junk;
        else if (where === 2) list.splice(Math.min(at, list.length), 0, junk);
        else
          list[at % list.length] = {
            ...good0,
            ...(typeof junk === 'object' && junk !== null && !Array.isArray(junk)
              ? junk
              : { detail: junk }),
          };
        const m = decode(JSON.stringify(msg));
        if (m.kind === 'event') {
          const es = eventEdges(m.event);
          for (let i = 0; i < es.length; i++) {
            expect(checkEdge(es[i]).ok).toBe(true);
            if (i > 0) expect(es[i]!.seq).toBeGreaterThan(es[i - 1]!.seq);
          }
        } else {
          expect(m.kind).toBe('invalid');
          expect(invalid(m)).toMatch(/^[^\n]{1,200}$/);
        }
      }),
      { numRuns: 1500 },
    );
  });

  it('never echoes the peer’s values in a reason', () => {
    const m = decode(batch([{ ...good[0], state: 'SECRET-VALUE' }], { slot: 1 }));
    expect(invalid(m)).not.toContain('SECRET');
  });
});

describe('the hand-written edge check agrees with the progressEdge schema', () => {
  // Each field: a legal value, or something near the edge of legal.
  const mutate = fc.record({
    seq: fc.oneof(
      fc.nat(),
      fc.constantFrom(-1, 1.5, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER + 2, '3', null),
    ),
    stepIndex: fc.oneof(
      fc.nat({ max: 200 }),
      fc.constantFrom(-1, 0x7fff_ffff, 0x8000_0000, 0.5, true),
    ),
    state: fc.constantFrom(...STEP_STATES, 'PENDING', '', 3, null),
    attempts: fc.oneof(fc.nat(), fc.constantFrom(-2, 0xffff_ffff, 0x1_0000_0000, 1e21, NaN)),
    outcome: fc.constantFrom(
      null,
      'ok',
      'no_response',
      'scbk_rejected',
      'nope',
      '',
      'x'.repeat(44),
      5,
      undefined,
    ),
    detail: fc.oneof(
      fc.string({ maxLength: 210 }),
      fc.constantFrom(
        'a\tb',
        '\u007f',
        '\uDC00',
        'ok\uD83D\uDE00',
        'x'.repeat(200),
        'x'.repeat(201),
        7,
        null,
      ),
    ),
    stage: fc.constantFrom(null, 'queued', ...STAGES, 'Discover', 0, undefined),
    stageStatus: fc.constantFrom(null, ...STAGE_STATUSES, 'stall', undefined),
    at: fc.oneof(fc.nat(), fc.constantFrom(-1, 0.1, Number.MAX_SAFE_INTEGER + 2, '0')),
    queue: fc.constantFrom<unknown>(
      { slot: 0 },
      { slot: 255 },
      { slot: 256 },
      { live: '0190b7a2-7c4e-7d1a-9f3e-2b8c4d5e6f70' },
      { live: 'x' },
      { slot: 1, live: 'x' },
      null,
      undefined,
    ),
    extra: fc.constantFrom<Record<string, unknown>>({}, { seed: 'aa' }, { note: 1 }),
  });
  it('accepts exactly what valibot accepts, with the same output', () => {
    fc.assert(
      fc.property(mutate, ({ extra, ...fields }) => {
        const raw: Record<string, unknown> = { ...extra };
        for (const [k, val] of Object.entries(fields)) if (val !== undefined) raw[k] = val;
        const ref = v.safeParse(progressEdge, raw);
        const mine = checkEdge(raw);
        expect(mine.ok).toBe(ref.success);
        if (mine.ok && ref.success) expect(mine.edge).toEqual(ref.output);
      }),
      { numRuns: 3000 },
    );
  });
});
