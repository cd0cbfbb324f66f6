import { describe, expect, it } from 'vitest';
import {
  parseSimPdFault,
  parseSimPdSpec,
  SIM_PD_FAULT_HELP,
  SIM_PD_FAULT_NAMES,
  SimPdSpecError,
} from '../src/sim-pd-spec.ts';

describe('parseSimPdSpec', () => {
  it('reads settings and faults', () => {
    expect(
      parseSimPdSpec(
        'address=0x10, baud=19200, name=door, seed=7, install=0, fault=slow:350, fault=noisy:0.01',
      ),
    ).toEqual({
      name: 'door',
      config: { address: 16, baud: 19200, installMode: false, random: { seed: 7 } },
      faults: [
        { kind: 'slow', replyDelayMs: 350 },
        { kind: 'noisy', byteErrorRate: 0.01 },
      ],
    });
    expect(parseSimPdSpec('').faults).toEqual([]);
  });

  it.each([
    ['fault=absent', { kind: 'absent' }],
    ['fault=silent_after_comset', { kind: 'silent_after_comset' }],
    ['fault=other_address:9', { kind: 'other_address', address: 9 }],
    [
      'fault=other_address:9:requested',
      { kind: 'other_address', address: 9, reports: 'requested' },
    ],
    ['fault=stays_at_old_baud', { kind: 'stays_at_old_baud' }],
    ['fault=stays_at_old_baud:actual', { kind: 'stays_at_old_baud', reports: 'actual' }],
    ['fault=nak_keyset', { kind: 'nak_keyset' }],
    ['fault=nak_keyset:6', { kind: 'nak_keyset', code: 6 }],
    ['fault=plaintext_keyset_ack', { kind: 'plaintext_keyset_ack' }],
    ['fault=enforce-secure', { kind: 'enforce_secure' }],
    ['fault=reboot:4', { kind: 'reboot', atReply: 4, applied: false }],
    ['fault=reboot:4:applied:250', { kind: 'reboot', atReply: 4, applied: true, downMs: 250 }],
  ])('%s', (spec, fault) => {
    expect(parseSimPdSpec(spec).faults).toEqual([fault]);
  });

  it('derives the key of a keyed PD from its seed (no key on the command line)', () => {
    const a = parseSimPdSpec('seed=3,fault=keyed').faults[0]!;
    const b = parseSimPdSpec('seed=4,fault=keyed').faults[0]!;
    expect(a.kind).toBe('keyed');
    if (a.kind !== 'keyed' || b.kind !== 'keyed') throw new Error('unreachable');
    expect(a.scbk).toHaveLength(16);
    expect(a.scbk).not.toEqual(b.scbk);
    expect(parseSimPdSpec('seed=3,fault=keyed').faults[0]).toEqual(a);
  });

  it.each([
    ['address=200', /address must be an integer 0…126/],
    ['baud=fast', /baud must be an integer/],
    ['colour=red', /unknown PD setting "colour"/],
    ['address', /expected key=value/],
    ['fault=gremlins', /unknown fault "gremlins"/],
    ['fault=slow:soon', /slow reply delay/],
    ['fault=reboot:1:applied:5:9', /at most/],
    ['fault=noisy:2', /byte error rate 0…1/],
    ['fault=absent:1', /takes no argument/],
    ['install=yes', /install must be 0 or 1/],
  ])('rejects %j', (spec, msg) => {
    expect(() => parseSimPdSpec(spec)).toThrow(SimPdSpecError);
    expect(() => parseSimPdSpec(spec)).toThrow(msg);
  });
});

describe('parseSimPdFault: the one fault grammar of every command line', () => {
  it.each([
    ['slow', { kind: 'slow', replyDelayMs: 250 }],
    ['noisy', { kind: 'noisy', byteErrorRate: 0.01 }],
    ['reboot', { kind: 'reboot', atReply: 3, applied: false }],
    ['reboot:applied', { kind: 'reboot', atReply: 3, applied: true }],
    ['other-address', { kind: 'other_address', address: 126 }],
    ['other-address:requested', { kind: 'other_address', address: 126, reports: 'requested' }],
    ['nak-keyset:6', { kind: 'nak_keyset', code: 6 }],
    ['NAK_KEYSET', { kind: 'nak_keyset' }],
    ['keyed', { kind: 'keyed' }],
  ])('%s gets its documented defaults', (text, fault) => {
    expect(parseSimPdFault(text)).toEqual(fault);
  });

  it('documents exactly the names it accepts', () => {
    expect(SIM_PD_FAULT_NAMES).toHaveLength(SIM_PD_FAULT_HELP.length);
    for (const name of SIM_PD_FAULT_NAMES) expect(() => parseSimPdFault(name)).not.toThrow();
  });
});
