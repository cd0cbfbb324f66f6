import { describe, expect, it } from 'vitest';
import * as v from 'valibot';
import {
  MAX_DETAIL_LENGTH,
  MAX_FRAME_BYTES,
  MAX_STEPS_PER_UPLOAD,
  REQUEST_TYPES,
  decodeDeviceMessage,
  decodeRequest,
  encodeError,
  encodeEvent,
  encodeReply,
  encodeRequest,
  paramsSchemas,
  resultSchemas,
  utf8Length,
  type ParamsOf,
  type RequestType,
  type ResultOf,
  type SlotDetail,
} from '../src/index.ts';
import { LIVE_ID, PROFILE, SEED, SEED_HEX, SESSION_ID, edge, step, summary } from './fixtures.ts';

const PARAMS: { [T in RequestType]: ParamsOf<T> } = {
  hello: { protocolVersion: 1, host: 'osprio-workspace/0.1' },
  status: {},
  listSlots: {},
  createSlot: { slot: 2, header: PROFILE, sessionId: SESSION_ID, seed: SEED },
  uploadSteps: {
    slot: 2,
    steps: [0, 1, 2].map((i) => ({ index: i, address: i + 1, baud: 115200 })),
  },
  sealSlot: { slot: 2, stepCount: 3 },
  getSlot: { slot: 2 },
  deleteSlot: { slot: 2 },
  verb: { slot: 2, stepIndex: 1, verb: 'retry' },
  subscribe: { slot: 2, sinceSeq: 17 },
  unsubscribe: { slot: 2 },
  openLive: { sessionId: LIVE_ID, seed: SEED },
  quickStep: {
    address: 5,
    baud: 9600,
    options: { timeoutMs: 2000, autoVerify: false, expectedCapabilities: [] },
  },
  closeLive: {},
};

const DETAIL: SlotDetail = {
  ...summary(2, { state: 'ready', profileName: PROFILE.name, sessionId: SESSION_ID, lastSeq: 9 }),
  counters: { total: 3, provisioned: 1, failed: 1, skipped: 0, pending: 1 },
  header: PROFILE,
  seed: SEED,
  steps: [
    step(0, {
      state: 'success',
      attempts: 1,
      outcome: 'ok',
      stage: 'capabilities',
      stageStatus: 'done',
    }),
    step(1, {
      state: 'failure',
      attempts: 2,
      outcome: 'sc_cryptogram_mismatch',
      detail: 'address and baud applied',
      stage: 'key_verify',
      stageStatus: 'stalled',
    }),
    step(2),
  ],
};

const RESULTS: { [T in RequestType]: ResultOf<T> } = {
  hello: {
    protocolVersion: 1,
    model: 'osprio-pro',
    serialNumber: 'OP-0001',
    firmwareVersion: '1.2.3',
  },
  status: {
    liveQuickStep: true,
    slots: true,
    offlineAutonomous: true,
    slotCount: 4,
    maxStepsPerSlot: 126,
  },
  listSlots: {
    slots: [summary(0), summary(1, { state: 'staging', profileName: 'x', sessionId: SESSION_ID })],
  },
  createSlot: summary(2, { state: 'staging' }),
  uploadSteps: { uploaded: 3 },
  sealSlot: summary(2, { state: 'ready' }),
  getSlot: DETAIL,
  deleteSlot: summary(2),
  verb: { accepted: true },
  subscribe: { status: 'resync', oldestSeq: 40, lastSeq: 99 },
  unsubscribe: {},
  openLive: { queue: { live: LIVE_ID } },
  quickStep: { stepIndex: 7 },
  closeLive: {},
};

