// The post-completion key export: successful PDs only, CSV and JSON, never the seed.
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '@osprio/osdp';
import { kdfVectors } from '../../../test-support/shared.ts';
import {
  buildKeyExport,
  exportAvailable,
  KeyExportError,
  keyExportFileName,
  toCsv,
  toJson,
  type DeriveScbk,
  type KeyExportInput,
  type KeyExportSlotState,
} from '../src/export.ts';
import { deriveScbk } from '../src/kdf.ts';

const SESSION = '6F1C7A52-93B1-4C0E-9D43-2A9B7F3E5C10';
const SEED = fromHex('5eed5eed5eed5eed5eed5eed5eed5eed');

/** A fake derivation: 16 bytes spelling the step index and address, upper nibbles set so hex case shows. */
function fakeDerive(calls: unknown[][] = [], issued: Uint8Array[] = []): DeriveScbk {
  return (seed, sessionId, stepIndex, pdAddress) => {
    calls.push([toHex(seed), sessionId, stepIndex, pdAddress]);
    const k = new Uint8Array(16).fill(0xab);
    k[0] = stepIndex;
    k[1] = pdAddress;
    issued.push(k);
    return k;
  };
}

function input(over: Partial<KeyExportInput> = {}): KeyExportInput {
  return {
    sessionId: SESSION,
    seed: SEED,
    slotState: 'complete',
    steps: [
      { index: 2, address: 12, baud: 9600, state: 'success' },
      { index: 0, address: 10, baud: 115200, state: 'success' },
      { index: 1, address: 11, baud: 115200, state: 'skipped' },
      { index: 3, address: 13, baud: 115200, state: 'failure' },
      { index: 4, address: 14, baud: 115200, state: 'success' },
    ],
    ...over,
  };
}

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(KeyExportError);
    return (e as KeyExportError).code;
  }
  return undefined;
}

describe('availability', () => {
  it('only a complete slot offers the export', () => {
    expect(exportAvailable('complete')).toBe(true);
    for (const s of ['empty', 'staging', 'ready', 'COMPLETE', ''])
      expect(exportAvailable(s)).toBe(false);
  });

  it('buildKeyExport refuses any other slot state, before deriving anything', () => {
    for (const slotState of ['empty', 'staging', 'ready'] as KeyExportSlotState[]) {
      const calls: unknown[][] = [];
      expect(codeOf(() => buildKeyExport(input({ slotState }), fakeDerive(calls)))).toBe(
        'slot_not_complete',
      );
      expect(calls).toEqual([]);
    }
  });
});

describe('buildKeyExport', () => {
  it('one entry per successful step, in step order, with lowercase hex; failed and skipped are left out', () => {
    const calls: unknown[][] = [];
    const e = buildKeyExport(input(), fakeDerive(calls));
    expect(e).toEqual({
      sessionId: SESSION.toLowerCase(),
      scbks: [
        { pdAddress: 10, baudrate: 115200, scbkHex: `000a${'ab'.repeat(14)}` },
        { pdAddress: 12, baudrate: 9600, scbkHex: `020c${'ab'.repeat(14)}` },
        { pdAddress: 14, baudrate: 115200, scbkHex: `040e${'ab'.repeat(14)}` },
      ],
    });
    // derive gets the seed, the session id and each step's own index and address
    expect(calls).toEqual([
      [toHex(SEED), SESSION.toLowerCase(), 0, 10],
      [toHex(SEED), SESSION.toLowerCase(), 2, 12],
      [toHex(SEED), SESSION.toLowerCase(), 4, 14],
    ]);
  });

  it('wipes the derived key bytes once encoded', () => {
    const issued: Uint8Array[] = [];
    buildKeyExport(input(), fakeDerive([], issued));
    expect(issued).toHaveLength(3);
    for (const k of issued) expect(k.every((b) => b === 0)).toBe(true);
  });

  it('leaves the caller’s seed alone', () => {
    const seed = SEED.slice();
    buildKeyExport(input({ seed }), fakeDerive());
    expect(toHex(seed)).toBe(toHex(SEED));
  });

  it('an export with no successful step is just the header', () => {
    const e = buildKeyExport(
      input({ steps: [{ index: 0, address: 1, baud: 9600, state: 'skipped' }] }),
      fakeDerive(),
    );
    expect(e.scbks).toEqual([]);
    expect(toCsv(e)).toBe('pd_address,baudrate,scbk\n');
  });

  it('refuses inconsistent input with a typed error that carries no key material', () => {
    const d = fakeDerive();
    expect(codeOf(() => buildKeyExport(input({ sessionId: 'not-a-uuid' }), d))).toBe(
      'bad_session_id',
    );
    expect(codeOf(() => buildKeyExport(input({ seed: new Uint8Array(15) }), d))).toBe('bad_seed');
    const step = { index: 0, address: 1, baud: 9600, state: 'success' as const };
    expect(codeOf(() => buildKeyExport(input({ steps: [step, { ...step, address: 2 }] }), d))).toBe(
      'bad_step',
    );
    expect(codeOf(() => buildKeyExport(input({ steps: [step, { ...step, index: 1 }] }), d))).toBe(
      'bad_step',
    );
    expect(codeOf(() => buildKeyExport(input({ steps: [{ ...step, address: 127 }] }), d))).toBe(
      'bad_step',
    );
    expect(codeOf(() => buildKeyExport(input({ steps: [{ ...step, baud: 1200 }] }), d))).toBe(
      'bad_step',
    );
    expect(codeOf(() => buildKeyExport(input({ steps: [{ ...step, index: -1 }] }), d))).toBe(
      'bad_step',
    );
    // the same address twice is fine when only one of them was provisioned
    expect(() =>
      buildKeyExport(input({ steps: [step, { ...step, index: 1, state: 'skipped' }] }), d),
    ).not.toThrow();

    const short = new Uint8Array(15).fill(0xcd);
    let msg = '';
    try {
      buildKeyExport(input(), () => short);
    } catch (e) {
      expect((e as KeyExportError).code).toBe('bad_key');
      msg = `${(e as Error).message} ${String(e)}`;
    }
    expect(msg).toMatch(/not 16 bytes/);
    expect(msg).not.toContain('cdcd');
    expect(msg).not.toContain(toHex(SEED));
    expect(short.every((b) => b === 0)).toBe(true);
  });
});

