// Torn and corrupt journal tails: a kill mid-write, or garbage after the last good record, must
// never read as a (half-)valid slot write, and must never cost an acknowledged record.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Device } from '../src/index.ts';
import { decodeRecords, encodeRecord } from '../src/record.ts';
import { header, manualExecutor, openDevice, SEED, SESSION, slotOf, tmpDir } from './helpers.ts';

const FILE = 'slot-0.journal';

function snapshot(d: Device) {
  return { slot: slotOf(d, 0), edges: d.since({ slot: 0 }, 0) };
}

/** Opens a device on a fresh dir whose slot-0 journal holds `bytes`; returns what it reads. */
async function openOn(bytes: Uint8Array) {
  const dir = tmpDir();
  fs.writeFileSync(path.join(dir, FILE), bytes);
  // durable: false only skips fsync (what is tested here is what a given byte prefix reads as)
  const d = openDevice(dir, manualExecutor().exec, { compactEvery: 10_000, durable: false });
  const seen = snapshot(d);
  const report = d.loadReports[0]!;
  const length = fs.statSync(path.join(dir, FILE)).size;
  return { dir, d, seen, report, length };
}

type Op = (d: Device) => void;
const OPS: [string, Op][] = [
  ['createSlot (carries the seed)', (d) => void d.createSlot(0, header(3), SESSION, SEED)],
  [
    'uploadSteps (a chunk is all or nothing)',
    (d) =>
      void d.uploadSteps(
        0,
        [0, 1, 2].map((i) => ({ index: i, address: 1 + i, baud: 115200 })),
      ),
  ],
  ['sealSlot', (d) => void d.sealSlot(0, 3)],
  ['skip (an edge)', (d) => void d.verb({ slot: 0 }, 1, 'skip')],
  ['try (a queued edge, recovered as interrupted)', (d) => void d.verb({ slot: 0 }, 0, 'try')],
];

describe('journal tail truncated at every byte offset of the last record', () => {
  OPS.forEach(([name, op], k) => {
    it(`last record: ${name}`, async () => {
      const dir = tmpDir();
      const d = openDevice(dir, manualExecutor().exec, { compactEvery: 10_000 });
      for (const [, earlier] of OPS.slice(0, k)) earlier(d);
      const before = fs.readFileSync(path.join(dir, FILE));
      op(d);
      const after = fs.readFileSync(path.join(dir, FILE));
      await d.close();
      expect(after.length).toBeGreaterThan(before.length);

      const S0 = await openOn(before);
      const S1 = await openOn(after); // the acknowledged record is never lost
      expect(S1.seen).not.toEqual(S0.seen);
      expect(S1.report.truncatedBytes).toBe(0);
      await S0.d.close();
      await S1.d.close();

      for (let cut = before.length + 1; cut < after.length; cut++) {
        const r = await openOn(after.subarray(0, cut));
        expect(r.seen, `cut at ${cut}`).toEqual(S0.seen); // never half a write
        expect(r.report.truncatedBytes).toBe(cut - before.length);
        expect(r.length).toBe(before.length); // the tail is cut off before anything new is appended
        if (cut === before.length + 1 || cut === after.length - 1) {
          // a write after the truncation survives the next open
          r.d.deleteSlot(0);
          await r.d.close();
          const again = openDevice(r.dir, manualExecutor().exec);
          expect(slotOf(again, 0).state).toBe('empty');
          await again.close();
        } else {
          await r.d.close();
        }
      }
    });
  });

  it('a flipped byte anywhere in the last record drops just that record', async () => {
    const dir = tmpDir();
    const d = openDevice(dir, manualExecutor().exec, { compactEvery: 10_000 });
    const before = fs.readFileSync(path.join(dir, FILE));
    d.createSlot(0, header(3), SESSION, SEED);
    const after = fs.readFileSync(path.join(dir, FILE));
    await d.close();
    const S0 = await openOn(before);
    await S0.d.close();
    for (let i = before.length; i < after.length; i++) {
      const bad = Uint8Array.from(after);
      bad[i] = bad[i]! ^ 0x20;
      const r = await openOn(bad);
      expect(r.seen, `flip at ${i}`).toEqual(S0.seen);
      await r.d.close();
    }
  });

  it('a zero-filled tail (file extended by a crash, data never written) is cut off', async () => {
    const dir = tmpDir();
    const d = openDevice(dir, manualExecutor().exec);
    d.createSlot(0, header(3), SESSION, SEED);
    await d.close();
    const good = fs.readFileSync(path.join(dir, FILE));
    const r = await openOn(new Uint8Array([...good, ...new Uint8Array(4096)]));
    expect(r.seen.slot.state).toBe('staging');
    expect(r.length).toBe(good.length);
    await r.d.close();
  });
});

describe('record framing', () => {
  it('any prefix of a journal decodes to exactly the whole records it contains', () => {
    fc.assert(
      fc.property(
        fc.array(fc.jsonValue(), { minLength: 1, maxLength: 6 }),
        fc.nat(),
        (values, n) => {
          const encoded = values.map((v) => encodeRecord(v ?? null));
          const all = new Uint8Array(encoded.reduce((a, e) => a + e.length, 0));
          const ends: number[] = [];
          let off = 0;
          for (const e of encoded) {
            all.set(e, off);
            off += e.length;
            ends.push(off);
          }
          const cut = n % (all.length + 1);
          const whole = ends.filter((e) => e <= cut).length;
          const got = decodeRecords(all.subarray(0, cut));
          expect(got.records).toEqual(
            values.slice(0, whole).map((v) => JSON.parse(JSON.stringify(v ?? null))),
          );
          expect(got.validLength).toBe(whole === 0 ? 0 : ends[whole - 1]);
        },
      ),
    );
  });

  it('never throws on garbage', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const r = decodeRecords(bytes);
        expect(r.validLength).toBeLessThanOrEqual(bytes.length);
      }),
    );
  });
});
