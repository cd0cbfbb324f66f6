// The emulator's --faults SPEC: which simulated reader (PD) misbehaves, and how.
//
//   SPEC   := ITEM ( "," ITEM )*
//   ITEM   := STEP ":" FAULT ( "+" FAULT )*        faults of the reader of step STEP
//           | "random:" P [ "@" SEED ]             every other reader: one random fault with probability P
//   STEP   := 0..125, the step index as the link shows it (slot steps and live quick-steps alike)
//   FAULT  := a PD fault in the one grammar of @osprio/bus (parseSimPdFault: absent, keyed,
//             slow[:MS], noisy[:RATE], reboot[:N] …)
//           | at-baud[:B] | at-address[:N]          a reader not at factory settings (9600, address 0)
//
// Example: `3:absent,5:keyed,7:slow:400+noisy:0.01,random:0.2@7`. Explicit items win over random.

import { OSDP_BAUDS } from '@osprio/osdp';
import {
  Prng,
  SIM_PD_FAULT_HELP,
  SIM_PD_FAULT_NAMES,
  SimPdSpecError,
  parseSimPdFault,
} from '@osprio/bus';
import type { SimPdFault, SimPdFaultSpec } from '@osprio/bus';
import { randomBytes } from 'node:crypto';

/** One fault of a reader: its SPEC text and what it means. */
export type FaultItem = { text: string } & (
  | { name: string; fault: SimPdFaultSpec }
  | { name: 'at-baud'; baud: number }
  | { name: 'at-address'; address: number }
);

/** Factory overrides a fault may carry besides SimPd faults (a reader not at factory settings). */
export interface ReaderSetup {
  faults: SimPdFault[];
  /** Factory address/baud different from 0 @ 9600. */
  address?: number;
  baud?: number;
}

const SETUP_HELP: readonly [string, string][] = [
  ['at-baud[:B]', 'factory baud B instead of 9600 (default 19200)'],
  ['at-address[:N]', 'factory address N instead of 0 (default 1)'],
];

/** Every fault name the SPEC takes: the PD faults of @osprio/bus and the two factory settings. */
export const FAULT_NAMES: readonly string[] = [...SIM_PD_FAULT_NAMES, 'at-baud', 'at-address'];

/** What random:P picks from: faults a technician meets in the field, each recoverable by a retry or visible as an outcome. */
const RANDOM_POOL: readonly string[] = [
  'absent',
  'keyed',
  'slow',
  'noisy',
  'at-baud:19200',
  'nak-keyset',
  'reboot',
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
  'FAULT is one of:\n' +
  [...SIM_PD_FAULT_HELP, ...SETUP_HELP].map(([n, h]) => `  ${n.padEnd(32)}${h}`).join('\n') +
  '\nExample: --faults 3:absent,5:keyed,7:slow:400+noisy,random:0.1@42';

function num(s: string): number | null {
  return /^-?\d+(\.\d+)?$/.test(s) ? Number(s) : null;
}

function parseFault(text: string, where: string): FaultItem {
  const t = text.trim();
  const [name = '', arg, ...more] = t.split(':');
  if (name === 'at-baud' || name === 'at-address') {
    if (more.length) throw new FaultSpecError(`${where}: ${name} takes one value`);
    const v = arg === undefined ? null : num(arg.trim());
    if (arg !== undefined && v === null)
      throw new FaultSpecError(`${where}: ${name}: needs a number`);
    if (name === 'at-baud') {
      const baud = v ?? 19200;
      if (!(OSDP_BAUDS as readonly number[]).includes(baud))
        throw new FaultSpecError(
          `${where}: at-baud: value must be one of ${OSDP_BAUDS.join(', ')}`,
        );
      return { text: `at-baud:${baud}`, name, baud };
    }
    const address = v ?? 1;
    if (!Number.isInteger(address) || address < 0 || address > 126)
      throw new FaultSpecError(`${where}: at-address: value must be an integer 0..126`);
    return { text: `at-address:${address}`, name, address };
  }
  const canonical = name.trim().toLowerCase().replace(/_/g, '-');
  if (!FAULT_NAMES.includes(canonical))
    throw new FaultSpecError(
      `${where}: unknown fault "${name.slice(0, 40)}" (known: ${FAULT_NAMES.join(', ')})`,
    );
  try {
    return { text: t, name: canonical, fault: parseSimPdFault(t) };
  } catch (e) {
    if (e instanceof SimPdSpecError) throw new FaultSpecError(`${where}: ${e.message}`);
    throw e;
  }
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
    if (colon < 0)
      throw new FaultSpecError(`"${item.slice(0, 40)}": expected STEP:FAULT or random:P`);
    const head = item.slice(0, colon).trim();
    const rest = item.slice(colon + 1).trim();
    if (head === 'random') {
      if (random) throw new FaultSpecError('random: given twice');
      const [pText, seedText] = rest.split('@');
      const p = num((pText ?? '').trim());
      if (p === null || p < 0 || p > 1)
        throw new FaultSpecError('random: P must be a probability between 0 and 1');
      const seed = seedText === undefined ? 1 : num(seedText.trim());
      if (seed === null || !Number.isInteger(seed) || seed < 0)
        throw new FaultSpecError('random: @SEED must be a non-negative integer');
      random = { p, seed };
      continue;
    }
    const step = /^\d{1,3}$/.test(head) ? Number(head) : NaN;
    if (!(step >= 0 && step <= 125))
      throw new FaultSpecError(`"${head.slice(0, 40)}": STEP must be a step index 0..125`);
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
  return [parseFault(RANDOM_POOL[prng.int(RANDOM_POOL.length)]!, 'random')];
}

/** Builds a reader's SimPd faults and factory settings. Fresh key material per call. */
export function readerSetup(items: readonly FaultItem[]): ReaderSetup {
  const setup: ReaderSetup = { faults: [] };
  for (const it of items) {
    if ('baud' in it) setup.baud = it.baud;
    else if ('address' in it) setup.address = it.address;
    // A random key nobody knows: the commissioning must end in scbk_rejected.
    else if (it.fault.kind === 'keyed')
      setup.faults.push({ kind: 'keyed', scbk: new Uint8Array(randomBytes(16)) });
    else setup.faults.push(it.fault);
  }
  return setup;
}

/** A short description for the start banner (never key material). */
export function describePlan(plan: FaultPlan): string {
  const parts = [...plan.byStep.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([s, f]) => `${s}:${f.map((x) => x.text).join('+')}`);
  if (plan.random) parts.push(`random:${plan.random.p}@${plan.random.seed}`);
  return parts.length ? parts.join(',') : 'none';
}
