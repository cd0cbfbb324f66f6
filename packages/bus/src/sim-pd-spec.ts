// A one-line text form of a simulated PD, for command lines (`osprio sim pd --pd <spec>`):
//   address=0,baud=9600,name=door,seed=7,fault=slow:350,fault=nak_keyset
// Faults: absent | silent_after_comset | other_address:<addr>[:requested] |
//   stays_at_old_baud[:actual] | keyed | nak_keyset[:<code>] | plaintext_keyset_ack |
//   reboot:<nth reply>[:applied][:<down ms>] | slow:<ms> | noisy:<byte error rate>
// `keyed` gives the PD an SCBK derived from its seed: keys never travel on a command line.

import { seededBytes } from '@osprio/osdp';
import type { SimPdFault, SimPdOptions } from './sim-pd.ts';

export class SimPdSpecError extends Error {
  override name = 'SimPdSpecError';
}

/** The parsed form always has `config` and `faults`. */
export type SimPdSpec = SimPdOptions & Required<Pick<SimPdOptions, 'config'>> & { faults: SimPdFault[] };

export function parseSimPdSpec(text: string): SimPdSpec {
  const config: NonNullable<SimPdOptions['config']> = {};
  const faults: SimPdFault[] = [];
  let name: string | undefined;
  let seed = 1;
  let keyed = false;
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const eq = part.indexOf('=');
    if (eq < 0) throw new SimPdSpecError(`"${part}": expected key=value (address, baud, name, seed, install, fault)`);
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
        if (!/^[\w.-]+$/.test(value)) throw new SimPdSpecError(`name "${value}": letters, digits, '.', '_' and '-' only`);
        name = value;
        break;
      case 'seed':
        seed = int(value, 0, 0xffffffff, 'seed');
        break;
      case 'install':
        if (value !== '0' && value !== '1') throw new SimPdSpecError(`install must be 0 or 1, got "${value}"`);
        config.installMode = value === '1';
        break;
      case 'fault': {
        const f = parseFault(value);
        if (f === 'keyed') keyed = true;
        else faults.push(f);
        break;
      }
      default:
        throw new SimPdSpecError(`unknown PD setting "${key}" (address, baud, name, seed, install, fault)`);
    }
  }
  config.random = { seed };
  if (keyed) faults.push({ kind: 'keyed', scbk: seededBytes(seed ^ 0x5eed, 0, 16) });
  return { ...(name ? { name } : {}), config, faults };
}

function parseFault(text: string): SimPdFault | 'keyed' {
  const [kind = '', ...args] = text.split(':');
  const none = () => {
    if (args.length) throw new SimPdSpecError(`fault ${kind} takes no argument`);
  };
  switch (kind) {
    case 'absent':
    case 'plaintext_keyset_ack':
      none();
      return { kind };
    case 'silent_after_comset':
      none();
      return { kind };
    case 'keyed':
      none();
      return 'keyed';
    case 'other_address': {
      const address = int(args[0] ?? '', 0, 0x7e, 'other_address address');
      if (args[1] !== undefined && args[1] !== 'requested') throw new SimPdSpecError(`other_address: second argument may only be "requested"`);
      return args[1] ? { kind, address, reports: 'requested' } : { kind, address };
    }
    case 'stays_at_old_baud':
      if (args[0] !== undefined && args[0] !== 'actual') throw new SimPdSpecError(`stays_at_old_baud: argument may only be "actual"`);
      return args[0] ? { kind, reports: 'actual' } : { kind };
    case 'nak_keyset':
      return args[0] === undefined ? { kind } : { kind, code: int(args[0], 0, 0xff, 'nak_keyset code') };
    case 'reboot': {
      const atReply = int(args[0] ?? '', 1, 1_000_000, 'reboot reply number');
      const rest = args.slice(1);
      const applied = rest[0] === 'applied';
      const down = applied ? rest[1] : rest[0];
      return { kind, atReply, applied, ...(down === undefined ? {} : { downMs: int(down, 0, 600_000, 'reboot down time (ms)') }) };
    }
    case 'slow':
      return { kind, replyDelayMs: int(args[0] ?? '', 0, 600_000, 'slow reply delay (ms)') };
    case 'noisy': {
      const rate = Number(args[0]);
      if (!args[0] || !Number.isFinite(rate) || rate < 0 || rate > 1) throw new SimPdSpecError(`noisy needs a byte error rate 0…1, got "${args[0] ?? ''}"`);
      return { kind, byteErrorRate: rate };
    }
    default:
      throw new SimPdSpecError(
        `unknown fault "${kind}" (absent, silent_after_comset, other_address:<a>, stays_at_old_baud, keyed, nak_keyset, plaintext_keyset_ack, reboot:<n>, slow:<ms>, noisy:<rate>)`,
      );
  }
}

function int(text: string, min: number, max: number, what: string): number {
  const t = text.trim();
  const n = /^0x[0-9a-f]+$/i.test(t) ? parseInt(t, 16) : /^\d+$/.test(t) ? Number(t) : NaN;
  if (!Number.isInteger(n) || n < min || n > max) throw new SimPdSpecError(`${what} must be an integer ${min}…${max}, got "${text}"`);
  return n;
}