describe('codec round trip', () => {
  it.each(REQUEST_TYPES)('request %s survives encode → decode unchanged', (type) => {
    const text = encodeRequest(42, type, PARAMS[type]);
    const d = decodeRequest(text);
    expect(d).toEqual({ ok: true, request: { id: 42, type, params: PARAMS[type] } });
    // …and the same frame as UTF-8 bytes (binary transports).
    expect(decodeRequest(new TextEncoder().encode(text))).toEqual(d);
  });

  it.each(REQUEST_TYPES)('reply to %s survives encode → decode unchanged', (type) => {
    const text = encodeReply(type, 7, RESULTS[type]);
    const m = decodeDeviceMessage(text, (id) => (id === 7 ? type : undefined));
    expect(m).toEqual({ kind: 'reply', id: 7, type, result: RESULTS[type] });
  });

  it('a verb on the live queue round-trips; a verb naming both or neither queue is refused', () => {
    const live = { live: LIVE_ID, stepIndex: 300, verb: 'skip' as const };
    expect(decodeRequest(encodeRequest(1, 'verb', live))).toEqual({
      ok: true,
      request: { id: 1, type: 'verb', params: live },
    });
    for (const params of [
      { slot: 1, live: LIVE_ID, stepIndex: 0, verb: 'try' },
      { stepIndex: 0, verb: 'try' },
    ]) {
      expect(decodeRequest(JSON.stringify({ id: 2, type: 'verb', params }))).toMatchObject({
        ok: false,
        id: 2,
        error: { code: 'bad_request' },
      });
    }
  });

  it('the streaming subscribe answer round-trips too', () => {
    const r = { status: 'streaming' as const, lastSeq: 3 };
    expect(decodeDeviceMessage(encodeReply('subscribe', 1, r), () => 'subscribe')).toMatchObject({
      kind: 'reply',
      result: r,
    });
  });

  it('events and errors round-trip', () => {
    const e = edge(1, 5, {
      state: 'failure',
      outcome: 'no_response',
      detail: 'no reply at 0x05',
      stage: 'discover',
      stageStatus: 'stalled',
    });
    expect(decodeDeviceMessage(encodeEvent({ event: 'edge', edge: e }), () => undefined)).toEqual({
      kind: 'event',
      event: { event: 'edge', edge: e },
    });
    const live = { ...e, queue: { live: LIVE_ID } };
    expect(
      decodeDeviceMessage(encodeEvent({ event: 'edge', edge: live }), () => undefined),
    ).toMatchObject({ event: { edge: live } });
    const rs = { event: 'resync' as const, queue: { slot: 1 }, reason: 'edge store overflowed' };
    expect(decodeDeviceMessage(encodeEvent(rs), () => undefined)).toEqual({
      kind: 'event',
      event: rs,
    });
    expect(
      decodeDeviceMessage(
        encodeError(3, 'verb_illegal', 'try is not legal from success'),
        () => 'verb',
      ),
    ).toEqual({
      kind: 'error',
      id: 3,
      error: { code: 'verb_illegal', message: 'try is not legal from success' },
    });
  });

  it('seeds travel as lowercase hex and come back as the same 16 bytes', () => {
    const text = encodeRequest(1, 'createSlot', PARAMS.createSlot);
    expect(text).toContain(`"seed":"${SEED_HEX}"`);
    const d = decodeRequest(text);
    expect(d.ok && d.request.type === 'createSlot' && d.request.params.seed).toEqual(SEED);
    const r = decodeDeviceMessage(encodeReply('getSlot', 1, DETAIL), () => 'getSlot');
    expect(r.kind === 'reply' && (r.result as SlotDetail).seed).toEqual(SEED);
  });
});

