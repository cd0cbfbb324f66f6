// Profile validation. Each field is checked by a valibot schema; the object walk and the
// cross-field rules (manual list length, unique addresses, room from the start address) are done
// here by hand so that EVERY problem is reported at once, even when other fields are also wrong.
// Never throws on any input.

import * as v from 'valibot';
import {
  ADDRESS_STRATEGIES,
  BROADCAST_ADDRESS,
  MAX_FUNCTION_CODE,
  MAX_PD_ADDRESS,
  MAX_PROFILE_NAME_LENGTH,
  MAX_STEPS_PER_SLOT,
  MAX_TIMEOUT_MS,
  MIN_FUNCTION_CODE,
  PROFILE_BAUDS,
  type AddressStrategy,
  type ExpectedCapability,
  type Profile,
  type StepOptions,
} from './profile.ts';
import {
  capProblems,
  childPath,
  closestName,
  describe,
  formatProblems,
  isKeyMaterialName,
  type ProfileProblem,
} from './problems.ts';

export { formatProblems, type ProfileProblem };

export type ProfileValidation =
  { ok: true; profile: Profile } | { ok: false; problems: ProfileProblem[] };

/** Thrown where a valid profile is a precondition (expandProfile, serializeProfileFile). */
export class InvalidProfileError extends Error {
  override name = 'InvalidProfileError';
  constructor(readonly problems: ProfileProblem[]) {
    super(
      `invalid profile: ${formatProblems(problems.slice(0, 1))}${problems.length > 1 ? ` (and ${problems.length - 1} more)` : ''}`,
    );
  }
}

// ---- leaf schemas (exported for forms that check one field as it is typed) ----

const BAUD_LIST = PROFILE_BAUDS.join(', ');

function wholeNumber(what: string) {
  return v.pipe(
    v.number(
      (i) =>
        `expected ${what}, got ${describe(i.input)}${typeof i.input === 'string' ? '; write numbers without quotes' : ''}`,
    ),
    v.integer((i) => `${i.input} is not a whole number; expected ${what}`),
  );
}

export const PdAddressSchema = v.pipe(
  wholeNumber(`a PD address (0–${MAX_PD_ADDRESS})`),
  v.check(
    (n) => n !== BROADCAST_ADDRESS,
    `127 (0x7F) is the broadcast address, not a PD address; use 0–${MAX_PD_ADDRESS}`,
  ),
  v.minValue(0, (i) => `${i.input} is below 0; PD addresses are 0–${MAX_PD_ADDRESS}`),
  v.maxValue(
    MAX_PD_ADDRESS,
    (i) => `${i.input} is above ${MAX_PD_ADDRESS}, the highest PD address; use 0–${MAX_PD_ADDRESS}`,
  ),
);

export const ProfileNameSchema = v.pipe(
  v.string((i) => `expected text, got ${describe(i.input)}`),
  v.trim(),
  v.nonEmpty('the name is empty; give the profile a name'),
  v.maxLength(
    MAX_PROFILE_NAME_LENGTH,
    (i) => `${i.input.length} characters is too long; use at most ${MAX_PROFILE_NAME_LENGTH}`,
  ),
  v.regex(
    /^[^\p{Cc}\p{Zl}\p{Zp}]*$/u,
    'contains a control character (line break, tab…); use one line of plain text',
  ),
);

export const DeviceCountSchema = v.pipe(
  wholeNumber(`a number of PDs (1–${MAX_STEPS_PER_SLOT})`),
  v.minValue(1, (i) => `${i.input} PDs: a profile provisions at least 1 PD`),
  v.maxValue(
    MAX_STEPS_PER_SLOT,
    (i) =>
      `${i.input} is more than ${MAX_STEPS_PER_SLOT}, the most PDs one slot holds; split the site into several profiles`,
  ),
);

export const AddressStrategySchema = v.picklist(
  ADDRESS_STRATEGIES,
  (i) => `${describe(i.input)} is not an address strategy; use "sequential", "random" or "manual"`,
);

export const BaudSchema = v.picklist(
  PROFILE_BAUDS,
  (i) => `${describe(i.input)} is not a supported baud rate; use one of ${BAUD_LIST}`,
);

export const TimeoutMsSchema = v.pipe(
  wholeNumber('a timeout in milliseconds'),
  v.minValue(
    0,
    (i) => `${i.input} is negative; use 0 for the firmware default, or a timeout in ms`,
  ),
  v.maxValue(
    MAX_TIMEOUT_MS,
    (i) =>
      `${i.input} ms is more than ${MAX_TIMEOUT_MS} (10 minutes); use a shorter timeout, or 0 for the firmware default`,
  ),
);

export const AutoVerifySchema = v.boolean(
  (i) => `expected true or false, got ${describe(i.input)}`,
);

