// Profile validation: every problem at once, each with a path and an actionable message.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  formatProblems,
  InvalidProfileError,
  validateProfile,
  validateStepOptions,
  assertValidProfile,
  type ProfileProblem,
} from '../src/profile-schema.ts';
import { MAX_PROBLEMS } from '../src/problems.ts';
import { baseProfile, validProfileArb } from './profile-arbitrary.ts';

function problemsOf(input: unknown): ProfileProblem[] {
  const r = validateProfile(input);
  if (r.ok) throw new Error('expected problems, got a valid profile');
  return r.problems;
}

function messageAt(input: unknown, path: string): string {
  const all = problemsOf(input);
  const p = all.find((x) => x.path === path);
  if (!p) throw new Error(`no problem at ${path}; got ${formatProblems(all)}`);
  return p.message;
}

describe('validateProfile: valid profiles', () => {
  it('accepts a complete profile and returns it', () => {
    const r = validateProfile(baseProfile());
    expect(r).toEqual({ ok: true, profile: baseProfile() });
  });

  it('trims the name', () => {
    const r = validateProfile(baseProfile({ name: '  Lobby  ' }));
    expect(r.ok && r.profile.name).toBe('Lobby');
  });

  it('defaults the optional fields', () => {
    const r = validateProfile({
      name: 'x',
      deviceCount: 2,
      addressStrategy: 'sequential',
      startAddress: 10,
      baud: 9600,
    });
    expect(r).toEqual({
      ok: true,
      profile: {
        name: 'x',
        deviceCount: 2,
        addressStrategy: 'sequential',
        startAddress: 10,
        manualAddresses: [],
        baud: 9600,
        expectedCapabilities: [],
        timeoutMs: 0,
        autoVerify: false,
      },
    });
  });

  it('does not need a start address for the manual strategy', () => {
    const r = validateProfile({
      name: 'x',
      deviceCount: 2,
      addressStrategy: 'manual',
      manualAddresses: [40, 3],
      baud: 9600,
    });
    expect(r.ok).toBe(true);
  });

  it('accepts the edges: address 0 and 126, 126 PDs from 0, start 117 for 10 PDs, timeout 600000, capability bytes 0/255', () => {
    expect(
      validateProfile(
        baseProfile({ addressStrategy: 'manual', deviceCount: 2, manualAddresses: [0, 126] }),
      ).ok,
    ).toBe(true);
    expect(validateProfile(baseProfile({ deviceCount: 126, startAddress: 0 })).ok).toBe(true);
    expect(validateProfile(baseProfile({ deviceCount: 126, startAddress: 1 })).ok).toBe(true);
    expect(validateProfile(baseProfile({ deviceCount: 10, startAddress: 117 })).ok).toBe(true);
    expect(
      validateProfile(baseProfile({ deviceCount: 1, startAddress: 126, addressStrategy: 'random' }))
        .ok,
    ).toBe(true);
    expect(validateProfile(baseProfile({ timeoutMs: 600_000 })).ok).toBe(true);
    const caps = [
      { functionCode: 1, minCompliance: 0, minCount: 255 },
      { functionCode: 16, minCompliance: 255, minCount: 0 },
    ];
    expect(validateProfile(baseProfile({ expectedCapabilities: caps })).ok).toBe(true);
  });

  it('accepts every supported baud and no other', () => {
    for (const baud of [9600, 19200, 38400, 57600, 115200, 230400])
      expect(validateProfile(baseProfile({ baud })).ok).toBe(true);
    for (const baud of [0, 4800, 14400, 115201, 460800])
      expect(validateProfile(baseProfile({ baud })).ok).toBe(false);
  });

  it('any generated valid profile validates to itself (idempotent)', () => {
    fc.assert(
      fc.property(validProfileArb, (p) => {
        const r = validateProfile(p);
        expect(r).toEqual({ ok: true, profile: p });
      }),
    );
  });
});

