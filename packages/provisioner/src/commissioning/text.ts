// Short notes a technician can act on. Nothing here ever sees key material: callers pass only
// addresses, bauds, codes and stage names.
import { hex2 } from '@osprio/osdp';
import type { Stage } from '../stages.ts';
import type { ExpectedCapability } from '../profile.ts';
import type { PdCapabilityEntry } from './ops.ts';

const NAK_NAMES: Record<number, string> = {
  0x01: 'message check character error',
  0x02: 'command length error',
  0x03: 'unknown command code',
  0x04: 'sequence number error',
  0x05: 'secure channel not supported or not in install mode',
  0x06: 'security conditions not met',
  0x07: 'BIO_TYPE not supported',
  0x08: 'BIO_FORMAT not supported',
  0x09: 'unable to process command record',
};


export function nakText(code: number): string {
  const name = NAK_NAMES[code];
  return name ? `NAK 0x${hex2(code)} (${name})` : `NAK 0x${hex2(code)}`;
}

/** "address 5" or, for a reply to a broadcast that came back as 0xFF, "the broadcast address". */
export function addrText(from: number): string {
  return from === 0x7f ? 'the broadcast address' : `address ${from}`;
}

export function where(address: number, baud: number): string {
  return `address ${address} at ${baud} baud`;
}

const FUNCTION_NAMES: Record<number, string> = {
  1: 'contact status monitoring',
  2: 'output control',
  3: 'card data format',
  4: 'reader LED control',
  5: 'reader audible output',
  6: 'reader text output',
  7: 'time keeping',
  8: 'check character support',
  9: 'communication security',
  10: 'receive buffer size',
  11: 'largest combined message',
  12: 'smart card support',
  13: 'readers',
  14: 'biometrics',
  15: 'secure PIN entry',
  16: 'OSDP version',
};

export function functionText(fc: number): string {
  const name = FUNCTION_NAMES[fc];
  return name ? `function ${fc} (${name})` : `function ${fc}`;
}

/** The first expected capability the PD does not meet, as a note; undefined when all are met. */
export function firstUnmetCapability(expected: readonly ExpectedCapability[], entries: readonly PdCapabilityEntry[]): string | undefined {
  for (const want of expected) {
    const have = entries.filter((e) => e.functionCode === want.functionCode);
    if (have.length === 0) {
      return `PD does not report ${functionText(want.functionCode)}; profile expects compliance ≥ ${want.minCompliance}, count ≥ ${want.minCount}`;
    }
    if (!have.some((e) => e.compliance >= want.minCompliance && e.count >= want.minCount)) {
      const e = have[0]!;
      return `PD reports ${functionText(want.functionCode)} with compliance ${e.compliance}, count ${e.count}; profile expects compliance ≥ ${want.minCompliance}, count ≥ ${want.minCount}`;
    }
  }
  return undefined;
}

export function stageText(stage: Stage): string {
  return stage.replace('_', ' ');
}

/** Turns a secure-channel failure reason into an `sc_…` outcome (lowercase snake case, bounded). */
export function scOutcome(failure: string): `sc_${string}` {
  const clean = failure.toLowerCase().replace(/[^a-z0-9_]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 40);
  return `sc_${clean || 'failure'}`;
}

export function scFailureText(failure: string): string {
  const m = /^nak_([0-9a-f]{2})$/.exec(failure);
  if (m) return `the PD answered ${nakText(parseInt(m[1]!, 16))}`;
  switch (failure) {
    case 'cryptogram_mismatch':
      return 'the PD’s cryptogram did not match the key';
    case 'no_reply':
      return 'the PD did not answer';
    case 'rmac_rejected':
      return 'the PD rejected the server cryptogram';
    case 'bad_reply':
      return 'its replies arrived garbled';
    case 'busy':
      return 'the PD kept answering osdp_BUSY';
    default:
      return `secure channel failed (${failure.replace(/_/g, ' ')})`;
  }
}