export const FunctionCodeSchema = v.pipe(
  wholeNumber(`a PDCAP function code (${MIN_FUNCTION_CODE}–${MAX_FUNCTION_CODE})`),
  v.minValue(
    MIN_FUNCTION_CODE,
    (i) =>
      `${i.input} is not an OSDP PDCAP function code; use ${MIN_FUNCTION_CODE}–${MAX_FUNCTION_CODE}`,
  ),
  v.maxValue(
    MAX_FUNCTION_CODE,
    (i) =>
      `${i.input} is not an OSDP PDCAP function code; use ${MIN_FUNCTION_CODE}–${MAX_FUNCTION_CODE}`,
  ),
);

function byteSchema(what: string) {
  return v.pipe(
    wholeNumber(`${what} (0–255)`),
    v.minValue(0, (i) => `${i.input} is below 0; ${what} is 0–255`),
    v.maxValue(255, (i) => `${i.input} does not fit in a byte; ${what} is 0–255`),
  );
}

// ---- the object walk ----

interface FieldSpec {
  schema: v.GenericSchema;
  /** Message when the field is absent; absent fields without it take `fallback`. */
  missing?: string;
  fallback?: unknown;
}

type Walk = { problems: ProfileProblem[]; valid: Map<string, unknown>; present: Set<string> };

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function leaf(
  schema: v.GenericSchema,
  input: unknown,
  path: string,
  problems: ProfileProblem[],
): { ok: boolean; value?: unknown } {
  const r = v.safeParse(schema, input, { abortPipeEarly: true });
  if (r.success) return { ok: true, value: r.output };
  for (const issue of r.issues) problems.push({ path, message: issue.message });
  return { ok: false };
}

/** Checks the listed fields of a plain object; unknown fields are problems (they are usually typos). */
function walkObject(
  input: Record<string, unknown>,
  path: string,
  specs: Record<string, FieldSpec>,
  problems: ProfileProblem[],
  custom: Record<string, (x: unknown, p: string) => { ok: boolean; value?: unknown }> = {},
): Walk {
  const valid = new Map<string, unknown>();
  const present = new Set<string>();
  const known = [...Object.keys(specs), ...Object.keys(custom)];
  for (const key of Object.keys(input)) {
    if (known.includes(key)) continue;
    const p = childPath(path, key);
    if (isKeyMaterialName(key)) {
      problems.push({
        path: p,
        message: 'a profile never carries key material (seeds or SCBKs); remove this field',
      });
    } else {
      const guess = closestName(key, known);
      problems.push({
        path: p,
        message: `unknown field; remove it${guess ? ` (did you mean "${guess}"?)` : ''}`,
      });
    }
  }
  for (const [key, spec] of Object.entries(specs)) {
    const p = childPath(path, key);
    if (!Object.hasOwn(input, key) || input[key] === undefined) {
      if (spec.missing !== undefined) problems.push({ path: p, message: spec.missing });
      else valid.set(key, spec.fallback);
      continue;
    }
    present.add(key);
    const r = leaf(spec.schema, input[key], p, problems);
    if (r.ok) valid.set(key, r.value);
  }
  for (const [key, check] of Object.entries(custom)) {
    const p = childPath(path, key);
    if (Object.hasOwn(input, key) && input[key] !== undefined) present.add(key);
    const r = check(input[key], p);
    if (r.ok) valid.set(key, r.value);
  }
  return { problems, valid, present };
}

const CAPABILITY_SPECS: Record<keyof ExpectedCapability, FieldSpec> = {
  functionCode: {
    schema: FunctionCodeSchema,
    missing: `missing; the PDCAP function code to check (${MIN_FUNCTION_CODE}–${MAX_FUNCTION_CODE})`,
  },
  minCompliance: { schema: byteSchema('the minimum compliance level'), fallback: 0 },
  minCount: { schema: byteSchema('the minimum count'), fallback: 0 },
};

const MAX_CAPABILITIES = MAX_FUNCTION_CODE - MIN_FUNCTION_CODE + 1;

/** A list field: absent → fallback []; each element checked by `item`; `undefined` element values mean invalid. */
function checkList(
  input: unknown,
  path: string,
  max: number,
  noun: string,
  problems: ProfileProblem[],
  item: (x: unknown, p: string) => unknown,
): { ok: boolean; value?: unknown } {
  if (input === undefined) return { ok: true, value: [] };
  if (!Array.isArray(input)) {
    problems.push({ path, message: `expected a list of ${noun}, got ${describe(input)}` });
    return { ok: false };
  }
  if (input.length > max) {
    problems.push({ path, message: `lists ${input.length} ${noun}; at most ${max} are allowed` });
    return { ok: false };
  }
  const out: unknown[] = [];
  let ok = true;
  // An indexed loop, not forEach: a sparse array's holes are elements too (and invalid).
  for (let i = 0; i < input.length; i++) {
    const r = item(input[i], childPath(path, i));
    if (r === undefined) ok = false;
    out.push(r);
  }
  // Even a list with bad elements is returned (with `undefined` holes) so cross-field rules can
  // still check its length and the good elements.
  return { ok, value: out };
}

