// The profile form's state: what is typed (strings, as the inputs hold them) ↔ a profile input for
// validateProfile, and every problem mapped to the field that shows it. Pure, so the rules are
// unit-tested here and the form component only renders them.

import {
  ADDRESS_STRATEGIES,
  MAX_PD_ADDRESS,
  MAX_STEPS_PER_SLOT,
  PROFILE_BAUDS,
  PROFILE_FIELDS,
  validateProfile,
  type AddressStrategy,
  type ExpectedCapability,
  type Profile,
  type ProfileProblem,
} from '@osprio/provisioner';

/** The form's fields, in reading order; the keys are the Profile's own field names. */
export const FIELDS = PROFILE_FIELDS;
export type FieldKey = (typeof FIELDS)[number];

/** The spec's words: each field's visible label and accessible name. */
export const FIELD_LABELS: Record<FieldKey, string> = {
  name: 'Profile name',
  deviceCount: 'Device count',
  addressStrategy: 'Address strategy',
  startAddress: 'Start address',
  manualAddresses: 'Manual address list',
  baud: 'Baud rate',
  expectedCapabilities: 'Expected capabilities',
  timeoutMs: 'Provisioning timeout',
  autoVerify: 'Auto-verify',
};

export interface FormValues {
  name: string;
  deviceCount: string;
  addressStrategy: AddressStrategy;
  startAddress: string;
  /** Addresses separated by commas, spaces or new lines; ascending ranges like `10-20` allowed. */
  manualAddresses: string;
  baud: string;
  /** Entries `code` or `code:minCompliance:minCount`, separated by commas or spaces. */
  expectedCapabilities: string;
  timeoutMs: string;
  autoVerify: boolean;
}

export type FieldProblems = Partial<Record<FieldKey, string[]>>;

export interface FormCheck {
  /** The profile object the typed values stand for (what validateProfile and the host read). */
  input: Record<string, unknown>;
  /** Every problem, by field, in words that say how to fix it. */
  problems: FieldProblems;
  ok: boolean;
}

export function emptyValues(): FormValues {
  return {
    name: '',
    deviceCount: '',
    addressStrategy: 'sequential',
    startAddress: '1',
    manualAddresses: '',
    baud: String(PROFILE_BAUDS[0]),
    expectedCapabilities: '',
    timeoutMs: '0',
    autoVerify: false,
  };
}

/** Which fields the strategy uses: the start address for sequential/random, the list for manual. */
export function visibleFields(strategy: AddressStrategy): FieldKey[] {
  return FIELDS.filter((f) =>
    strategy === 'manual' ? f !== 'startAddress' : f !== 'manualAddresses',
  );
}

export function isStrategy(x: string): x is AddressStrategy {
  return (ADDRESS_STRATEGIES as readonly string[]).includes(x);
}

// ---- typed text → values ----

type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

const WHOLE = /^[+-]?\d+$/;

function whole(text: string, empty: string, bad: string): Parsed<number> {
  const t = text.trim();
  if (t === '') return { ok: false, message: empty };
  if (!WHOLE.test(t)) return { ok: false, message: bad };
  return { ok: true, value: Number(t) };
}

/** The manual list: `1, 2 5-9` → [1, 2, 5, 6, 7, 8, 9]; one message per token that is not an address or range. */
export function parseAddressList(text: string): { addresses: number[]; problems: string[] } {
  const addresses: number[] = [];
  const problems: string[] = [];
  for (const token of text.split(/[\s,;]+/).filter((t) => t !== '')) {
    const range = /^(\d+)\s*[-–]\s*(\d+)$/.exec(token);
    if (range) {
      const a = Number(range[1]);
      const b = Number(range[2]);
      if (a > b)
        problems.push(`"${token}" runs backwards; write ranges low to high, like ${b}-${a}`);
      else if (b > MAX_PD_ADDRESS)
        problems.push(`"${token}" goes past ${MAX_PD_ADDRESS}, the highest PD address`);
      else for (let n = a; n <= b; n++) addresses.push(n);
    } else if (WHOLE.test(token)) {
      addresses.push(Number(token));
    } else {
      problems.push(
        `"${clip(token)}" is not an address; list addresses 0–${MAX_PD_ADDRESS} separated by commas or spaces, or ranges like 10-20`,
      );
    }
  }
  return { addresses, problems };
}