describe('validateProfile: field problems', () => {
  it('rejects input that is not an object', () => {
    for (const x of [null, undefined, 3, 'profile', [], true]) {
      const ps = problemsOf(x);
      expect(ps).toHaveLength(1);
      expect(ps[0]!.path).toBe('');
      expect(ps[0]!.message).toMatch(/^expected a profile object, got /);
    }
  });

  it('names each missing required field', () => {
    const ps = problemsOf({});
    expect(ps.map((p) => p.path).sort()).toEqual([
      'addressStrategy',
      'baud',
      'deviceCount',
      'name',
    ]);
    expect(ps.every((p) => p.message.startsWith('missing;'))).toBe(true);
  });

  it('manual addresses above 126, at 127 (broadcast), negative or fractional', () => {
    const p = baseProfile({
      addressStrategy: 'manual',
      deviceCount: 6,
      manualAddresses: [1, 2, 3, 130, 127, -1],
    });
    expect(messageAt(p, 'manualAddresses[3]')).toBe(
      '130 is above 126, the highest PD address; use 0–126',
    );
    expect(messageAt(p, 'manualAddresses[4]')).toMatch(/^127 \(0x7F\) is the broadcast address/);
    expect(messageAt(p, 'manualAddresses[5]')).toMatch(/^-1 is below 0/);
    expect(
      messageAt({ ...p, manualAddresses: [1, 2, 3, 4.5, 5, 6] }, 'manualAddresses[3]'),
    ).toMatch(/^4\.5 is not a whole number/);
  });

  it('a hole in a sparse list is a problem at its index', () => {
    // eslint-disable-next-line no-sparse-arrays
    const p = baseProfile({ addressStrategy: 'manual', manualAddresses: [1, , 3] as number[] });
    expect(messageAt(p, 'manualAddresses[1]')).toBe('expected a PD address (0–126), got nothing');
  });

  it('one problem per bad value (the first rule it breaks)', () => {
    const ps = problemsOf(
      baseProfile({ addressStrategy: 'manual', deviceCount: 1, manualAddresses: [300.5] }),
    );
    expect(ps.filter((p) => p.path === 'manualAddresses[0]')).toHaveLength(1);
  });

  it('device count', () => {
    expect(messageAt(baseProfile({ deviceCount: 0 }), 'deviceCount')).toBe(
      '0 PDs: a profile provisions at least 1 PD',
    );
    expect(messageAt(baseProfile({ deviceCount: 127 }), 'deviceCount')).toMatch(
      /^127 is more than 126, the most PDs one slot holds/,
    );
    expect(messageAt({ ...baseProfile(), deviceCount: '10' }, 'deviceCount')).toBe(
      'expected a number of PDs (1–126), got the text "10"; write numbers without quotes',
    );
  });

  it('address strategy and baud', () => {
    expect(messageAt({ ...baseProfile(), addressStrategy: 'Sequential' }, 'addressStrategy')).toBe(
      'the text "Sequential" is not an address strategy; use "sequential", "random" or "manual"',
    );
    expect(messageAt(baseProfile({ baud: 14400 }), 'baud')).toBe(
      '14400 is not a supported baud rate; use one of 9600, 19200, 38400, 57600, 115200, 230400',
    );
  });

  it('name: empty, blank, too long, control characters, not text', () => {
    expect(messageAt(baseProfile({ name: '' }), 'name')).toBe(
      'the name is empty; give the profile a name',
    );
    expect(messageAt(baseProfile({ name: '   ' }), 'name')).toBe(
      'the name is empty; give the profile a name',
    );
    expect(messageAt(baseProfile({ name: 'x'.repeat(65) }), 'name')).toBe(
      '65 characters is too long; use at most 64',
    );
    expect(validateProfile(baseProfile({ name: ` ${'x'.repeat(64)} ` })).ok).toBe(true);
    expect(messageAt(baseProfile({ name: 'a\nb' }), 'name')).toMatch(/control character/);
    expect(messageAt(baseProfile({ name: 'a\u2028b' }), 'name')).toMatch(/control character/);
    expect(messageAt({ ...baseProfile(), name: 5 }, 'name')).toBe('expected text, got 5');
  });

  it('timeout', () => {
    expect(messageAt(baseProfile({ timeoutMs: -1 }), 'timeoutMs')).toMatch(
      /^-1 is negative; use 0 for the firmware default/,
    );
    expect(messageAt(baseProfile({ timeoutMs: 1.5 }), 'timeoutMs')).toMatch(
      /^1\.5 is not a whole number/,
    );
    expect(messageAt(baseProfile({ timeoutMs: 600_001 }), 'timeoutMs')).toMatch(
      /^600001 ms is more than 600000/,
    );
  });

  it('auto-verify must be a boolean', () => {
    expect(messageAt({ ...baseProfile(), autoVerify: 'yes' }, 'autoVerify')).toBe(
      'expected true or false, got the text "yes"',
    );
  });

  it('expected capabilities', () => {
    const p = baseProfile({
      expectedCapabilities: [
        { functionCode: 17, minCompliance: 1, minCount: 0 },
        { functionCode: 9, minCompliance: 256, minCount: -1 },
        { functionCode: 8, minCompliance: 1, minCount: 0 },
        { functionCode: 8, minCompliance: 0, minCount: 0 },
      ],
    });
    expect(messageAt(p, 'expectedCapabilities[0].functionCode')).toBe(
      '17 is not an OSDP PDCAP function code; use 1–16',
    );
    expect(messageAt(p, 'expectedCapabilities[1].minCompliance')).toMatch(
      /^256 does not fit in a byte/,
    );
    expect(messageAt(p, 'expectedCapabilities[1].minCount')).toMatch(/^-1 is below 0/);
    expect(messageAt(p, 'expectedCapabilities[3].functionCode')).toMatch(
      /^function code 8 is already listed at expectedCapabilities\[2\]/,
    );
    expect(
      messageAt({ ...baseProfile(), expectedCapabilities: [7] }, 'expectedCapabilities[0]'),
    ).toMatch(/^expected an object/);
    expect(
      messageAt(
        { ...baseProfile(), expectedCapabilities: [{ minCount: 1 }] },
        'expectedCapabilities[0].functionCode',
      ),
    ).toMatch(/^missing/);
    expect(
      messageAt(
        { ...baseProfile(), expectedCapabilities: [{ functionCode: 1, minCompilance: 1 }] },
        'expectedCapabilities[0].minCompilance',
      ),
    ).toBe('unknown field; remove it (did you mean "minCompliance"?)');
    expect(
      messageAt({ ...baseProfile(), expectedCapabilities: {} }, 'expectedCapabilities'),
    ).toMatch(/^expected a list of capabilities/);
  });

  it('capability minimums default to 0', () => {
    const r = validateProfile({ ...baseProfile(), expectedCapabilities: [{ functionCode: 9 }] });
    expect(r.ok && r.profile.expectedCapabilities).toEqual([
      { functionCode: 9, minCompliance: 0, minCount: 0 },
    ]);
  });

  it('unknown fields are reported with a suggestion; key material fields are refused without echoing them', () => {
    const { startAddress: _s, ...rest } = baseProfile();
    const typo = { ...rest, startAdress: 4 };
    expect(messageAt(typo, 'startAdress')).toBe(
      'unknown field; remove it (did you mean "startAddress"?)',
    );
    expect(messageAt({ ...baseProfile(), colour: 'red' }, 'colour')).toBe(
      'unknown field; remove it',
    );
    const withSeed = { ...baseProfile(), seedHex: '00112233445566778899aabbccddeeff' };
    const ps = problemsOf(withSeed);
    expect(ps.find((p) => p.path === 'seedHex')?.message).toMatch(/never carries key material/);
    expect(JSON.stringify(ps)).not.toContain('00112233');
  });

  it('never echoes a long hex string put in the wrong field', () => {
    const hex = '00112233445566778899aabbccddeeff';
    const ps = problemsOf({
      ...baseProfile(),
      addressStrategy: hex,
      name: 5,
      deviceCount: `0x${hex}`,
    });
    expect(ps.find((p) => p.path === 'addressStrategy')?.message).toBe(
      'a long hex string is not an address strategy; use "sequential", "random" or "manual"',
    );
    expect(JSON.stringify(ps)).not.toContain('0011223344');
  });

  it('a very long list is one problem, not one per element', () => {
    const ps = problemsOf(
      baseProfile({
        addressStrategy: 'manual',
        manualAddresses: Array.from({ length: 500 }, () => 999),
      }),
    );
    expect(ps.filter((p) => p.path.startsWith('manualAddresses'))).toEqual([
      { path: 'manualAddresses', message: 'lists 500 addresses; at most 126 are allowed' },
    ]);
  });

  it('caps the report of a hostile input', () => {
    const junk = Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`junk${i}`, i]));
    const ps = problemsOf({ ...baseProfile(), ...junk });
    expect(ps).toHaveLength(MAX_PROBLEMS);
    expect(ps.at(-1)!.message).toBe('…and 401 more problems');
  });
});

