// The small rules a sampled mutation run found unguarded (`npm run mutate:sample -- provisioner`):
// outcome names, terminal states, what an import error may echo, the header check of uploaded
// steps, capability wording, export refusals and capped problem lists. Each assertion fails on a
// mutant that survived the rest of the suite.
import { describe, expect, it } from 'vitest';
import { OUTCOMES, STEP_STATES, isOutcome, isTerminal } from '../src/stages.ts';
import { parseProfileFile, profileFileName } from '../src/profile-file.ts';
import { aesCmac, deriveScbk } from '../src/kdf.ts';
import { startStep } from '../src/commissioning/machine.ts';
import { ExpandError, expandProfile, stepMismatch } from '../src/expand.ts';
import { firstUnmetCapability } from '../src/commissioning/text.ts';
import { buildKeyExport, KeyExportError } from '../src/export.ts';
import {
  capProblems,
  childPath,
  describe as describeValue,
  MAX_PROBLEMS,
} from '../src/problems.ts';
import { validateProfile } from '../src/profile-schema.ts';
import { baseProfile } from './profile-arbitrary.ts';

describe('outcome names', () => {
  it('are the named outcomes or sc_ and 1–40 of [a-z0-9_], nothing around them', () => {
    for (const o of OUTCOMES) expect(isOutcome(o), o).toBe(true);
    for (const s of ['sc_nak_05', 'sc_cryptogram_mismatch', `sc_${'a'.repeat(40)}`])
      expect(isOutcome(s), s).toBe(true);
    for (const s of [
      'sc_',
      'xsc_nak',
      'sc_nak!',
      'sc_Nak',
      ` sc_nak`,
      `sc_nak `,
      `sc_${'a'.repeat(41)}`,
      'okay',
      '',
    ])
      expect(isOutcome(s), JSON.stringify(s)).toBe(false);
  });
});

describe('terminal step states', () => {
  it('are success and skipped only', () => {
    expect(STEP_STATES.filter(isTerminal)).toEqual(['success', 'skipped']);
  });
});

describe('an import of a file that is not a profile', () => {
  const kindIs = (kind: unknown) => {
    const r = parseProfileFile(JSON.stringify({ kind, version: 1, profile: baseProfile() }));
    if (r.ok) throw new Error('accepted');
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]!.path).toBe('kind');
    return r.problems[0]!.message;
  };

  it('quotes a short foreign kind, describes anything else, and never echoes a hex run', () => {
    expect(kindIs('acme-config')).toBe(
      'this file is not an Osprio profile: its kind is "acme-config", expected "osprio-profile"; it may come from another program',
    );
    expect(kindIs('k'.repeat(40))).toContain(`its kind is "${'k'.repeat(40)}"`);
    expect(kindIs('k'.repeat(41))).toContain(`its kind is the text "${'k'.repeat(24)}…"`);
    expect(kindIs('8d2e60365f17c7df1040d750')).toContain('its kind is a long hex string,');
    expect(kindIs('ab:cd:ef')).toContain('its kind is "ab:cd:ef"'); // too short to be a key
    expect(kindIs(7)).toContain('its kind is 7,');
    expect(kindIs(['osprio-profile'])).toContain('its kind is a list,');
  });

  it('says a bare profile (no kind, profile fields at the top) is one, not a foreign file', () => {
    for (const key of ['deviceCount', 'addressStrategy']) {
      const r = parseProfileFile(JSON.stringify({ [key]: 3 }));
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.problems[0]!.message).not.toMatch(/another program/);
    }
    const r = parseProfileFile(JSON.stringify({ name: 'x' }));
    if (!r.ok) expect(r.problems[0]!.message).toMatch(/has no "kind".*another program/);
  });
});