/** Expected capabilities: `3:1:1, 4` → [{3,1,1}, {4,0,0}]. */
export function parseCapabilities(text: string): {
  capabilities: ExpectedCapability[];
  problems: string[];
} {
  const capabilities: ExpectedCapability[] = [];
  const problems: string[] = [];
  for (const token of text.split(/[\s,;]+/).filter((t) => t !== '')) {
    const m = /^(\d+)(?::(\d+))?(?::(\d+))?$/.exec(token);
    if (!m) {
      problems.push(
        `"${clip(token)}" is not a capability; write a PDCAP function code, optionally with minimum compliance and count, like 3 or 3:1:2`,
      );
      continue;
    }
    capabilities.push({
      functionCode: Number(m[1]),
      minCompliance: Number(m[2] ?? 0),
      minCount: Number(m[3] ?? 0),
    });
  }
  return { capabilities, problems };
}

function clip(s: string): string {
  return s.length > 20 ? `${s.slice(0, 20)}…` : s;
}

// ---- values → profile input + problems ----

/**
 * The profile the form stands for, and every problem by field. A field the form cannot read
 * (empty, not a number) gets the form's own message and the profile rules' messages for it are
 * dropped, so each problem is said once and in terms of what was typed.
 */
export function checkForm(values: FormValues): FormCheck {
  const own: FieldProblems = {};
  const add = (f: FieldKey, m: string) => (own[f] ??= []).push(m);
  const input: Record<string, unknown> = {
    name: values.name,
    addressStrategy: values.addressStrategy,
    autoVerify: values.autoVerify,
  };
  if (values.name.trim() === '')
    add('name', 'Give the profile a name, for example the site or panel it is for.');

  const count = whole(
    values.deviceCount,
    `Enter how many PDs this plan provisions, 1–${MAX_STEPS_PER_SLOT}.`,
    `Enter a whole number of PDs, 1–${MAX_STEPS_PER_SLOT}.`,
  );
  if (count.ok) input['deviceCount'] = count.value;
  else add('deviceCount', count.message);

  if (values.addressStrategy === 'manual') {
    const list = parseAddressList(values.manualAddresses);
    for (const m of list.problems) add('manualAddresses', m);
    if (list.problems.length === 0 && list.addresses.length === 0) {
      add(
        'manualAddresses',
        `List one address per PD (0–${MAX_PD_ADDRESS}), separated by commas or spaces; ranges like 10-20 are fine.`,
      );
    }
    input['manualAddresses'] = list.addresses;
    // Ignored by this strategy and hidden: kept when it is a valid address (so an imported
    // profile reads back unchanged), left out otherwise (a hidden field cannot show a problem).
    const start = whole(values.startAddress, '', '');
    if (start.ok && start.value >= 0 && start.value <= MAX_PD_ADDRESS)
      input['startAddress'] = start.value;
  } else {
    const start = whole(
      values.startAddress,
      `Enter the first address to assign, 0–${MAX_PD_ADDRESS}.`,
      `Enter the start address as a whole number, 0–${MAX_PD_ADDRESS}.`,
    );
    if (start.ok) input['startAddress'] = start.value;
    else add('startAddress', start.message);
  }

  const baud = whole(
    values.baud,
    'Choose a baud rate.',
    `Choose one of ${PROFILE_BAUDS.join(', ')}.`,
  );
  if (baud.ok) input['baud'] = baud.value;
  else add('baud', baud.message);

  const caps = parseCapabilities(values.expectedCapabilities);
  for (const m of caps.problems) add('expectedCapabilities', m);
  input['expectedCapabilities'] = caps.capabilities;

  const timeout = whole(
    values.timeoutMs,
    'Enter a timeout in milliseconds, or 0 for the firmware default.',
    'Enter the timeout as a whole number of milliseconds, or 0 for the firmware default.',
  );
  if (timeout.ok) input['timeoutMs'] = timeout.value;
  else add('timeoutMs', timeout.message);

  const problems: FieldProblems = { ...own };
  const r = validateProfile(input);
  if (!r.ok) {
    for (const p of r.problems) {
      const f = fieldOf(p.path);
      // The form's own message already says what to type there.
      if (f === null || own[f] !== undefined) continue;
      (problems[f] ??= []).push(formMessage(p));
    }
  }
  const ok = FIELDS.every((f) => problems[f] === undefined);
  for (const f of FIELDS) {
    const ms = problems[f];
    if (ms && ms.length > MAX_SHOWN_PER_FIELD) {
      const rest = ms.length - (MAX_SHOWN_PER_FIELD - 1);
      problems[f] = [
        ...ms.slice(0, MAX_SHOWN_PER_FIELD - 1),
        `…and ${rest} more problems in this field; fix these first.`,
      ];
    }
  }
  return { input, problems, ok };
}

