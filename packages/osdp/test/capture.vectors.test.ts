import { describe, expect, it } from 'vitest';
import { decodeCapture, fromHex, toHex } from '../src/index.ts';
import { libosdpCaptures, osdpVectors } from '../../../test-support/shared.ts';

const session = osdpVectors.secure_channel.worked_provisioning_session;
const field = (e: { fields: { name: string; value: string }[] }, name: string) => e.fields.find((f) => f.name === name)?.value;

describe('decodeCapture on the worked provisioning session', () => {
  const frames = session.steps.map((s) => fromHex(s.packet_hex));

  it('follows SCBK-D, the KEYSET and the new-key session without being given any key', () => {
    // The KEYSET is decrypted inside the SCBK-D session, so the follower learns the new key itself.
    const out = decodeCapture(frames);
    expect(out).toHaveLength(19);
    expect(out.every((e) => e.ok)).toBe(true);
    expect(out.map((e) => field(e, 'mac check')).filter(Boolean)).toEqual(Array(7).fill('ok'));
    expect(field(out[5]!, 'client cryptogram check')).toBe('ok');
    expect(field(out[6]!, 'server cryptogram check')).toBe('ok');
    expect(field(out[7]!, 'RMAC-I check')).toBe('ok: session established');
    expect(field(out[11]!, 'tamper')).toBe('normal');
    expect(field(out[13]!, 'keyset')).toMatch(/acknowledged/);
    expect(field(out[15]!, 'client cryptogram check')).toBe('ok');
    expect(field(out[17]!, 'RMAC-I check')).toBe('ok: session established');
  });

  it('hides KEYSET key bytes unless asked, and shows them when revealed', () => {
    const newKey = session.keys_session2.scbk.toLowerCase();
    const hidden = JSON.stringify(decodeCapture(frames));
    expect(hidden).not.toContain(newKey);
    const shown = decodeCapture(frames, { revealKeys: true });
    expect(field(shown[12]!, 'key')).toBe(newKey);
  });

  it('follows a kk=0x01 session from --scbk alone', () => {
    const out = decodeCapture(frames.slice(14), { scbk: fromHex(session.keys_session2.scbk) });
    expect(field(out[1]!, 'client cryptogram check')).toBe('ok');
    expect(field(out[4]!, 'mac check')).toBe('ok');
  });

  it('says when the given SCBK is wrong', () => {
    const out = decodeCapture(frames.slice(14), { scbk: new Uint8Array(16) });
    expect(field(out[1]!, 'client cryptogram check')).toMatch(/MISMATCH/);
  });

  it('splits concatenated frames in one input', () => {
    const joined = fromHex(session.steps.slice(0, 4).map((s) => s.packet_hex).join(''));
    expect(decodeCapture([joined]).map((e) => e.summary)).toEqual([
      'CP→PD 0x01 SQN0 CRC osdp_ID',
      'PD→CP 0x01 SQN0 CRC osdp_PDID',
      'CP→PD 0x01 SQN1 CRC osdp_CAP',
      'PD→CP 0x01 SQN1 CRC osdp_PDCAP',
    ]);
  });
});

describe('decodeCapture on libosdp frames and garbage', () => {
  it('decodes every observed libosdp exchange', () => {
    for (const x of libosdpCaptures.observed_libosdp_pd.exchanges) {
      const inputs = [x.cmd, x.reply].filter((h): h is string => !!h).map(fromHex);
      const out = decodeCapture(inputs);
      expect(out.every((e) => e.ok), x.note).toBe(true);
      expect(out.map((e) => e.hex)).toEqual(inputs.map(toHex));
    }
  });

  it('gives each bad input a one-line reason and never throws', () => {
    const out = decodeCapture([fromHex('ff53e5080004400000'), fromHex('0102030405'), fromHex('5301')]);
    expect(out.length).toBeGreaterThan(0);
    for (const e of out) {
      expect(e.ok).toBe(false);
      expect(e.error).toMatch(/\S/);
      expect(e.error).not.toMatch(/\n/);
    }
  });
});