describe('formats', () => {
  const e = buildKeyExport(input(), fakeDerive());

  it('CSV: header, one row per PD, \\n line ends', () => {
    expect(toCsv(e)).toBe(
      'pd_address,baudrate,scbk\n' +
        `10,115200,000a${'ab'.repeat(14)}\n` +
        `12,9600,020c${'ab'.repeat(14)}\n` +
        `14,115200,040e${'ab'.repeat(14)}\n`,
    );
    expect(toCsv(e)).not.toContain('\r');
  });

  it('JSON: kind, version, session_id and the scbks array', () => {
    const doc = JSON.parse(toJson(e));
    expect(Object.keys(doc)).toEqual(['kind', 'version', 'session_id', 'scbks']);
    expect(doc).toEqual({
      kind: 'osprio-provisioned-scbks',
      version: 1,
      session_id: SESSION.toLowerCase(),
      scbks: [
        { pdAddress: 10, baudrate: 115200, scbkHex: `000a${'ab'.repeat(14)}` },
        { pdAddress: 12, baudrate: 9600, scbkHex: `020c${'ab'.repeat(14)}` },
        { pdAddress: 14, baudrate: 115200, scbkHex: `040e${'ab'.repeat(14)}` },
      ],
    });
  });

  it('the seed appears in neither format', () => {
    for (const text of [toCsv(e), toJson(e)]) {
      expect(text).not.toContain(toHex(SEED));
      expect(text).not.toMatch(/seed/i);
    }
  });

  it('file names', () => {
    expect(keyExportFileName(e, 'csv')).toBe('osprio-scbks-6f1c7a52.csv');
    expect(keyExportFileName(e, 'json')).toBe('osprio-scbks-6f1c7a52.json');
  });
});

describe('with the real osprio-scbk-v1 derivation', () => {
  it('exports the kdf-vectors keys of each session', () => {
    const sessions = new Map<string, typeof kdfVectors.cases>();
    for (const c of kdfVectors.cases)
      sessions.set(`${c.seedHex}/${c.sessionId}`, [
        ...(sessions.get(`${c.seedHex}/${c.sessionId}`) ?? []),
        c,
      ]);
    expect(sessions.size).toBeGreaterThan(0);
    for (const cases of sessions.values()) {
      const first = cases[0]!;
      const e = buildKeyExport(
        {
          sessionId: first.sessionId,
          seed: fromHex(first.seedHex),
          slotState: 'complete',
          steps: cases.map((c) => ({
            index: c.stepIndex,
            address: c.pdAddress,
            baud: 115200,
            state: 'success' as const,
          })),
        },
        deriveScbk,
      );
      const want = [...cases]
        .sort((a, b) => a.stepIndex - b.stepIndex)
        .map((c) => ({ pdAddress: c.pdAddress, baudrate: 115200, scbkHex: c.scbkHex }));
      expect(e.scbks).toEqual(want);
      expect(toCsv(e)).not.toContain(first.seedHex);
    }
  });
});
