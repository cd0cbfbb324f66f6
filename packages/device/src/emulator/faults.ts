// The emulator's --faults SPEC: which simulated reader (PD) misbehaves, and how.
//
//   SPEC   := ITEM ( "," ITEM )*
//   ITEM   := STEP ":" FAULT ( "+" FAULT )*        faults of the reader of step STEP
//           | "random:" P [ "@" SEED ]             every other reader: one random fault with probability P
//   STEP   := 0..125, the step index as the link shows it (slot steps and live quick-steps alike)
//   FAULT  := NAME [ "=" VALUE ]
//
// Example: `3:absent,5:keyed-other,7:slow=400+noisy=0.01,random:0.2@7`. Explicit items win over random.

import { Prng } from '@osprio/bus';
import { randomBytes } from 'node:crypto';
import type { SimPdFault } from '@osprio/bus';

/** One fault as written in the SPEC (a value of null = the fault's default). */
export interface FaultItem {
  name: FaultName;
  value: number | null;
}

/** Factory overrides a fault may carry besides SimPd faults (a reader not at factory settings). */
export interface ReaderSetup {
  faults: SimPdFault[];
  /** Factory address/baud different from 0 @ 9600. */
  address?: number;
  baud?: number;
}

interface FaultDef {
  help: string;
  /** Validates VALUE (null = absent); returns a problem or null. */
  check(v: number | null): string | null;
  apply(v: number | null, setup: ReaderSetup): void;
}

/** The OSDP line rates (kept here: the emulator's discovery and its readers' factory bauds). */
export const STANDARD_BAUDS: readonly number[] = [9600, 19200, 38400, 57600, 115200, 230400];
const none = (v: number | null) => (v === null ? null : 'takes no value');
const intIn = (lo: number, hi: number) => (v: number | null) =>
  v === null || (Number.isInteger(v) && v >= lo && v <= hi) ? null : `value must be an integer ${lo}..${hi}`;

const DEFS = {
  absent: { help: 'no reader answers at all (dead or unplugged)', check: none, apply: (_v, s) => s.faults.push({ kind: 'absent' }) },
  'keyed-other': {
    help: 'already keyed with another SCBK, not in install mode',
    check: none,
    // A random key nobody knows: the commissioning must end in scbk_rejected.
    apply: (_v, s) => s.faults.push({ kind: 'keyed', scbk: new Uint8Array(randomBytes(16)) }),
  },
  slow: { help: 'answers after =MS ms (default 250, beyond the 200 ms the spec allows)', check: intIn(1, 5000), apply: (v, s) => s.faults.push({ kind: 'slow', replyDelayMs: v ?? 250 }) },
  noisy: {
    help: 'noisy drop cable: each byte corrupted with probability =P (default 0.01)',
    check: (v) => (v === null || (v > 0 && v < 1) ? null : 'value must be a probability between 0 and 1'),
    apply: (v, s) => s.faults.push({ kind: 'noisy', byteErrorRate: v ?? 0.01 }),
  },
  'silent-after-comset': { help: 'applies COMSET, then never answers again until power-cycled', check: none, apply: (_v, s) => s.faults.push({ kind: 'silent_after_comset' }) },
  'other-address': { help: 'DIP switches win: takes address =N (default 126) instead of the one set', check: intIn(0, 126), apply: (v, s) => s.faults.push({ kind: 'other_address', address: v ?? 126 }) },
  'stays-at-old-baud': { help: 'acknowledges the new baud but its UART stays at the old one', check: none, apply: (_v, s) => s.faults.push({ kind: 'stays_at_old_baud' }) },
  'nak-keyset': { help: 'refuses KEYSET with a NAK', check: none, apply: (_v, s) => s.faults.push({ kind: 'nak_keyset' }) },
  'plaintext-keyset-ack': { help: 'acknowledges KEYSET in plaintext (HID-style)', check: none, apply: (_v, s) => s.faults.push({ kind: 'plaintext_keyset_ack' }) },
  reboot: { help: 'loses power instead of sending its =N-th reply (default 3)', check: intIn(1, 1000), apply: (v, s) => s.faults.push({ kind: 'reboot', atReply: v ?? 3 }) },
  'at-baud': {
    help: 'factory baud =B instead of 9600 (default 19200)',
    check: (v) => (v === null || STANDARD_BAUDS.includes(v) ? null : `value must be one of ${STANDARD_BAUDS.join(', ')}`),
    apply: (v, s) => (s.baud = v ?? 19200),
  },
  'at-address': { help: 'factory address =N instead of 0 (default 1)', check: intIn(0, 126), apply: (v, s) => (s.address = v ?? 1) },
} satisfies Record<string, FaultDef>;

export type FaultName = keyof typeof DEFS;
export const FAULT_NAMES = Object.keys(DEFS) as FaultName[];

/** What random:P picks from: faults a technician meets in the field, each recoverable by a retry or visible as an outcome. */
const RANDOM_POOL: FaultItem[] = [
  { name: 'absent', value: null },
  { name: 'keyed-other', value: null },
  { name: 'slow', value: null },
  { name: 'noisy', value: null },
  { name: 'at-baud', value: 19200 },
  { name: 'nak-keyset', value: null },
  { name: 'reboot', value: null },
];

