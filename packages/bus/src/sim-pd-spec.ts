// A one-line text form of a simulated PD, for command lines (`osprio sim pd --pd <spec>`):
//   address=0,baud=9600,name=door,seed=7,fault=slow:350,fault=nak-keyset
// Faults: see SIM_PD_FAULT_HELP below (parseSimPdFault is the one grammar for every command line).
// `keyed` gives the PD an SCBK derived from its seed: keys never travel on a command line.

import { seededBytes } from '@osprio/osdp';
import type { SimPdFault, SimPdOptions } from './sim-pd.ts';
import { SIM_PD_FAULT_HELP } from './sim-pd-fault-help.ts';

export class SimPdSpecError extends Error {
  override name = 'SimPdSpecError';
}

/** The parsed form always has `config` and `faults`. */
export type SimPdSpec = SimPdOptions &
  Required<Pick<SimPdOptions, 'config'>> & { faults: SimPdFault[] };

export function parseSimPdSpec(text: string): SimPdSpec {
  const config: NonNullable<SimPdOptions['config']> = {};
  const faults: SimPdFault[] = [];
  let name: string | undefined;
  let seed = 1;
  let keyed = false;
  for (const part of text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const eq = part.indexOf('=');
    if (eq < 0)
      throw new SimPdSpecError(
        `"${part}": expected key=value (address, baud, name, seed, install, fault)`,
      );
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    switch (key) {
      case 'address':
        config.address = int(value, 0, 0x7e, 'address');
        break;
      case 'baud':
        config.baud = int(value, 300, 4_000_000, 'baud');
        break;
      case 'name':
        if (!/^[\w.-]+$/.test(value))
          throw new SimPdSpecError(`name "${value}": letters, digits, '.', '_' and '-' only`);
        name = value;
        break;
      case 'seed':
        seed = int(value, 0, 0xffffffff, 'seed');
        break;
      case 'install':
        if (value !== '0' && value !== '1')
          throw new SimPdSpecError(`install must be 0 or 1, got "${value}"`);
        config.installMode = value === '1';
        break;
      case 'fault': {
        const f = parseSimPdFault(value);
        if (f.kind === 'keyed') keyed = true;
        else faults.push(f);
        break;
      }
      default:
        throw new SimPdSpecError(
          `unknown PD setting "${key}" (address, baud, name, seed, install, fault)`,
        );
    }
  }
  config.random = { seed };
  if (keyed) faults.push({ kind: 'keyed', scbk: seededBytes(seed ^ 0x5eed, 0, 16) });
  return { ...(name ? { name } : {}), config, faults };
}

/** A fault as written on a command line; `keyed` gets its key from whoever builds the PD. */
export type SimPdFaultSpec = Exclude<SimPdFault, { kind: 'keyed' }> | { kind: 'keyed' };

export { SIM_PD_FAULT_HELP };

export const SIM_PD_FAULT_NAMES = SIM_PD_FAULT_HELP.map(([f]) => f.split('[')[0]!);

/**
 * Parses one fault: `name[:arg…]`, names hyphenated (underscores accepted too). Throws
 * SimPdSpecError with a one-line reason. Shared by `osprio sim pd` and the device emulator.
 */
export function parseSimPdFault(text: string): SimPdFaultSpec {
  const [rawKind = '', ...args] = text.trim().split(':');
  const kind = rawKind.trim().toLowerCase().replace(/_/g, '-');
  const none = () => {
    if (args.length) throw new SimPdSpecError(`fault ${kind} takes no argument`);
  };
  switch (kind) {
    case 'absent':
      none();
      return { kind: 'absent' };
    case 'plaintext-keyset-ack':
      none();
      return { kind: 'plaintext_keyset_ack' };
    case 'silent-after-comset':
      none();
      return { kind: 'silent_after_comset' };
    case 'keyed':
      none();
      return { kind: 'keyed' };
    case 'enforce-secure':
      none();
      return { kind: 'enforce_secure' };
    case 'other-address': {
      const address =
        args[0] === undefined || args[0] === 'requested'
          ? 126
          : int(args[0], 0, 0x7e, 'other-address address');
      const flag = args[0] === 'requested' ? args[0] : args[1];
      if (flag !== undefined && flag !== 'requested')
        throw new SimPdSpecError('other-address: the last argument may only be "requested"');
      return flag
        ? { kind: 'other_address', address, reports: 'requested' }
        : { kind: 'other_address', address };
    }
    case 'stays-at-old-baud':
      if (args[0] !== undefined && args[0] !== 'actual')
        throw new SimPdSpecError('stays-at-old-baud: the argument may only be "actual"');
      return args[0]
        ? { kind: 'stays_at_old_baud', reports: 'actual' }
        : { kind: 'stays_at_old_baud' };
    case 'nak-keyset':
      return args[0] === undefined
        ? { kind: 'nak_keyset' }
        : { kind: 'nak_keyset', code: int(args[0], 0, 0xff, 'nak-keyset code') };
    case 'reboot': {
      const rest = args.slice();
      const atReply =
        rest[0] !== undefined && rest[0] !== 'applied'
          ? int(rest.shift()!, 1, 1_000_000, 'reboot reply number')
          : 3;
      const applied = rest[0] === 'applied';
      if (applied) rest.shift();
      const down = rest.shift();
      if (rest.length) throw new SimPdSpecError('reboot takes at most :N:applied:DOWN_MS');
      return {
        kind: 'reboot',
        atReply,
        applied,
        ...(down === undefined ? {} : { downMs: int(down, 0, 600_000, 'reboot down time (ms)') }),
      };
    }
    case 'slow':
      return {
        kind: 'slow',
        replyDelayMs:
          args[0] === undefined ? 250 : int(args[0], 0, 600_000, 'slow reply delay (ms)'),
      };
    case 'noisy': {
      if (args[0] === undefined) return { kind: 'noisy', byteErrorRate: 0.01 };
      const rate = Number(args[0]);
      if (!/^\d*\.?\d+$/.test(args[0]) || !(rate >= 0 && rate <= 1))
        throw new SimPdSpecError(`noisy needs a byte error rate 0…1, got "${args[0]}"`);
      return { kind: 'noisy', byteErrorRate: rate };
    }
    default:
      throw new SimPdSpecError(
        `unknown fault "${rawKind.slice(0, 40)}" (known: ${SIM_PD_FAULT_NAMES.join(', ')})`,
      );
  }
}

function int(text: string, min: number, max: number, what: string): number {
  const t = text.trim();
  const n = /^0x[0-9a-f]+$/i.test(t) ? parseInt(t, 16) : /^\d+$/.test(t) ? Number(t) : NaN;
  if (!Number.isInteger(n) || n < min || n > max)
    throw new SimPdSpecError(`${what} must be an integer ${min}…${max}, got "${text}"`);
  return n;
}