describe('key custody on the wire', () => {
  function keysOf(
    schema: unknown,
    out = new Set<string>(),
    seen = new Set<unknown>(),
  ): Set<string> {
    if (typeof schema !== 'object' || schema === null || seen.has(schema)) return out;
    seen.add(schema);
    const s = schema as {
      entries?: Record<string, unknown>;
      options?: unknown[];
      item?: unknown;
      wrapped?: unknown;
      pipe?: unknown[];
    };
    for (const [k, sub] of Object.entries(s.entries ?? {})) {
      out.add(k);
      keysOf(sub, out, seen);
    }
    for (const sub of [...(s.options ?? []), s.item, s.wrapped, ...(s.pipe ?? []).slice(1)])
      keysOf(sub, out, seen);
    return out;
  }

  it('only createSlot, openLive and the getSlot reply have a seed field; nothing has an SCBK', () => {
    const withSeed: string[] = [];
    for (const t of REQUEST_TYPES) {
      const pk = keysOf(paramsSchemas[t]);
      const rk = keysOf(resultSchemas[t]);
      if (pk.has('seed')) withSeed.push(`${t} params`);
      if (rk.has('seed')) withSeed.push(`${t} result`);
      for (const k of [...pk, ...rk]) expect(k).not.toMatch(/scbk|key$/i);
    }
    expect(withSeed.sort()).toEqual(['createSlot params', 'getSlot result', 'openLive params']);
  });

  it('a device record with a seed is cut down to what the reply allows', () => {
    for (const type of ['listSlots', 'createSlot', 'sealSlot', 'deleteSlot'] as const) {
      const result = type === 'listSlots' ? { slots: [DETAIL] } : DETAIL;
      const text = encodeReply(type, 1, result as never);
      expect(text).not.toContain(SEED_HEX);
      expect(text).not.toContain('"steps"');
    }
  });

  it('an edge carrying stray fields loses them', () => {
    const text = encodeEvent({ event: 'edge', edge: { ...edge(0, 1), seed: SEED_HEX } as never });
    expect(text).not.toContain(SEED_HEX);
  });

  it('a malformed seed is never quoted back in the error', () => {
    for (const bad of [
      SEED_HEX.slice(1),
      SEED_HEX.toUpperCase(),
      SEED_HEX + 'zz',
      `${SEED_HEX}0`,
    ]) {
      const frame = JSON.stringify({
        id: 1,
        type: 'createSlot',
        params: { ...PARAMS.createSlot, seed: bad },
      });
      const d = decodeRequest(frame);
      expect(d.ok).toBe(false);
      if (!d.ok) {
        expect(d.error.code).toBe('bad_request');
        expect(d.error.message).toBe('params.seed: expected 32 lowercase hex digits');
      }
    }
  });

  it('a seed anywhere else is refused', () => {
    const frame = JSON.stringify({
      id: 1,
      type: 'quickStep',
      params: { ...PARAMS.quickStep, seed: SEED_HEX },
    });
    const d = decodeRequest(frame);
    expect(d).toMatchObject({
      ok: false,
      id: 1,
      error: { code: 'bad_request', message: 'params.seed: unknown key' },
    });
  });
});