describe("an uploaded step against the slot's header", () => {
  it('names the rule each strategy breaks, with the expected value', () => {
    const seq = baseProfile({ startAddress: 5 });
    expect(stepMismatch(seq, { index: 2, address: 7, baud: 115200 })).toBeNull();
    expect(stepMismatch(seq, { index: 2, address: 3, baud: 115200 })).toBe(
      'address 3 is not the header’s (sequential from 5: expected 7)',
    );
    expect(stepMismatch(seq, { index: 2, address: 7, baud: 9600 })).toBe(
      'baud 9600 is not the header’s 115200',
    );
    const manual = baseProfile({ addressStrategy: 'manual', manualAddresses: [9, 4, 30] });
    expect(stepMismatch(manual, { index: 1, address: 4, baud: 115200 })).toBeNull();
    expect(stepMismatch(manual, { index: 1, address: 9, baud: 115200 })).toBe(
      'address 9 is not the header’s (manual list: expected 4)',
    );
    const random = baseProfile({ addressStrategy: 'random', startAddress: 100 });
    for (const a of [100, 126])
      expect(stepMismatch(random, { index: 0, address: a, baud: 115200 })).toBeNull();
    expect(stepMismatch(random, { index: 0, address: 99, baud: 115200 })).toBe(
      'address 99 is not the header’s (random in 100..126)',
    );
  });
});

describe('a random plan', () => {
  it('refuses a random source that leaves [0, 1), naming what it returned', () => {
    const profile = baseProfile({ addressStrategy: 'random', startAddress: 0, deviceCount: 2 });
    for (const bad of [1, -0.1, Number.NaN, '0.5']) {
      const attempt = () => expandProfile(profile, () => bad as number);
      expect(attempt).toThrow(ExpandError);
      expect(attempt).toThrow(
        `the random source returned ${String(bad)}; it must return a number in [0, 1)`,
      );
    }
    expect(expandProfile(profile, () => 0).map((s) => s.address)).toEqual([0, 1]);
  });
});

describe('capability check wording', () => {
  const want = [{ functionCode: 1, minCompliance: 2, minCount: 3 }];
  it('passes when any one entry for the function meets both minimums', () => {
    const entries = [
      { functionCode: 1, compliance: 1, count: 9 },
      { functionCode: 1, compliance: 2, count: 3 },
    ];
    expect(firstUnmetCapability(want, entries)).toBeUndefined();
  });

  it('fails when none does, quoting the first entry and the profile', () => {
    const entries = [
      { functionCode: 1, compliance: 1, count: 9 },
      { functionCode: 1, compliance: 5, count: 2 },
    ];
    expect(firstUnmetCapability(want, entries)).toMatch(
      /with compliance 1, count 9; profile expects compliance ≥ 2, count ≥ 3$/,
    );
  });
});

describe('key export refusals', () => {
  const derive = () => new Uint8Array(16);
  const base = {
    sessionId: '6F1C7A52-93B1-4C0E-9D43-2A9B7F3E5C10',
    seed: new Uint8Array(16).fill(1),
    slotState: 'complete' as const,
    steps: [{ index: 0, address: 3, baud: 9600, state: 'success' as const }],
  };
  const refusal = (over: object) => {
    try {
      buildKeyExport({ ...base, ...over } as never, derive);
    } catch (e) {
      expect(e).toBeInstanceOf(KeyExportError);
      return (e as Error).message;
    }
    throw new Error('exported');
  };

  it('says when the slot is not complete, and which step has an impossible address', () => {
    expect(refusal({ slotState: 'ready' })).toBe(
      'the key export is available once the slot is complete; it is ready',
    );
    expect(refusal({ steps: [{ index: 4, address: 127, baud: 9600, state: 'success' }] })).toBe(
      'step 4: address 127 is not a PD address (0–126)',
    );
  });
});

describe('problem lists', () => {
  it('are capped at MAX_PROBLEMS, the last line counting the rest', () => {
    const many = Array.from({ length: MAX_PROBLEMS + 5 }, (_, i) => ({
      path: `p${i}`,
      message: 'm',
    }));
    const capped = capProblems(many);
    expect(capped).toHaveLength(MAX_PROBLEMS);
    expect(capped.at(-1)).toEqual({ path: '', message: `…and 6 more problems` });
    const exact = many.slice(0, MAX_PROBLEMS);
    expect(capProblems(exact)).toEqual(exact);
  });

  it('describe values without echoing a key-like run', () => {
    expect(describeValue(undefined)).toBe('nothing');
    expect(describeValue('8d2e 6036 5f17 c7df')).toBe('a long hex string');
    expect(describeValue('z'.repeat(30))).toBe(`the text "${'z'.repeat(24)}…"`);
  });
});