/** The expected-capabilities list of a profile or a step: each entry valid, one entry per function code. */
function checkCapabilities(
  input: unknown,
  path: string,
  problems: ProfileProblem[],
): { ok: boolean; value?: unknown } {
  const r = checkList(input, path, MAX_CAPABILITIES, 'capabilities', problems, (c, cp) => {
    if (!isRecord(c)) {
      problems.push({
        path: cp,
        message: `expected an object { functionCode, minCompliance, minCount }, got ${describe(c)}`,
      });
      return undefined;
    }
    const before = problems.length;
    const w = walkObject(c, cp, CAPABILITY_SPECS, problems);
    if (problems.length !== before) return undefined;
    return {
      functionCode: w.valid.get('functionCode'),
      minCompliance: w.valid.get('minCompliance'),
      minCount: w.valid.get('minCount'),
    };
  });
  const firstAt = new Map<number, number>();
  ((r.value as (ExpectedCapability | undefined)[] | undefined) ?? []).forEach((c, i) => {
    if (c === undefined) return;
    const prev = firstAt.get(c.functionCode);
    if (prev === undefined) firstAt.set(c.functionCode, i);
    else
      problems.push({
        path: childPath(childPath(path, i), 'functionCode'),
        message: `function code ${c.functionCode} is already listed at ${childPath(path, prev)}; keep one entry per function code`,
      });
  });
  return r;
}

/** Validates anything (parsed JSON, a form's state) as a Profile, reporting every problem. */
// eslint-disable-next-line max-lines-per-function -- one rule per spec sentence, in the order of the spec; splitting would scatter the sentence-to-check mapping
export function validateProfile(input: unknown): ProfileValidation {
  if (!isRecord(input)) {
    return {
      ok: false,
      problems: [{ path: '', message: `expected a profile object, got ${describe(input)}` }],
    };
  }
  const problems: ProfileProblem[] = [];
  // Lists are kept even when some elements are bad, so the cross-field rules still see the rest.
  let manualList: unknown[] | undefined;
  let capList: (ExpectedCapability | undefined)[] | undefined;
  const walk = walkObject(
    input,
    '',
    {
      name: { schema: ProfileNameSchema, missing: 'missing; give the profile a name' },
      deviceCount: {
        schema: DeviceCountSchema,
        missing: `missing; how many PDs this profile provisions (1–${MAX_STEPS_PER_SLOT})`,
      },
      addressStrategy: {
        schema: AddressStrategySchema,
        missing: 'missing; use "sequential", "random" or "manual"',
      },
      // Ignored by the manual strategy, so it may be left out there; the cross-field rules below
      // require it for the others.
      startAddress: { schema: PdAddressSchema, fallback: undefined },
      baud: {
        schema: BaudSchema,
        missing: `missing; the baud rate to drive the PDs to, one of ${BAUD_LIST}`,
      },
      timeoutMs: { schema: TimeoutMsSchema, fallback: 0 },
      autoVerify: { schema: AutoVerifySchema, fallback: false },
    },
    problems,
    {
      manualAddresses: (x, p) => {
        const r = checkList(
          x,
          p,
          MAX_STEPS_PER_SLOT,
          'addresses',
          problems,
          (a, ap) => leaf(PdAddressSchema, a, ap, problems).value,
        );
        if (r.value !== undefined) manualList = r.value as unknown[];
        return r;
      },
      expectedCapabilities: (x, p) => {
        const r = checkCapabilities(x, p, problems);
        if (r.value !== undefined) capList = r.value as (ExpectedCapability | undefined)[];
        return r;
      },
    },
  );
  const { valid } = walk;

  // ---- cross-field rules, on whichever fields are individually valid ----
  const count = valid.get('deviceCount') as number | undefined;
  const strategy = valid.get('addressStrategy') as AddressStrategy | undefined;
  const start = valid.get('startAddress') as number | undefined;

  if (strategy === 'sequential' || strategy === 'random') {
    if (!walk.present.has('startAddress')) {
      problems.push({
        path: 'startAddress',
        message: `missing; the ${strategy} strategy assigns addresses from a start address (0–${MAX_PD_ADDRESS})`,
      });
    } else if (start !== undefined && count !== undefined) {
      const room = MAX_PD_ADDRESS - start + 1;
      if (room < count) {
        const pds = room === 1 ? '1 PD' : `${room} PDs`;
        const from = strategy === 'random' ? ' to pick from' : '';
        problems.push({
          path: 'startAddress',
          message: `${start} leaves room for ${pds}${from}, the profile asks for ${count} (addresses run ${start}–${MAX_PD_ADDRESS}); use a start address of ${MAX_PD_ADDRESS + 1 - count} or lower, or ask for at most ${room}`,
        });
      }
    }
  }

  if (strategy === 'manual') {
    if (!walk.present.has('manualAddresses')) {
      problems.push({
        path: 'manualAddresses',
        message: `missing; the manual strategy needs one address per PD${count !== undefined ? ` (${count})` : ''}`,
      });
    } else if (manualList !== undefined) {
      if (count !== undefined && manualList.length !== count) {
        problems.push({
          path: 'manualAddresses',
          message: `lists ${manualList.length} address${manualList.length === 1 ? '' : 'es'}, the profile asks for ${count} PD${count === 1 ? '' : 's'} (deviceCount); list exactly one address per PD`,
        });
      }
      const firstAt = new Map<number, number>();
      manualList.forEach((a, i) => {
        if (typeof a !== 'number') return;
        const prev = firstAt.get(a);
        if (prev === undefined) firstAt.set(a, i);
        else
          problems.push({
            path: childPath('manualAddresses', i),
            message: `${a} is already used by manualAddresses[${prev}]; give each PD its own address`,
          });
      });
    }
  }

  if (problems.length > 0) return { ok: false, problems: capProblems(inFieldOrder(problems)) };

  const profile: Profile = {
    name: valid.get('name') as string,
    deviceCount: count as number,
    addressStrategy: strategy as AddressStrategy,
    // The manual strategy ignores it; keep a valid address there so the record stays well-formed.
    startAddress: start ?? (manualList as number[] | undefined)?.[0] ?? 1,
    manualAddresses: [...((manualList as number[] | undefined) ?? [])],
    baud: valid.get('baud') as number,
    expectedCapabilities: (capList as ExpectedCapability[]).map((c) => ({ ...c })),
    timeoutMs: valid.get('timeoutMs') as number,
    autoVerify: valid.get('autoVerify') as boolean,
  };
  return { ok: true, profile };
}

