import { describe, expect, it } from 'vitest';
import { validateProfile, type Profile } from '@osprio/provisioner';
import {
  checkForm,
  emptyValues,
  fieldOf,
  formatAddressList,
  formMessage,
  parseAddressList,
  parseCapabilities,
  valuesFromProfile,
  visibleFields,
  type FormValues,
} from '../../src/plan/form-state.ts';

function values(over: Partial<FormValues>): FormValues {
  return { ...emptyValues(), name: 'Site A', deviceCount: '126', ...over };
}

describe('visibleFields', () => {
  it('shows the start address for sequential and random, the manual list for manual', () => {
    for (const s of ['sequential', 'random'] as const) {
      expect(visibleFields(s)).toContain('startAddress');
      expect(visibleFields(s)).not.toContain('manualAddresses');
    }
    expect(visibleFields('manual')).toContain('manualAddresses');
    expect(visibleFields('manual')).not.toContain('startAddress');
    expect(visibleFields('manual')).toHaveLength(8);
  });
});

describe('parseAddressList', () => {
  it('reads addresses and ascending ranges separated by commas, spaces and lines', () => {
    expect(parseAddressList('1, 2\n5-7;9 10–11')).toEqual({
      addresses: [1, 2, 5, 6, 7, 9, 10, 11],
      problems: [],
    });
  });
  it('names every token it cannot read and how to write it', () => {
    const r = parseAddressList('1, x2, 9-3, 120-130');
    expect(r.addresses).toEqual([1]);
    expect(r.problems).toHaveLength(3);
    expect(r.problems[0]).toMatch(/"x2" is not an address/);
    expect(r.problems[1]).toMatch(/runs backwards.*3-9/);
    expect(r.problems[2]).toMatch(/past 126/);
  });
});

describe('parseCapabilities', () => {
  it('reads code, code:compliance and code:compliance:count', () => {
    expect(parseCapabilities('3:1:2, 4 5:1').capabilities).toEqual([
      { functionCode: 3, minCompliance: 1, minCount: 2 },
      { functionCode: 4, minCompliance: 0, minCount: 0 },
      { functionCode: 5, minCompliance: 1, minCount: 0 },
    ]);
    expect(parseCapabilities('').capabilities).toEqual([]);
  });
  it('says how to write an entry it cannot read', () => {
    expect(parseCapabilities('card').problems[0]).toMatch(/"card" is not a capability.*3:1:2/);
  });
});