/** A field shows at most this many lines of problems (a pasted list can have a hundred). */
export const MAX_SHOWN_PER_FIELD = 4;

/** The form field a problem path belongs to (`manualAddresses[3]` → manualAddresses); `profile.` of a file is stripped. */
export function fieldOf(path: string): FieldKey | null {
  const head = /^[A-Za-z_$][A-Za-z0-9_$]*/.exec(path.replace(/^profile\.?/, ''))?.[0];
  return head !== undefined && (FIELDS as readonly string[]).includes(head)
    ? (head as FieldKey)
    : null;
}

/** A profile rule's message, in the form's words: list positions as "Entry 4", field names as labels. */
export function formMessage(p: ProfileProblem): string {
  const path = p.path.replace(/^profile\.?/, '');
  let prefix = '';
  const item = /^(manualAddresses|expectedCapabilities)\[(\d+)\]/.exec(path);
  if (item)
    prefix = `${item[1] === 'manualAddresses' ? 'Entry' : 'Capability'} ${Number(item[2]) + 1} in the list: `;
  const text = p.message
    .replace(/manualAddresses\[(\d+)\]/g, (_, i: string) => `entry ${Number(i) + 1}`)
    .replace(/expectedCapabilities\[(\d+)\]/g, (_, i: string) => `capability ${Number(i) + 1}`)
    .replace(/\(deviceCount\)/g, '(Device count)');
  return prefix + sentence(text);
}

function sentence(s: string): string {
  const t = s.charAt(0).toUpperCase() + s.slice(1);
  return /[.?!…]$/.test(t) ? t : `${t}.`;
}

// ---- profile → values (an imported file, or Back from the review) ----

export function valuesFromProfile(p: Profile): FormValues {
  return {
    name: p.name,
    deviceCount: String(p.deviceCount),
    addressStrategy: p.addressStrategy,
    startAddress: String(p.startAddress),
    manualAddresses: formatAddressList(p.manualAddresses),
    baud: String(p.baud),
    expectedCapabilities: p.expectedCapabilities
      .map((c) =>
        c.minCompliance === 0 && c.minCount === 0
          ? String(c.functionCode)
          : `${c.functionCode}:${c.minCompliance}:${c.minCount}`,
      )
      .join(', '),
    timeoutMs: String(p.timeoutMs),
    autoVerify: p.autoVerify,
  };
}

/** Addresses in their order, runs of 3+ consecutive ascending addresses written as ranges. */
export function formatAddressList(addresses: readonly number[]): string {
  const out: string[] = [];
  let i = 0;
  while (i < addresses.length) {
    let j = i;
    while (j + 1 < addresses.length && addresses[j + 1] === addresses[j]! + 1) j++;
    if (j - i >= 2) {
      out.push(`${addresses[i]}-${addresses[j]}`);
      i = j + 1;
    } else {
      out.push(String(addresses[i]));
      i++;
    }
  }
  return out.join(', ');
}