export type StepOptionsValidation =
  { ok: true; options: StepOptions } | { ok: false; problems: ProfileProblem[] };

/** The options of one step (a live quick-step's), under exactly the rules of a profile's fields. */
export function validateStepOptions(input: unknown): StepOptionsValidation {
  if (!isRecord(input)) {
    return {
      ok: false,
      problems: [
        {
          path: '',
          message: `expected step options { timeoutMs, autoVerify, expectedCapabilities }, got ${describe(input)}`,
        },
      ],
    };
  }
  const problems: ProfileProblem[] = [];
  const walk = walkObject(
    input,
    '',
    {
      timeoutMs: { schema: TimeoutMsSchema, fallback: 0 },
      autoVerify: { schema: AutoVerifySchema, fallback: false },
    },
    problems,
    { expectedCapabilities: (x, p) => checkCapabilities(x, p, problems) },
  );
  if (problems.length > 0) return { ok: false, problems: capProblems(problems) };
  return {
    ok: true,
    options: {
      timeoutMs: walk.valid.get('timeoutMs') as number,
      autoVerify: walk.valid.get('autoVerify') as boolean,
      expectedCapabilities: (walk.valid.get('expectedCapabilities') as ExpectedCapability[]).map(
        (c) => ({ ...c }),
      ),
    },
  };
}

/** A profile's fields in the order a form shows them (and problems are reported in). */
export const PROFILE_FIELDS = [
  'name',
  'deviceCount',
  'addressStrategy',
  'startAddress',
  'manualAddresses',
  'baud',
  'expectedCapabilities',
  'timeoutMs',
  'autoVerify',
] as const satisfies readonly (keyof Profile)[];

/** Problems in the order of the form's fields (unknown fields first); stable within a field. */
function inFieldOrder(problems: ProfileProblem[]): ProfileProblem[] {
  const rank = (p: ProfileProblem) =>
    (PROFILE_FIELDS as readonly string[]).indexOf(
      /^[A-Za-z_$][A-Za-z0-9_$]*/.exec(p.path)?.[0] ?? '',
    );
  return problems
    .map((p, i) => ({ p, i, r: rank(p) }))
    .sort((a, b) => a.r - b.r || a.i - b.i)
    .map((x) => x.p);
}

/** validateProfile for callers that need a valid profile: throws InvalidProfileError otherwise. */
export function assertValidProfile(input: unknown): Profile {
  const r = validateProfile(input);
  if (!r.ok) throw new InvalidProfileError(r.problems);
  return r.profile;
}