describe('validateProfile: cross-field rules', () => {
  it('sequential start address must leave room for every PD', () => {
    expect(messageAt(baseProfile({ startAddress: 120, deviceCount: 10 }), 'startAddress')).toBe(
      '120 leaves room for 7 PDs, the profile asks for 10 (addresses run 120–126); use a start address of 117 or lower, or ask for at most 7',
    );
    expect(messageAt(baseProfile({ startAddress: 126, deviceCount: 2 }), 'startAddress')).toMatch(
      /^126 leaves room for 1 PD, /,
    );
  });

  it('random needs the same room from the start address up', () => {
    expect(
      messageAt(
        baseProfile({ addressStrategy: 'random', startAddress: 120, deviceCount: 10 }),
        'startAddress',
      ),
    ).toMatch(/^120 leaves room for 7 PDs to pick from, the profile asks for 10/);
  });

  it('sequential and random need a start address', () => {
    const { startAddress: _s, ...rest } = baseProfile();
    expect(messageAt(rest, 'startAddress')).toMatch(/^missing; the sequential strategy/);
    expect(messageAt({ ...rest, addressStrategy: 'random' }, 'startAddress')).toMatch(
      /^missing; the random strategy/,
    );
  });

  it('manual list length must equal the device count', () => {
    expect(
      messageAt(
        baseProfile({ addressStrategy: 'manual', deviceCount: 5, manualAddresses: [1, 2, 3] }),
        'manualAddresses',
      ),
    ).toBe(
      'lists 3 addresses, the profile asks for 5 PDs (deviceCount); list exactly one address per PD',
    );
    const { manualAddresses: _m, ...rest } = baseProfile({ addressStrategy: 'manual' });
    expect(messageAt(rest, 'manualAddresses')).toBe(
      'missing; the manual strategy needs one address per PD (3)',
    );
  });

  it('manual addresses must be unique; each repeat is reported where it is', () => {
    const p = baseProfile({
      addressStrategy: 'manual',
      deviceCount: 5,
      manualAddresses: [12, 5, 12, 5, 12],
    });
    const ps = problemsOf(p);
    expect(ps).toEqual([
      {
        path: 'manualAddresses[2]',
        message: '12 is already used by manualAddresses[0]; give each PD its own address',
      },
      {
        path: 'manualAddresses[3]',
        message: '5 is already used by manualAddresses[1]; give each PD its own address',
      },
      {
        path: 'manualAddresses[4]',
        message: '12 is already used by manualAddresses[0]; give each PD its own address',
      },
    ]);
  });

  it('reports every problem at once, including cross-field ones next to field errors', () => {
    const p = {
      name: ' ',
      deviceCount: 4,
      addressStrategy: 'manual',
      manualAddresses: [1, 1, 200],
      baud: 14400,
      timeoutMs: -5,
      autoVerify: 1,
      expectedCapabilities: [{ functionCode: 0 }],
      colour: 'red',
    };
    const paths = problemsOf(p)
      .map((x) => x.path)
      .sort();
    expect(paths).toEqual(
      [
        'autoVerify',
        'baud',
        'colour',
        'expectedCapabilities[0].functionCode',
        'manualAddresses',
        'manualAddresses[1]',
        'manualAddresses[2]',
        'name',
        'timeoutMs',
      ].sort(),
    );
  });

  it('the room rule is checked even when other fields are wrong', () => {
    const paths = problemsOf({
      ...baseProfile({ startAddress: 120, deviceCount: 10 }),
      name: '',
    }).map((x) => x.path);
    expect(paths).toEqual(expect.arrayContaining(['name', 'startAddress']));
  });
});