describe('profile validation edges', () => {
  const problemsOf = (input: unknown) => {
    const r = validateProfile(input);
    return r.ok ? [] : r.problems;
  };

  it('reports every bad element of a manual list at its index, holes included', () => {
    const p = {
      ...baseProfile({ addressStrategy: 'manual', deviceCount: 3 }),
      manualAddresses: [1, 'x', 200],
    };
    const paths = problemsOf(p).map((x) => x.path);
    expect(paths).toContain('manualAddresses[1]');
    expect(paths).toContain('manualAddresses[2]');
    const sparse = {
      ...baseProfile({ addressStrategy: 'manual', deviceCount: 2 }),
      // A hole, as JSON.parse never makes but a caller's array can hold.
      manualAddresses: Object.assign(new Array<number>(3), { 0: 1, 2: 3 }),
    };
    expect(problemsOf(sparse).map((x) => x.path)).toContain('manualAddresses[1]');
  });

  it('reports a field once, by the first rule it breaks, however many it breaks', () => {
    const bad = problemsOf({ ...baseProfile(), deviceCount: 200.5 });
    expect(bad.filter((x) => x.path === 'deviceCount')).toHaveLength(1);
  });

  it('checks that the plan fits above its start address, and says what would', () => {
    expect(problemsOf(baseProfile({ startAddress: 120, deviceCount: 7 }))).toEqual([]);
    expect(problemsOf(baseProfile({ startAddress: 121, deviceCount: 7 }))).toEqual([
      {
        path: 'startAddress',
        message:
          '121 leaves room for 6 PDs, the profile asks for 7 (addresses run 121–126); use a start address of 120 or lower, or ask for at most 6',
      },
    ]);
    const random = baseProfile({ addressStrategy: 'random', startAddress: 126, deviceCount: 2 });
    expect(problemsOf(random)[0]!.message).toMatch(/^126 leaves room for 1 PD to pick from, /);
  });
});

describe('paths, names and small refusals', () => {
  it('writes problem paths the way a reader of the JSON finds the field', () => {
    expect(childPath('', 'name')).toBe('name');
    expect(childPath('profile', 'baud')).toBe('profile.baud');
    expect(childPath('manualAddresses', 3)).toBe('manualAddresses[3]');
    expect(childPath('profile', 'odd key')).toBe('profile["odd key"]');
    expect(describeValue(null)).toBe('null');
  });

  it('names an exported profile file after the profile, with a fallback', () => {
    expect(profileFileName({ name: '  --Lobby Readers!--  ' })).toBe(
      'lobby-readers.osprio-profile.json',
    );
    expect(profileFileName({ name: '!!!' })).toBe('profile.osprio-profile.json');
  });

  it('refuses what is not text, and a CMAC key of the wrong length, saying so', () => {
    const r = parseProfileFile(42 as never);
    expect(r).toEqual({
      ok: false,
      problems: [{ path: '', message: 'expected the text of a profile file' }],
    });
    expect(() => aesCmac(new Uint8Array(15), new Uint8Array(0))).toThrow(
      'CMAC key must be 16 bytes, got 15',
    );
  });

  it('a step with an impossible target never starts: internal_error, in words', () => {
    const opts = { timeoutMs: 0, autoVerify: true, expectedCapabilities: [] };
    const done = (cfg: object) => startStep({ options: opts, ...cfg } as never, 0).ops.at(-1);
    expect(done({ address: 127, baud: 9600 })).toMatchObject({
      op: 'done',
      result: { outcome: 'internal_error', detail: 'invalid target address 127 (must be 0–126)' },
    });
    expect(done({ address: 1, baud: 0 })).toMatchObject({
      op: 'done',
      result: { outcome: 'internal_error', detail: 'invalid target baud 0' },
    });
  });

  it('a capability the PD does not report at all is named as missing', () => {
    expect(
      firstUnmetCapability(
        [{ functionCode: 1, minCompliance: 1, minCount: 1 }],
        [{ functionCode: 2, compliance: 9, count: 9 }],
      ),
    ).toMatch(/^PD does not report function 1 /);
  });
});

