// The profile layer runs in the browser too: validate → expand → file round trip → key export with
// the real derivation, in headless Chromium (and in Node). No Node APIs here.
import { describe, expect, it } from 'vitest';
import { fromHex } from '@osprio/osdp';
import { kdfVectors } from '../../../test-support/shared.ts';
import { validateProfile } from '../src/profile-schema.ts';
import { expandProfile } from '../src/expand.ts';
import { parseProfileFile, serializeProfileFile } from '../src/profile-file.ts';
import { buildKeyExport, toCsv, toJson } from '../src/export.ts';
import { deriveScbk } from '../src/kdf.ts';

describe('profile layer in this runtime', () => {
  it('validates, expands, round-trips and exports', () => {
    const v = validateProfile({
      name: ' Gate ',
      deviceCount: 3,
      addressStrategy: 'random',
      startAddress: 120,
      baud: 38400,
    });
    expect(v.ok).toBe(true);
    if (!v.ok) return;
    let i = 0;
    const steps = expandProfile(v.profile, () => [0.9, 0.1, 0.5][i++ % 3]!);
    expect(steps.map((s) => s.baud)).toEqual([38400, 38400, 38400]);
    expect(new Set(steps.map((s) => s.address)).size).toBe(3);
    expect(parseProfileFile(serializeProfileFile(v.profile))).toEqual({
      ok: true,
      profile: v.profile,
    });

    const c = kdfVectors.cases[0]!;
    const e = buildKeyExport(
      {
        sessionId: c.sessionId,
        seed: fromHex(c.seedHex),
        slotState: 'complete',
        steps: [{ index: c.stepIndex, address: c.pdAddress, baud: 38400, state: 'success' }],
      },
      deriveScbk,
    );
    expect(toCsv(e)).toBe(`pd_address,baudrate,scbk\n${c.pdAddress},38400,${c.scbkHex}\n`);
    expect(JSON.parse(toJson(e)).scbks).toEqual([
      { pdAddress: c.pdAddress, baudrate: 38400, scbkHex: c.scbkHex },
    ]);
  });
});
