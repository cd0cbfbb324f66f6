// A compaction that fails after a record is already durable and applied must not turn that change
// into an error: the append succeeded; compaction is logged (no key material) and retried later.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { toHex } from '@osprio/osdp';
import type { Device } from '../src/index.ts';
import {
  flush,
  header,
  manualExecutor,
  openDevice,
  readySlot,
  result,
  SEED,
  SESSION,
  slotOf,
  tmpDir,
} from './helpers.ts';

const OTHER_SEED = Uint8Array.from({ length: 16 }, (_, i) => 0x10 + i);

const opened: Device[] = [];
afterEach(async () => {
  for (const d of opened.splice(0)) await d.close();
});

/** A directory where compaction writes its `.tmp` file makes every compaction fail with EISDIR. */
function blockCompaction(dir: string): string {
  const tmp = path.join(dir, 'slot-0.journal.tmp');
  fs.mkdirSync(tmp);
  return tmp;
}

describe('journal compaction failure', () => {
  it('a try whose edge triggers a failing compaction is accepted, runs, and ends normally', async () => {
    const dir = tmpDir();
    const logs: string[] = [];
    const m = manualExecutor();
    // create, steps, seal = 3 records; the try's attempting edge is the 4th and triggers compaction
    const d = openDevice(dir, m.exec, { compactEvery: 4, log: (l) => logs.push(l) });
    opened.push(d);
    readySlot(d, 0, 2);
    const tmp = blockCompaction(dir);

    expect(d.verb({ slot: 0 }, 0, 'try')).toEqual({ ok: true });
    await flush();
    expect(m.calls).toHaveLength(1); // the attempt was queued and started
    expect(slotOf(d, 0).steps[0]).toMatchObject({ state: 'attempting', attempts: 1 });

    // The end edge (inside the scheduler's onEnd) retries compaction, which fails again: no throw.
    m.calls[0]!.finish(result('ok'));
    await flush();
    expect(slotOf(d, 0).steps[0]).toMatchObject({ state: 'success' });
    expect(logs.some((l) => /compaction failed/.test(l))).toBe(true);
    expect(logs.join('\n')).not.toContain(toHex(SEED));

    // Once the fault clears, the next append compacts (retry) and everything is on flash.
    fs.rmdirSync(tmp);
    expect(d.verb({ slot: 0 }, 1, 'skip')).toEqual({ ok: true });
    await d.close();
    opened.length = 0;
    const d2 = openDevice(dir, manualExecutor().exec);
    opened.push(d2);
    expect(slotOf(d2, 0).steps.map((s) => s.state)).toEqual(['success', 'skipped']);
  });

  it('a delete whose compaction fails still succeeds, and the seed leaves flash on the retry', async () => {
    const dir = tmpDir();
    const d = openDevice(dir, manualExecutor().exec, { compactEvery: 10_000, log: () => {} });
    opened.push(d);
    readySlot(d, 0, 1);
    const tmp = blockCompaction(dir);
    expect(d.deleteSlot(0)).toEqual({ ok: true });
    expect(
      fs.readFileSync(path.join(dir, 'slot-0.journal')).includes(Buffer.from(toHex(SEED))),
    ).toBe(true);
    fs.rmdirSync(tmp);
    // Any later append (here one that does not carry SEED) retries the compaction the delete owes.
    expect(d.createSlot(0, header(1), SESSION, OTHER_SEED)).toEqual({ ok: true });
    expect(
      fs.readFileSync(path.join(dir, 'slot-0.journal')).includes(Buffer.from(toHex(SEED))),
    ).toBe(false);
  });
});