describe('profile messages', () => {
  const problemsOf = (input: unknown) => {
    const r = validateProfile(input);
    return r.ok ? [] : r.problems;
  };

  it('say what a field is and what would fix it', () => {
    expect(problemsOf({ ...baseProfile(), baud: 1234 })[0]!.message).toBe(
      '1234 is not a supported baud rate; use one of 9600, 19200, 38400, 57600, 115200, 230400',
    );
    const caps = problemsOf({ ...baseProfile(), expectedCapabilities: [{ minCompliance: 300 }] });
    expect(caps.map((x) => x.path)).toEqual([
      'expectedCapabilities[0].functionCode',
      'expectedCapabilities[0].minCompliance',
    ]);
    expect(caps[0]!.message).toMatch(/^missing; the PDCAP function code to check \(\d+–\d+\)$/);
    expect(caps[1]!.message).toMatch(/the minimum compliance level/);
    const manual = problemsOf(
      baseProfile({ addressStrategy: 'manual', deviceCount: 3, manualAddresses: [1, 2] }),
    );
    expect(manual.map((x) => x.path)).toEqual(['manualAddresses']);
    expect(
      problemsOf(
        baseProfile({ addressStrategy: 'manual', deviceCount: 2, manualAddresses: [1, 2] }),
      ),
    ).toEqual([]);
  });

  it('come in field order, and in the order found within a field', () => {
    const bad = problemsOf({ autoVerify: 'x', name: 5, deviceCount: 0, baud: 1 });
    const paths = bad.map((x) => x.path);
    expect(paths.indexOf('name')).toBeLessThan(paths.indexOf('deviceCount'));
    expect(paths.indexOf('deviceCount')).toBeLessThan(paths.indexOf('baud'));
    expect(paths.indexOf('baud')).toBeLessThan(paths.indexOf('autoVerify'));
  });
});

describe('import refusals, exactly', () => {
  const only = (text: string) => {
    const r = parseProfileFile(text);
    if (r.ok) throw new Error('accepted');
    return r.problems.map((p) => p.message);
  };

  it('say where JSON breaks without quoting the text around it', () => {
    const [m] = only('{"kind": "osprio-profile", "version": 1, "profile": {"name": 8d2e60365f17}}');
    expect(m).toMatch(
      /^this file is not JSON \(it breaks at (position \d+|line \d+ column \d+)\); pick a profile \.json file exported from Osprio Provisioner$/,
    );
    expect(m).not.toContain('8d2e');
    expect(m).toMatch(/position 6\d\b|column 6\d\b/); // the break's whole number, not its first digit
  });

  it('take a file of exactly the size limit to the JSON check, and refuse one character more', () => {
    const pad = (n: number) => ' '.repeat(n);
    expect(only(pad(1_000_000))[0]).toMatch(/the file is empty/);
    expect(only(pad(1_000_001))[0]).toMatch(/^this file is 1000001 characters long/);
  });

  it('name a key export and a bad version', () => {
    expect(only(JSON.stringify({ kind: 'osprio-provisioned-scbks' }))).toEqual([
      'this is a key export, not a profile ("osprio-provisioned-scbks"); pick a profile .json file',
    ]);
    const bad = only(
      JSON.stringify({ kind: 'osprio-profile', version: 0, profile: baseProfile() }),
    );
    expect(bad).toContain('0 is not a profile file version; this tool reads version 1');
  });

  it('a seed of the wrong size is refused with its size, never its bytes', () => {
    expect(() => deriveScbk(new Uint8Array(15), 'x', 0, 1)).toThrow(
      'seed must be 16 bytes, got 15',
    );
    expect(() => deriveScbk('ab' as never, 'x', 0, 1)).toThrow('seed must be 16 bytes, got string');
  });
});
