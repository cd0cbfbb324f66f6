// The profile's fields as command-line flags (slot create) and a quick-step's options (live).
// Values go to the profile's own validator as numbers where they look like numbers, so its messages
// apply; each problem is then told in terms of the flag that carries the field.

import { usageError } from './exit-codes.ts';

export interface StepOptionFlags {
  timeout?: string;
  autoVerify?: boolean;
  expectCap?: string[];
}

export interface ProfileFlags extends StepOptionFlags {
  name?: string;
  count?: string;
  strategy?: string;
  startAddress?: string;
  addresses?: string;
  baud?: string;
}

/** Profile field (or JSON path head) → the flag that sets it. */
export const FIELD_FLAGS: Readonly<Record<string, string>> = {
  name: '--name',
  deviceCount: '--count',
  addressStrategy: '--strategy',
  startAddress: '--start-address',
  manualAddresses: '--addresses',
  baud: '--baud',
  expectedCapabilities: '--expect-cap',
  timeoutMs: '--timeout',
  autoVerify: '--auto-verify',
};

const num = (s: string | undefined): unknown =>
  s !== undefined && /^\s*-?\d+\s*$/.test(s) ? Number(s) : s;

export function parseCapabilities(
  list: readonly string[] = [],
): { functionCode: number; minCompliance: number; minCount: number }[] {
  return list.map((c) => {
    const m = /^\s*(\d{1,3}):(\d{1,3}):(\d{1,3})\s*$/.exec(c);
    if (!m)
      throw usageError(
        `--expect-cap "${c.slice(0, 30)}": expected FC:LEVEL:COUNT, e.g. 4:1:1 (function code, minimum compliance, minimum count)`,
      );
    return { functionCode: Number(m[1]), minCompliance: Number(m[2]), minCount: Number(m[3]) };
  });
}

export function stepOptionsInput(f: StepOptionFlags): Record<string, unknown> {
  return {
    timeoutMs: f.timeout === undefined ? 0 : num(f.timeout),
    autoVerify: f.autoVerify === true,
    expectedCapabilities: parseCapabilities(f.expectCap),
  };
}

/** The profile as the validator takes it (unchecked). */
export function profileInput(f: ProfileFlags): Record<string, unknown> {
  const strategy = f.strategy ?? (f.addresses !== undefined ? 'manual' : 'sequential');
  const manual = f.addresses === undefined ? [] : f.addresses.split(',').map((a) => num(a.trim()));
  return {
    name: f.name,
    deviceCount:
      f.count === undefined ? (strategy === 'manual' ? manual.length : undefined) : num(f.count),
    addressStrategy: strategy,
    startAddress: num(f.startAddress ?? '1'),
    manualAddresses: manual,
    baud: num(f.baud ?? '9600'),
    ...stepOptionsInput(f),
  };
}

/** Whether any profile field was given as a flag (then --profile is not allowed too). */
export function anyProfileFlag(f: ProfileFlags): boolean {
  return (
    [f.name, f.count, f.strategy, f.startAddress, f.addresses, f.baud, f.timeout].some(
      (v) => v !== undefined,
    ) ||
    f.autoVerify === true ||
    (f.expectCap?.length ?? 0) > 0
  );
}

/** A problem's field path told as the flag, e.g. `manualAddresses[3]` → `--addresses (item 4)`. */
export function flagFor(field: string): string {
  const m = /^(?:profile\.)?([A-Za-z]+)(?:\[(\d+)\])?/.exec(field);
  if (!m || !FIELD_FLAGS[m[1]!]) return field;
  return m[2] === undefined
    ? FIELD_FLAGS[m[1]!]!
    : `${FIELD_FLAGS[m[1]!]!} (item ${Number(m[2]) + 1})`;
}
