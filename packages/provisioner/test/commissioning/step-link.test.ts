// How the link's handshake errors reach the machine: the typed secure-channel failure carried
// through field by field, and the link's own additions (stage, frame, tries) left behind.
import { describe, expect, it } from 'vitest';
import type { AcuError, ScError } from '@osprio/osdp';
import {
  commandResult,
  handshakeFailure,
  handshakeResult,
  toPdReply,
} from '../../src/commissioning/step-link.ts';

const frame = { address: 5 } as never;
const withLink = (e: ScError): AcuError => ({ ...e, stage: 'chlng', frame }) as AcuError;

describe('handshakeFailure', () => {
  it('keeps every secure-channel failure with exactly its own fields', () => {
    const cases: ScError[] = [
      { kind: 'sc_bad_message', reason: 'CCRYPT of 31 bytes' },
      { kind: 'sc_key_indicator_mismatch', sent: 1, echoed: 0 },
      { kind: 'sc_rmac_status', status: 0xff },
      { kind: 'sc_key_refused', kk: 0 },
      { kind: 'sc_cryptogram_mismatch' },
      { kind: 'sc_rmac_mismatch' },
      { kind: 'sc_mac_mismatch' },
      { kind: 'sc_bad_padding' },
      { kind: 'sc_not_secured' },
    ];
    for (const e of cases) expect(handshakeFailure(withLink(e))).toStrictEqual(e);
  });

  it("names the link's own failures in the machine's words", () => {
    expect(
      handshakeFailure({ kind: 'timeout', stage: 'chlng', tries: 3 } as AcuError),
    ).toStrictEqual({
      kind: 'no_reply',
    });
    expect(
      handshakeFailure({
        kind: 'bad_reply',
        stage: 'chlng',
        reason: 'bad CRC',
        tries: 3,
      } as AcuError),
    ).toStrictEqual({ kind: 'bad_reply' });
    expect(handshakeFailure({ kind: 'busy', stage: 'chlng', count: 4 } as AcuError)).toStrictEqual({
      kind: 'busy',
    });
    const nak = {
      kind: 'nak',
      stage: 'chlng',
      code: 5,
      detail: new Uint8Array(0),
      sessionDropped: true,
      restarted: false,
      frame,
    };
    expect(handshakeFailure(nak as AcuError)).toStrictEqual({ kind: 'nak', code: 5 });
  });

  it('is the whole result: ok, or failed with the typed failure', () => {
    expect(handshakeResult({ ok: true } as never)).toStrictEqual({ kind: 'handshake_ok' });
    expect(
      handshakeResult({ ok: false, error: withLink({ kind: 'sc_rmac_mismatch' }) } as never),
    ).toStrictEqual({ kind: 'handshake_failed', failure: { kind: 'sc_rmac_mismatch' } });
  });
});

describe('commandResult', () => {
  const failed = (error: object) => commandResult({ ok: false, error } as never);

  it("says what the link saw, and treats the runner's own mistakes as bugs", () => {
    expect(failed({ kind: 'busy', stage: 'command', count: 4 })).toEqual({
      kind: 'bad_reply',
      why: 'PD answered osdp_BUSY 4 times',
    });
    expect(failed({ kind: 'sc_no_session', stage: 'command' })).toEqual({
      kind: 'bad_reply',
      why: 'no secure-channel session',
    });
    expect(() => failed({ kind: 'bad_request', stage: 'command', reason: 'x' })).toThrow(
      'OSDP link: bad request (x)',
    );
    expect(() => failed({ kind: 'link_busy', stage: 'command' })).toThrow('OSDP link: link busy');
    expect(() => failed({ kind: 'cancelled', stage: 'command' })).toThrow('OSDP link: cancelled');
    for (const kind of ['link_busy', 'cancelled', 'bad_request', 'sc_no_session'])
      expect(() => handshakeFailure({ kind, stage: 'chlng', reason: 'r' } as never)).toThrow(
        /^OSDP link: /,
      );
  });
});

describe('toPdReply', () => {
  it('writes a PDID as vendor hex and a dotted firmware version', () => {
    const r = toPdReply({
      kind: 'PDID',
      vendor: Uint8Array.of(0x0a, 0x00, 0x17),
      model: 3,
      version: 4,
      serial: 99,
      firmware: { major: 1, minor: 2, build: 30 },
    } as never);
    expect(r).toEqual({
      code: 'PDID',
      id: { vendor: '0a0017', model: 3, version: 4, serial: 99, firmware: '1.2.30' },
    });
  });
});