describe('formatProblems and assertValidProfile', () => {
  it('one line per problem, path first', () => {
    expect(
      formatProblems([
        { path: '', message: 'expected a profile object, got null' },
        { path: 'manualAddresses[3]', message: '130 is above 126' },
      ]),
    ).toBe('expected a profile object, got null\nmanualAddresses[3]: 130 is above 126');
  });

  it('odd keys are quoted in paths', () => {
    expect(problemsOf({ ...baseProfile(), 'two words': 1 }).map((p) => p.path)).toContain(
      '["two words"]',
    );
  });

  it('assertValidProfile throws a typed error carrying the problems', () => {
    expect(() => assertValidProfile(baseProfile({ deviceCount: 0 }))).toThrow(InvalidProfileError);
    try {
      assertValidProfile(baseProfile({ deviceCount: 0, baud: 1 }));
    } catch (e) {
      expect(e).toBeInstanceOf(InvalidProfileError);
      expect((e as InvalidProfileError).problems).toHaveLength(2);
      expect((e as Error).message).toMatch(/^invalid profile: deviceCount: 0 PDs.*\(and 1 more\)$/);
    }
  });
});

describe('validateProfile never throws', () => {
  it('on arbitrary JSON values', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (x) => {
        const r = validateProfile(x);
        if (!r.ok) expect(r.problems.length).toBeGreaterThan(0);
      }),
      { numRuns: 500 },
    );
  });

  it('on arbitrary values of any type', () => {
    const anything = fc.anything({
      withSparseArray: true,
      withNullPrototype: true,
      withBoxedValues: true,
      withMap: true,
      withSet: true,
      withDate: true,
      withTypedArray: true,
      withBigInt: true,
      withObjectString: true,
    });
    fc.assert(
      fc.property(anything, (x) => void validateProfile(x)),
      { numRuns: 500 },
    );
    // …also in the fields of an otherwise valid profile
    fc.assert(
      fc.property(
        validProfileArb,
        fc.dictionary(
          fc.constantFrom('name', 'manualAddresses', 'expectedCapabilities', 'baud'),
          anything,
        ),
        (p, over) => void validateProfile({ ...p, ...over }),
      ),
      { numRuns: 300 },
    );
  });

  it('on a valid profile with one field replaced by arbitrary JSON; every problem has a path and a message', () => {
    const keys = [
      'name',
      'deviceCount',
      'addressStrategy',
      'startAddress',
      'manualAddresses',
      'baud',
      'expectedCapabilities',
      'timeoutMs',
      'autoVerify',
    ];
    fc.assert(
      fc.property(validProfileArb, fc.constantFrom(...keys), fc.jsonValue(), (p, key, x) => {
        const r = validateProfile({ ...p, [key]: x });
        if (!r.ok) for (const q of r.problems) expect(q.message.length).toBeGreaterThan(0);
        else expect(r.profile.deviceCount).toBeGreaterThan(0);
      }),
      { numRuns: 500 },
    );
  });
});

describe("validateStepOptions (a live quick-step's options)", () => {
  it("applies the profile's field rules and reports every problem at once", () => {
    const r = validateStepOptions({
      timeoutMs: -5,
      autoVerify: 'yes',
      expectedCapabilities: [{ functionCode: 17 }, { functionCode: 4 }, { functionCode: 4 }],
      seed: 'x',
    });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const paths = r.problems.map((p) => p.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'timeoutMs',
        'autoVerify',
        'expectedCapabilities[0].functionCode',
        'expectedCapabilities[2].functionCode',
        'seed',
      ]),
    );
    expect(r.problems.find((p) => p.path === 'seed')!.message).toMatch(/key material/);
  });
  it('fills the same defaults as a profile', () => {
    expect(validateStepOptions({})).toEqual({
      ok: true,
      options: { timeoutMs: 0, autoVerify: false, expectedCapabilities: [] },
    });
    expect(validateStepOptions(null).ok).toBe(false);
  });
});
