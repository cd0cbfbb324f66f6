// Hostile input: whatever arrives, the codec never throws, answers with a stable code, and the
// device behind the server is never called with anything the schema did not admit.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  ERROR_CODES,
  REQUEST_TYPES,
  createLinkServer,
  createMemoryPair,
  decodeDeviceMessage,
  decodeRequest,
  encodeRequest,
  type RequestType,
} from '../src/index.ts';
import { FakeDevice, PROFILE, SEED, SESSION_ID, tick } from './fixtures.ts';

const VALID: Record<string, unknown>[] = [
  { id: 1, type: 'hello', params: { protocolVersion: 1 } },
  {
    id: 2,
    type: 'createSlot',
    params: { slot: 0, header: PROFILE, sessionId: SESSION_ID, seed: '00'.repeat(16) },
  },
  {
    id: 3,
    type: 'uploadSteps',
    params: { slot: 0, steps: [{ index: 0, address: 1, baud: 9600 }] },
  },
  { id: 4, type: 'verb', params: { slot: 0, stepIndex: 0, verb: 'try' } },
  { id: 5, type: 'subscribe', params: { slot: 0, sinceSeq: 0 } },
];

/** A valid request with one value somewhere replaced by arbitrary JSON. */
function mutate(base: unknown, path: number[], replacement: unknown): unknown {
  if (typeof base !== 'object' || base === null || path.length === 0) return replacement;
  const keys = Object.keys(base);
  if (keys.length === 0) return replacement;
  const k = keys[path[0]! % keys.length]!;
  const copy: Record<string, unknown> = Array.isArray(base)
    ? ([...base] as never)
    : { ...(base as Record<string, unknown>) };
  copy[k] = mutate((base as Record<string, unknown>)[k], path.slice(1), replacement);
  return copy;
}

const hostileKey = fc.constantFrom(
  '__proto__',
  'constructor',
  'prototype',
  'seed',
  'scbk',
  '',
  'toString',
);
const jsonish = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constant(null),
    fc.boolean(),
    fc.double(),
    fc.integer(),
    fc.string({ unit: 'binary' }),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(fc.string(), hostileKey), tie('value'), { maxKeys: 4 }),
  ),
})).value;

function checkRejected(frame: string | Uint8Array) {
  const d = decodeRequest(frame);
  if (d.ok) {
    expect(REQUEST_TYPES).toContain(d.request.type);
    return d;
  }
  expect(ERROR_CODES).toContain(d.error.code);
  expect(d.error.message.length).toBeGreaterThan(0);
  expect(d.error.message.length).toBeLessThanOrEqual(200);
  return d;
}

describe('decodeRequest under fuzz', () => {
  it('arbitrary text never throws', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 400 }), (s) => void checkRejected(s)),
      { numRuns: 2000 },
    );
  });

  it('arbitrary bytes never throw', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (b) => void checkRejected(b)),
      { numRuns: 2000 },
    );
  });

  it('arbitrary JSON values never throw and never pollute prototypes', () => {
    fc.assert(
      fc.property(jsonish, (value) => {
        checkRejected(JSON.stringify(value) ?? 'null');
        expect(Object.prototype).not.toHaveProperty('polluted');
      }),
      { numRuns: 2000 },
    );
  });

  it('valid requests with one value swapped for junk are either still valid or refused with the id', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...VALID),
        fc.array(fc.nat(), { maxLength: 5 }),
        jsonish,
        (base, path, junk) => {
          const d = checkRejected(JSON.stringify(mutate(base, path, junk)));
          if (
            !d.ok &&
            path.length > 0 &&
            Object.keys(base)[path[0]! % 3] !== 'id' &&
            d.error.code !== 'too_large'
          ) {
            expect(d.id).toBe(base.id);
          }
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('truncations of a valid frame never throw', () => {
    const text = encodeRequest(9, 'createSlot', {
      slot: 1,
      header: PROFILE,
      sessionId: SESSION_ID,
      seed: SEED,
    });
    for (let i = 0; i < text.length; i++) expect(checkRejected(text.slice(0, i)).ok).toBe(false);
  });

  it('huge arrays are refused by size or schema, not processed', () => {
    const steps = Array.from({ length: 5000 }, (_, i) => ({ index: i, address: 1, baud: 9600 }));
    const d = decodeRequest(
      JSON.stringify({ id: 1, type: 'uploadSteps', params: { slot: 0, steps } }),
    );
    expect(d).toMatchObject({ ok: false, error: { code: 'too_large' } });
    const nums = decodeRequest(
      JSON.stringify({
        id: 1,
        type: 'hello',
        params: { protocolVersion: 1, host: Array(20000).fill(0) },
      }),
    );
    expect(nums).toMatchObject({ ok: false, id: 1, error: { code: 'bad_request' } });
  });
});

describe('decodeDeviceMessage under fuzz', () => {
  it('never throws on anything', () => {
    const types: RequestType[] = [...REQUEST_TYPES];
    fc.assert(
      fc.property(jsonish, fc.constantFrom(...types), (value, t) => {
        const m = decodeDeviceMessage(JSON.stringify(value) ?? 'null', () => t);
        expect(['reply', 'error', 'event', 'invalid']).toContain(m.kind);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('the server under fuzz', () => {
  it('answers every hostile frame with an error reply and leaves the device untouched', async () => {
    const device = new FakeDevice();
    const [hostEnd, deviceEnd] = createMemoryPair();
    createLinkServer(device, deviceEnd);
    const replies: { id: unknown; ok: boolean; error?: { code: string } }[] = [];
    hostEnd.onMessage((d) => replies.push(JSON.parse(String(d))));
    hostEnd.send(JSON.stringify({ id: 0, type: 'hello', params: { protocolVersion: 1 } }));
    await tick();
    const before = JSON.stringify(device.slots);
    const frames = fc.sample(
      fc.oneof(
        fc.string({ unit: 'binary', maxLength: 200 }),
        jsonish.map((v) => JSON.stringify(v) ?? 'null'),
        fc
          .tuple(
            fc.constantFrom(...VALID),
            fc.array(fc.nat(), { minLength: 2, maxLength: 5 }),
            jsonish,
          )
          .map(([b, p, j]) => JSON.stringify(mutate(b, p, j))),
      ),
      { numRuns: 500, seed: 42 },
    );
    const hostile = frames.filter((f) => !decodeRequest(f).ok);
    for (const f of hostile) hostEnd.send(f);
    await tick(20);
    const answers = replies.slice(1);
    expect(answers).toHaveLength(hostile.length);
    for (const r of answers) {
      expect(r.ok).toBe(false);
      expect(ERROR_CODES).toContain(r.error!.code);
    }
    expect(JSON.stringify(device.slots)).toBe(before);
    expect(device.calls).toEqual([]);
  });
});
