// The CP's handshake checks on the security block of CCRYPT and RMAC_I (reference §5.1): a reply
// with no block, another type or a block without its one data byte is refused as a bad message, by
// name; an RMAC_I a PD labels SCS_12 is taken (relabelled), and what the CP keeps is its own copy.
import { describe, expect, it } from 'vitest';
import { fromHex } from '../src/bytes.ts';
import { parseFrame, type Frame } from '../src/frame.ts';
import { SCBK_D } from '../src/sc-crypto.ts';
import { cpChallenge, cpCheckCcrypt, cpCheckRmacI } from '../src/secure-channel.ts';
import { osdpVectors } from '../../../test-support/shared.ts';

const ws = osdpVectors.secure_channel.worked_provisioning_session;
const frameOf = (i: number): Frame => {
  const r = parseFrame(fromHex(ws.steps[i]!.packet_hex));
  if (!r.ok) throw new Error('vector does not parse');
  return r.frame;
};
const ccrypt = frameOf(5);
const rmacI = frameOf(7);
const challenge = () => cpChallenge(0, SCBK_D, fromHex(ws.keys_session1.rnd_a)).state;
const scrypted = () => {
  const c = cpCheckCcrypt(challenge(), ccrypt);
  if (!c.ok) throw new Error(c.error.kind);
  return c;
};
const block = (type: number, data: number[]) => ({ type, data: Uint8Array.from(data) });

describe('the CCRYPT security block', () => {
  it('the worked session’s CCRYPT passes, and cUID and RND.B are its 8-byte fields', () => {
    const c = scrypted();
    expect(c.cUid).toEqual(ccrypt.data.slice(0, 8));
    expect(c.rndB).toEqual(fromHex(ws.keys_session1.rnd_b));
  });
  it.each([
    ['no block', undefined],
    ['an SCS_14 block', block(0x14, [0])],
    ['an SCS_12 block without its key indicator', block(0x12, [])],
  ])('%s: refused as a bad message', (_name, scb) => {
    const { scb: _drop, ...plain } = ccrypt;
    const r = cpCheckCcrypt(challenge(), scb ? { ...plain, scb } : plain);
    expect(r).toEqual({
      ok: false,
      error: { kind: 'sc_bad_message', reason: 'CCRYPT without an SCS_12 block' },
    });
  });
});

describe('the RMAC_I security block', () => {
  it.each([
    ['no block', undefined],
    ['an SCS_13 block', block(0x13, [1])],
    ['an SCS_14 block without its status', block(0x14, [])],
  ])('%s: refused as a bad message', (_name, scb) => {
    const { scb: _drop, ...plain } = rmacI;
    const r = cpCheckRmacI(scrypted().state, scb ? { ...plain, scb } : plain);
    expect(r).toEqual({
      ok: false,
      error: { kind: 'sc_bad_message', reason: 'RMAC_I without an SCS_14 block' },
    });
  });
  it('an SCS_12 label is taken, and said to be relabelled; SCS_14 is not', () => {
    const r12 = cpCheckRmacI(scrypted().state, { ...rmacI, scb: block(0x12, [1]) });
    expect(r12.ok && r12.relabelled).toBe(true);
    const r14 = cpCheckRmacI(scrypted().state, rmacI);
    expect(r14.ok && r14.relabelled).toBe(false);
  });
  it('the session keeps its own copy of RMAC-I: the handshake state can be wiped afterwards', () => {
    const state = scrypted().state;
    const r = cpCheckRmacI(state, rmacI);
    if (!r.ok) throw new Error(r.error.kind);
    state.expectedRmacI.fill(0);
    expect(r.session.cMac).toEqual(fromHex(ws.keys_session1.rmac_i));
    expect(r.session.rMac).toEqual(fromHex(ws.keys_session1.rmac_i));
  });
});
