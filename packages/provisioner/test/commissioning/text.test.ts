// The technician's words for each handshake failure, NAK, address and PDCAP function, pinned as a
// table: the exact note and outcome code per case (commissioning.md: notes a technician can act on).
import { describe, expect, it } from 'vitest';
import {
  addrText,
  functionText,
  nakText,
  scFailureText,
  scOutcome,
  stageText,
  where,
} from '../../src/commissioning/text.ts';
import type { HandshakeFailure } from '../../src/commissioning/ops.ts';

describe('what a handshake failure is called', () => {
  const cases: [HandshakeFailure, string, string][] = [
    [
      { kind: 'nak', code: 0x05 },
      'sc_nak_05',
      'the PD answered NAK 0x05 (secure channel not supported, or SCBK-D refused outside install mode)',
    ],
    [{ kind: 'nak', code: 0x7e }, 'sc_nak_7e', 'the PD answered NAK 0x7e'],
    [
      { kind: 'sc_cryptogram_mismatch' },
      'sc_cryptogram_mismatch',
      'the PD’s cryptogram did not match the key',
    ],
    [{ kind: 'no_reply' }, 'sc_no_reply', 'the PD did not answer'],
    [
      { kind: 'sc_rmac_status', status: 0xff },
      'sc_rmac_rejected',
      'the PD rejected the server cryptogram',
    ],
    [{ kind: 'bad_reply' }, 'sc_bad_reply', 'its replies arrived garbled'],
    [{ kind: 'busy' }, 'sc_busy', 'the PD kept answering osdp_BUSY'],
    [{ kind: 'sc_rmac_mismatch' }, 'sc_rmac_mismatch', 'secure channel failed (rmac mismatch)'],
    [
      { kind: 'sc_key_indicator_mismatch', sent: 1, echoed: 0 },
      'sc_key_indicator_mismatch',
      'secure channel failed (key indicator mismatch)',
    ],
    [
      { kind: 'sc_bad_message', reason: 'not osdp_CCRYPT' },
      'sc_bad_message',
      'secure channel failed (bad message)',
    ],
    [{ kind: 'sc_mac_mismatch' }, 'sc_mac_mismatch', 'secure channel failed (mac mismatch)'],
    [{ kind: 'sc_bad_padding' }, 'sc_bad_padding', 'secure channel failed (bad padding)'],
    [{ kind: 'sc_not_secured' }, 'sc_not_secured', 'secure channel failed (not secured)'],
    [{ kind: 'sc_key_refused', kk: 0 }, 'sc_key_refused', 'secure channel failed (key refused)'],
  ];
  it.each(cases)('%j → %s: %s', (failure, outcome, note) => {
    expect(scOutcome(failure)).toBe(outcome);
    expect(scFailureText(failure)).toBe(note);
  });
});

describe('addresses, NAKs, functions and stages in a note', () => {
  it('says them the way the technician reads them', () => {
    expect(nakText(0x06)).toBe('NAK 0x06 (security conditions not met: secure channel required)');
    expect(nakText(0x42)).toBe('NAK 0x42');
    expect(addrText(0x7f)).toBe('the broadcast address');
    expect(addrText(5)).toBe('address 5');
    expect(where(5, 9600)).toBe('address 5 at 9600 baud');
    expect(functionText(4)).toBe('function 4 (reader LED control)');
    expect(functionText(16)).toBe('function 16 (OSDP version)'); // an acronym keeps its case
    expect(functionText(99)).toBe('function 99');
    expect(stageText('install_session')).toBe('install session');
    expect(stageText('key_verify')).toBe('key verify');
  });
});
