// Short notes a technician can act on. Nothing here ever sees key material: callers pass only
// addresses, bauds, codes, stage names and typed handshake failures. Protocol names come from
// @osprio/osdp's code tables (one source per fact).
import { BROADCAST, NAK_CODES, PDCAP_FUNCTIONS, hex2 } from '@osprio/osdp';
import type { StageOrQueued } from '../stages.ts';
import type { ExpectedCapability } from '../profile.ts';
import type { HandshakeFailure, PdCapabilityEntry } from './ops.ts';

export function nakText(code: number): string {
  const info = NAK_CODES[code];
  return info ? `NAK 0x${hex2(code)} (${info.meaning})` : `NAK 0x${hex2(code)}`;
}

/** "address 5" or, for a reply to a broadcast that came back as 0xFF, "the broadcast address". */
export function addrText(from: number): string {
  return from === BROADCAST ? 'the broadcast address' : `address ${from}`;
}

export function where(address: number, baud: number): string {
  return `address ${address} at ${baud} baud`;
}

export function functionText(fc: number): string {
  const name = PDCAP_FUNCTIONS[fc];
  // 'Reader LED control' → 'reader LED control'; an acronym ('OSDP version') keeps its case.
  const inline = name && /^[A-Z][a-z]/.test(name) ? name[0]!.toLowerCase() + name.slice(1) : name;
  return inline ? `function ${fc} (${inline})` : `function ${fc}`;
}

/** The first expected capability the PD does not meet, as a note; undefined when all are met. */
export function firstUnmetCapability(
  expected: readonly ExpectedCapability[],
  entries: readonly PdCapabilityEntry[],
): string | undefined {
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

/** A stage as a technician reads it: 'install_session' → 'install session'. */
export function stageText(stage: StageOrQueued): string {
  return stage.replace(/_/g, ' ');
}

/** The failure in snake case, as surfaced in an `sc_…` outcome: 'cryptogram_mismatch', 'nak_05'… */
export function failureCode(f: HandshakeFailure): string {
  switch (f.kind) {
    case 'nak':
      return `nak_${hex2(f.code)}`;
    case 'sc_rmac_status':
      return 'rmac_rejected';
    case 'no_reply':
    case 'bad_reply':
    case 'busy':
      return f.kind;
    default:
      return f.kind.slice('sc_'.length);
  }
}

/** Turns a secure-channel failure into an `sc_…` outcome (lowercase snake case, bounded). */
export function scOutcome(failure: HandshakeFailure): `sc_${string}` {
  return `sc_${failureCode(failure).slice(0, 40)}`;
}

export function scFailureText(f: HandshakeFailure): string {
  switch (f.kind) {
    case 'nak':
      return `the PD answered ${nakText(f.code)}`;
    case 'sc_cryptogram_mismatch':
      return 'the PD’s cryptogram did not match the key';
    case 'no_reply':
      return 'the PD did not answer';
    case 'sc_rmac_status':
      return 'the PD rejected the server cryptogram';
    case 'bad_reply':
      return 'its replies arrived garbled';
    case 'busy':
      return 'the PD kept answering osdp_BUSY';
    default:
      return `secure channel failed (${failureCode(f).replace(/_/g, ' ')})`;
  }
}
