import { describe, expect, it, vi } from 'vitest';
import fc from 'fast-check';
import { buildKeyExport, deriveScbk, toCsv, toJson } from '@osprio/provisioner';
import type { KeyExportStep } from '@osprio/provisioner';
import { buildKeyFile } from '../src/index.ts';
import type * as Provisioner from '@osprio/provisioner';

// Every key deriveScbk hands out, to check each one is zeroed once the file is built.
const derived = vi.hoisted(() => [] as Uint8Array[]);
vi.mock('@osprio/provisioner', async (importOriginal) => {
  const m = await importOriginal<typeof Provisioner>();
  return {
    ...m,
    deriveScbk: (...a: Parameters<typeof m.deriveScbk>) => {
      const k = m.deriveScbk(...a);
      derived.push(k);
      return k;
    },
  };
});

const SEED = Uint8Array.from({ length: 16 }, (_, i) => 0xa0 + i);
const SID = '6F1C7A52-9D3E-4C1E-8B7A-2A6B8C4D1E0F';
const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

const slot = fc
  .uniqueArray(fc.integer({ min: 0, max: 126 }), { minLength: 1, maxLength: 30 })
  .chain((addrs) =>
    fc.tuple(
      fc.constant(addrs),
      fc.array(fc.constantFrom<KeyExportStep['state']>('success', 'skipped'), {
        minLength: addrs.length,
        maxLength: addrs.length,
      }),
      fc.array(fc.constantFrom(9600, 19200, 115200), {
        minLength: addrs.length,
        maxLength: addrs.length,
      }),
      fc.uint8Array({ minLength: 16, maxLength: 16 }),
      fc.uuid(),
    ),
  )
  .map(([addrs, states, bauds, seed, sessionId]) => ({
    seed,
    sessionId,
    steps: addrs.map((address, index) => ({
      index,
      address,
      baud: bauds[index]!,
      state: states[index]!,
    })),
  }));

describe('key file', () => {
  it('is byte for byte the provisioner’s CSV and JSON export', () => {
    fc.assert(
      fc.property(
        slot,
        fc.constantFrom('csv' as const, 'json' as const),
        ({ seed, sessionId, steps }, format) => {
          const input = { sessionId, seed, slotState: 'complete' as const, steps };
          const ref = buildKeyExport(input, deriveScbk);
          const want = format === 'csv' ? toCsv(ref) : toJson(ref);
          const f = buildKeyFile(input, format);
          expect(new TextDecoder().decode(f.bytes)).toBe(want);
          expect(f.entries).toBe(steps.filter((s) => s.state === 'success').length);
          expect(f.fileName).toBe(`osprio-scbks-${sessionId.slice(0, 8).toLowerCase()}.${format}`);
          expect(f.mediaType).toBe(format === 'csv' ? 'text/csv' : 'application/json');
        },
      ),
      { numRuns: 60 },
    );
  });

  it('lists one entry per successful step, never the seed, and zeroes every derived key', () => {
    const steps: KeyExportStep[] = [
      { index: 0, address: 1, baud: 9600, state: 'success' },
      { index: 1, address: 2, baud: 9600, state: 'skipped' },
      { index: 2, address: 3, baud: 19200, state: 'success' },
    ];
    derived.length = 0;
    const f = buildKeyFile({ sessionId: SID, seed: SEED, slotState: 'complete', steps }, 'csv');
    const text = new TextDecoder().decode(f.bytes);
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toBe('pd_address,baudrate,scbk');
    expect(lines.slice(1).map((l) => l.split(',').slice(0, 2).join(','))).toEqual([
      '1,9600',
      '3,19200',
    ]);
    expect(lines[1]!.split(',')[2]).toBe(hex(deriveScbk(SEED, SID.toLowerCase(), 0, 1)));
    expect(text).not.toContain(hex(SEED));
    expect(derived.length).toBeGreaterThanOrEqual(2);
    for (const k of derived.slice(0, 2)) expect(k).toEqual(new Uint8Array(16));
    const json = JSON.parse(
      new TextDecoder().decode(
        buildKeyFile({ sessionId: SID, seed: SEED, slotState: 'complete', steps }, 'json').bytes,
      ),
    );
    expect(json).toEqual({
      kind: 'osprio-provisioned-scbks',
      version: 1,
      session_id: SID.toLowerCase(),
      scbks: [
        { pdAddress: 1, baudrate: 9600, scbkHex: lines[1]!.split(',')[2] },
        { pdAddress: 3, baudrate: 19200, scbkHex: lines[2]!.split(',')[2] },
      ],
    });
    expect(SEED).toEqual(Uint8Array.from({ length: 16 }, (_, i) => 0xa0 + i)); // the caller's seed is the caller's
    f.wipe();
    expect(f.bytes.every((b) => b === 0)).toBe(true);
  });

  it('exists only for a complete slot', () => {
    const steps: KeyExportStep[] = [{ index: 0, address: 1, baud: 9600, state: 'failure' }];
    for (const slotState of ['empty', 'staging', 'ready'] as const) {
      expect(() => buildKeyFile({ sessionId: SID, seed: SEED, slotState, steps }, 'csv')).toThrow(
        expect.objectContaining({ code: 'slot_not_complete' }),
      );
    }
  });
});