describe('limits', () => {
  it('the largest legal getSlot reply fits in one frame', () => {
    const worst: SlotDetail = {
      ...DETAIL,
      index: 255,
      lastSeq: Number.MAX_SAFE_INTEGER,
      profileName: '€'.repeat(64),
      counters: {
        total: 0xffff_ffff,
        provisioned: 0xffff_ffff,
        failed: 0xffff_ffff,
        skipped: 0xffff_ffff,
        pending: 0xffff_ffff,
      },
      header: {
        ...PROFILE,
        name: '€'.repeat(64),
        manualAddresses: Array(126).fill(126),
        expectedCapabilities: Array(32).fill({
          functionCode: 255,
          minCompliance: 255,
          minCount: 255,
        }),
        timeoutMs: 3_600_000,
      },
      steps: Array.from({ length: 126 }, (_, i) =>
        step(i, {
          address: 126,
          baud: 10_000_000,
          state: 'attempting',
          attempts: 0xffff_ffff,
          outcome: `sc_${'x'.repeat(40)}`,
          // Characters JSON escapes to 6 bytes are excluded from details; '"' (2 bytes) and '€' (3) are the worst.
          detail: '€"'.repeat(MAX_DETAIL_LENGTH / 2),
          stage: 'install_session',
          stageStatus: 'in_flight',
        }),
      ),
    };
    const text = encodeReply('getSlot', 1, worst);
    expect(utf8Length(text)).toBeLessThanOrEqual(MAX_FRAME_BYTES);
    expect(decodeDeviceMessage(text, () => 'getSlot').kind).toBe('reply');
  });

  it('a frame one byte over the limit is refused with too_large before parsing', () => {
    const base = JSON.stringify({ id: 1, type: 'status', params: {} });
    const pad = ' '.repeat(MAX_FRAME_BYTES - base.length);
    expect(decodeRequest(base + pad).ok).toBe(true);
    expect(decodeRequest(base + pad + ' ')).toMatchObject({
      ok: false,
      id: null,
      error: { code: 'too_large' },
    });
    // Multi-byte characters count as bytes, not UTF-16 units.
    const euro = JSON.stringify({
      id: 1,
      type: 'hello',
      params: { protocolVersion: 1, host: 'x' },
    }).replace('"x"', `"${'€'.repeat(MAX_FRAME_BYTES / 3)}"`);
    expect(decodeRequest(euro)).toMatchObject({ ok: false, error: { code: 'too_large' } });
    expect(decodeRequest(new Uint8Array(MAX_FRAME_BYTES + 1).fill(0x20))).toMatchObject({
      ok: false,
      error: { code: 'too_large' },
    });
  });

  it('an upload chunk over MAX_STEPS_PER_UPLOAD is refused', () => {
    const steps = Array.from({ length: MAX_STEPS_PER_UPLOAD + 1 }, (_, i) => ({
      index: i,
      address: 1,
      baud: 9600,
    }));
    const d = decodeRequest(
      JSON.stringify({ id: 9, type: 'uploadSteps', params: { slot: 0, steps } }),
    );
    expect(d).toMatchObject({ ok: false, id: 9, error: { code: 'bad_request' } });
  });

  it('encoding a request the schema refuses throws bad_request on the host, before anything is sent', () => {
    expect(() =>
      encodeRequest(1, 'createSlot', { ...PARAMS.createSlot, seed: new Uint8Array(15) }),
    ).toThrow(/seed/);
    expect(() => encodeRequest(1, 'getSlot', { slot: -1 })).toThrow(
      expect.objectContaining({ code: 'bad_request' }),
    );
  });

  it('a device reply that breaks the schema is an internal error, not a frame', () => {
    expect(() => encodeReply('status', 1, { ...RESULTS.status, slotCount: -1 })).toThrow(
      expect.objectContaining({ code: 'internal' }),
    );
  });
});