describe('checkForm', () => {
  it('a complete sequential form is a valid profile without the manual list', () => {
    const c = checkForm(values({ manualAddresses: '1 2 3' }));
    expect(c.ok).toBe(true);
    expect(c.problems).toEqual({});
    expect(c.input).not.toHaveProperty('manualAddresses');
    const r = validateProfile(c.input);
    expect(r.ok && r.profile).toMatchObject({
      name: 'Site A',
      deviceCount: 126,
      addressStrategy: 'sequential',
      startAddress: 1,
      baud: 9600,
      timeoutMs: 0,
    });
  });

  it('the manual strategy ignores a bad hidden start address and reads the list', () => {
    const c = checkForm(
      values({
        addressStrategy: 'manual',
        deviceCount: '3',
        startAddress: 'zz',
        manualAddresses: '5, 9, 7',
      }),
    );
    expect(c.ok).toBe(true);
    expect(c.input).not.toHaveProperty('startAddress');
    expect(c.input['manualAddresses']).toEqual([5, 9, 7]);
    // A valid hidden start address is kept, so a profile reads back unchanged.
    expect(
      checkForm(
        values({
          addressStrategy: 'manual',
          deviceCount: '1',
          startAddress: '40',
          manualAddresses: '5',
        }),
      ).input['startAddress'],
    ).toBe(40);
    expect(
      checkForm(
        values({
          addressStrategy: 'manual',
          deviceCount: '1',
          startAddress: '200',
          manualAddresses: '5',
        }),
      ).ok,
    ).toBe(true);
  });

  it('an empty form says what to enter in each required field, once each', () => {
    const c = checkForm({ ...emptyValues(), startAddress: '' });
    expect(c.ok).toBe(false);
    expect(Object.keys(c.problems).sort()).toEqual(['deviceCount', 'name', 'startAddress']);
    expect(c.problems.name).toEqual([
      'Give the profile a name, for example the site or panel it is for.',
    ]);
    expect(c.problems.deviceCount).toEqual(['Enter how many PDs this plan provisions, 1–126.']);
  });

  it('a device count over 126 is refused with how to fix it', () => {
    const c = checkForm(values({ deviceCount: '127' }));
    expect(c.problems.deviceCount?.[0]).toMatch(/^127 is more than 126.*split the site/);
  });

  it('text in a number field gets the form’s message, not the file rule’s "write numbers without quotes"', () => {
    const c = checkForm(values({ timeoutMs: 'soon' }));
    expect(c.problems.timeoutMs).toEqual([
      'Enter the timeout as a whole number of milliseconds, or 0 for the firmware default.',
    ]);
  });

  it('no room from the start address is shown on the start address, with the highest start that fits', () => {
    const c = checkForm(values({ startAddress: '2' }));
    expect(c.problems.startAddress?.[0]).toMatch(
      /^2 leaves room for 125 PDs.*start address of 1 or lower/,
    );
  });

  it('manual list problems name the position in the list and the fix', () => {
    const c = checkForm(
      values({ addressStrategy: 'manual', deviceCount: '3', manualAddresses: '5 127 5' }),
    );
    const m = c.problems.manualAddresses ?? [];
    expect(
      m.some((x) => /^Entry 2 in the list: 127 \(0x7F\) is the broadcast address/.test(x)),
    ).toBe(true);
    expect(m.some((x) => /^Entry 3 in the list: 5 is already used by entry 1/.test(x))).toBe(true);
  });

  it('a manual list of the wrong length says how many are needed, in the form’s words', () => {
    const c = checkForm(
      values({ addressStrategy: 'manual', deviceCount: '3', manualAddresses: '5 6' }),
    );
    expect(c.problems.manualAddresses).toEqual([
      'Lists 2 addresses, the profile asks for 3 PDs (Device count); list exactly one address per PD.',
    ]);
  });

  it('an empty manual list asks for one address per PD', () => {
    const c = checkForm(values({ addressStrategy: 'manual', deviceCount: '3' }));
    expect(c.problems.manualAddresses?.[0]).toMatch(/^List one address per PD/);
  });

  it('a timeout past 10 minutes and an unknown capability code are refused', () => {
    const c = checkForm(values({ timeoutMs: '600001', expectedCapabilities: '3, 40' }));
    expect(c.problems.timeoutMs?.[0]).toMatch(/more than 600000/);
    expect(c.problems.expectedCapabilities?.[0]).toMatch(
      /^Capability 2 in the list: 40 is not an OSDP PDCAP function code/,
    );
  });
});

describe('values ↔ profile', () => {
  const profile: Profile = {
    name: 'Plant room',
    deviceCount: 6,
    addressStrategy: 'manual',
    startAddress: 10,
    manualAddresses: [10, 11, 12, 13, 40, 2],
    baud: 38400,
    expectedCapabilities: [
      { functionCode: 3, minCompliance: 1, minCount: 2 },
      { functionCode: 4, minCompliance: 0, minCount: 0 },
    ],
    timeoutMs: 1500,
    autoVerify: true,
  };
  it('a profile shown in the form reads back as the same profile', () => {
    const v = valuesFromProfile(profile);
    expect(v.manualAddresses).toBe('10-13, 40, 2');
    expect(v.expectedCapabilities).toBe('3:1:2, 4');
    const r = validateProfile(checkForm(v).input);
    expect(r.ok && r.profile).toEqual(profile);
  });
  it('formatAddressList keeps order and only folds runs of three or more', () => {
    expect(formatAddressList([1, 2, 4, 5, 6, 9, 8])).toBe('1, 2, 4-6, 9, 8');
    expect(formatAddressList([])).toBe('');
  });
});

describe('fieldOf / formMessage', () => {
  it('places file paths and form paths on the same field', () => {
    expect(fieldOf('profile.manualAddresses[3]')).toBe('manualAddresses');
    expect(fieldOf('deviceCount')).toBe('deviceCount');
    expect(fieldOf('kind')).toBeNull();
    expect(fieldOf('profile')).toBeNull();
    expect(fieldOf('profile.colour')).toBeNull();
  });
  it('turns a rule message into a sentence', () => {
    expect(formMessage({ path: 'profile.baud', message: '7 is not a supported baud rate' })).toBe(
      '7 is not a supported baud rate.',
    );
  });
});

describe('a long problem list', () => {
  it('shows a few problems of a field and counts the rest', () => {
    const list = Array.from({ length: 20 }, () => '5').join(' ');
    const c = checkForm(
      values({ addressStrategy: 'manual', deviceCount: '20', manualAddresses: list }),
    );
    const m = c.problems.manualAddresses ?? [];
    expect(m).toHaveLength(4);
    expect(m[0]).toMatch(/^Entry 2 in the list: 5 is already used by entry 1/);
    expect(m[3]).toBe('…and 16 more problems in this field; fix these first.');
    expect(c.ok).toBe(false);
  });
});