export interface FaultPlan {
  /** step index → faults of its reader */
  readonly byStep: ReadonlyMap<number, readonly FaultItem[]>;
  readonly random: { p: number; seed: number } | null;
}

export const NO_FAULTS: FaultPlan = { byStep: new Map(), random: null };

export class FaultSpecError extends Error {
  override name = 'FaultSpecError';
}

export const FAULT_SPEC_HELP =
  'SPEC is a comma-separated list of STEP:FAULT[+FAULT…] (STEP = step index 0..125) and/or random:P[@SEED].\n' +
  'FAULT is NAME or NAME=VALUE:\n' +
  FAULT_NAMES.map((n) => `  ${n.padEnd(22)}${DEFS[n].help}`).join('\n') +
  '\nExample: --faults 3:absent,5:keyed-other,7:slow=400+noisy,random:0.1@42';

function num(s: string): number | null {
  return /^-?\d+(\.\d+)?$/.test(s) ? Number(s) : null;
}

function parseFault(text: string, where: string): FaultItem {
  const eq = text.indexOf('=');
  const name = (eq < 0 ? text : text.slice(0, eq)).trim();
  if (!(FAULT_NAMES as string[]).includes(name)) throw new FaultSpecError(`${where}: unknown fault "${name.slice(0, 40)}" (known: ${FAULT_NAMES.join(', ')})`);
  let value: number | null = null;
  if (eq >= 0) {
    value = num(text.slice(eq + 1).trim());
    if (value === null) throw new FaultSpecError(`${where}: ${name}= needs a number`);
  }
  const problem = DEFS[name as FaultName].check(value);
  if (problem) throw new FaultSpecError(`${where}: ${name}: ${problem}`);
  return { name: name as FaultName, value };
}

/** Parses a SPEC; throws FaultSpecError with a one-line reason. An empty SPEC means no faults. */
export function parseFaultSpec(spec: string): FaultPlan {
  const byStep = new Map<number, FaultItem[]>();
  let random: FaultPlan['random'] = null;
  if (spec.trim() === '') return NO_FAULTS;
  if (spec.length > 4000) throw new FaultSpecError('fault spec too long');
  for (const raw of spec.split(',')) {
    const item = raw.trim();
    const colon = item.indexOf(':');
    if (colon < 0) throw new FaultSpecError(`"${item.slice(0, 40)}": expected STEP:FAULT or random:P`);
    const head = item.slice(0, colon).trim();
    const rest = item.slice(colon + 1).trim();
    if (head === 'random') {
      if (random) throw new FaultSpecError('random: given twice');
      const [pText, seedText] = rest.split('@');
      const p = num((pText ?? '').trim());
      if (p === null || p < 0 || p > 1) throw new FaultSpecError('random: P must be a probability between 0 and 1');
      const seed = seedText === undefined ? 1 : num(seedText.trim());
      if (seed === null || !Number.isInteger(seed) || seed < 0) throw new FaultSpecError('random: @SEED must be a non-negative integer');
      random = { p, seed };
      continue;
    }
    const step = /^\d{1,3}$/.test(head) ? Number(head) : NaN;
    if (!(step >= 0 && step <= 125)) throw new FaultSpecError(`"${head.slice(0, 40)}": STEP must be a step index 0..125`);
    if (rest === '') throw new FaultSpecError(`step ${step}: no fault given`);
    const faults = rest.split('+').map((f) => parseFault(f, `step ${step}`));
    byStep.set(step, [...(byStep.get(step) ?? []), ...faults]);
  }
  return { byStep, random };
}

/** The faults of the reader of `stepIndex` (deterministic for random:P). */
export function faultsFor(plan: FaultPlan, stepIndex: number): readonly FaultItem[] {
  const explicit = plan.byStep.get(stepIndex);
  if (explicit) return explicit;
  if (!plan.random) return [];
  const prng = new Prng(plan.random.seed).fork(`reader:${stepIndex}`);
  if (!prng.chance(plan.random.p)) return [];
  return [RANDOM_POOL[prng.int(RANDOM_POOL.length)]!];
}

/** Builds a reader's SimPd faults and factory settings. Fresh key material per call. */
export function readerSetup(items: readonly FaultItem[]): ReaderSetup {
  const setup: ReaderSetup = { faults: [] };
  for (const it of items) DEFS[it.name].apply(it.value, setup);
  return setup;
}

/** A short description for the start banner (never key material). */
export function describePlan(plan: FaultPlan): string {
  const parts = [...plan.byStep.entries()].sort((a, b) => a[0] - b[0]).map(([s, f]) => `${s}:${f.map((x) => (x.value === null ? x.name : `${x.name}=${x.value}`)).join('+')}`);
  if (plan.random) parts.push(`random:${plan.random.p}@${plan.random.seed}`);
  return parts.length ? parts.join(',') : 'none';
}