describe('decode errors are stable codes with the id when it can be read', () => {
  const cases: [string, string | Uint8Array, number | null, string][] = [
    ['not JSON', '{"id":1,', null, 'bad_request'],
    ['binary junk', Uint8Array.of(0xff, 0xfe, 0x00, 0x80), null, 'bad_request'],
    ['JSON array', '[1,2,3]', null, 'bad_request'],
    ['missing type', '{"id":4}', 4, 'bad_request'],
    ['unknown type', '{"id":5,"type":"format","params":{}}', 5, 'unknown_type'],
    [
      'prototype key',
      '{"id":6,"type":"status","params":{"__proto__":{"polluted":1}}}',
      6,
      'bad_request',
    ],
    [
      'constructor key',
      '{"id":7,"type":"status","params":{"constructor":{"prototype":{"x":1}}}}',
      7,
      'bad_request',
    ],
    ['wrong param type', '{"id":8,"type":"getSlot","params":{"slot":"1"}}', 8, 'bad_request'],
    ['fractional slot', '{"id":8,"type":"getSlot","params":{"slot":1.5}}', 8, 'bad_request'],
    ['huge number', '{"id":8,"type":"getSlot","params":{"slot":1e400}}', 8, 'bad_request'],
    ['negative id', '{"id":-1,"type":"status","params":{}}', null, 'bad_request'],
    [
      'deep nesting',
      `{"id":9,"type":"status","params":${'['.repeat(20_000)}${']'.repeat(20_000)}}`,
      null,
      'bad_request',
    ],
    [
      'lone surrogate',
      '{"id":10,"type":"hello","params":{"protocolVersion":1,"host":"\\ud800"}}',
      10,
      'bad_request',
    ],
    [
      'nesting just past the limit',
      `{"id":9,"type":"status","params":{"a":${'['.repeat(16)}${']'.repeat(16)}}}`,
      null,
      'bad_request',
    ],
    ['extra envelope key', '{"id":11,"type":"status","params":{},"x":1}', 11, 'bad_request'],
    ['params [] on status', '{"id":12,"type":"status","params":[]}', 12, 'bad_request'],
    ['params [] on listSlots', '{"id":13,"type":"listSlots","params":[]}', 13, 'bad_request'],
    ['params [] on closeLive', '{"id":14,"type":"closeLive","params":[]}', 14, 'bad_request'],
    ['params [] on hello', '{"id":15,"type":"hello","params":[]}', 15, 'bad_request'],
  ];
  it.each(cases)('%s', (_name, frame, id, code) => {
    const d = decodeRequest(frame);
    expect(d).toMatchObject({ ok: false, id, error: { code } });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    if (!d.ok) expect(d.error.message.length).toBeGreaterThan(0);
  });

  it('params that are an array are refused as "must be an object"', () => {
    expect(decodeRequest('{"id":12,"type":"status","params":[]}')).toEqual({
      ok: false,
      id: 12,
      error: { code: 'bad_request', message: 'request.params: must be an object' },
    });
  });

  it('brackets inside strings do not count as nesting', () => {
    const host = '[[[[[[[[[[[[[[[[[[[[{{{{{{{{{{{{{{{{\\"';
    const d = decodeRequest(
      JSON.stringify({ id: 1, type: 'hello', params: { protocolVersion: 1, host } }),
    );
    expect(d).toMatchObject({ ok: true, request: { params: { host } } });
  });

  it('issue messages name a path and an expectation', () => {
    const d = decodeRequest(
      '{"id":1,"type":"verb","params":{"slot":1,"stepIndex":126,"verb":"try"}}',
    );
    expect(d).toMatchObject({
      ok: false,
      error: { message: 'params.stepIndex: expected <=125 in a slot' },
    });
    const e = decodeRequest(
      '{"id":1,"type":"verb","params":{"slot":1,"stepIndex":1,"verb":"explode"}}',
    );
    expect(!e.ok && e.error.message).toMatch(/^params\.verb: expected /);
  });
});

describe('host-side decoding of device frames', () => {
  it('a reply whose result breaks the schema is invalid, naming the request id', () => {
    const text = JSON.stringify({ id: 3, type: 'status', ok: true, result: { slots: 'many' } });
    expect(decodeDeviceMessage(text, () => 'status')).toMatchObject({ kind: 'invalid', id: 3 });
  });
  it('a reply of the wrong type for its id is invalid', () => {
    expect(decodeDeviceMessage(encodeReply('closeLive', 3, {}), () => 'status')).toMatchObject({
      kind: 'invalid',
      id: 3,
    });
  });
  it('oversized and junk frames are invalid, never thrown', () => {
    expect(decodeDeviceMessage('x'.repeat(MAX_FRAME_BYTES + 1), () => undefined)).toMatchObject({
      kind: 'invalid',
    });
    expect(decodeDeviceMessage(Uint8Array.of(0xc3, 0x28), () => undefined)).toMatchObject({
      kind: 'invalid',
    });
    expect(v.is(v.string(), decodeDeviceMessage('null', () => undefined).kind)).toBe(true);
  });
});
