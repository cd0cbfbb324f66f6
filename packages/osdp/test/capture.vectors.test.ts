import { describe, expect, it } from 'vitest';
import { crc16, decodeCapture, fromHex, toHex } from '../src/index.ts';

const crcLe = (b: Uint8Array): string => {
  const c = crc16(b);
  return toHex(Uint8Array.of(c & 0xff, c >> 8));
};
import { libosdpCaptures, osdpVectors } from '../../../test-support/shared.ts';

const session = osdpVectors.secure_channel.worked_provisioning_session;
const field = (e: { fields: { name: string; value: string }[] }, name: string) =>
  e.fields.find((f) => f.name === name)?.value;

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
    const joined = fromHex(
      session.steps
        .slice(0, 4)
        .map((s) => s.packet_hex)
        .join(''),
    );
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
      const out = decodeCapture(inputs, { revealKeys: true });
      expect(
        out.every((e) => e.ok),
        x.note,
      ).toBe(true);
      expect(out.map((e) => e.hex)).toEqual(inputs.map(toHex));
    }
  });

  it('blanks the key of a plaintext osdp_KEYSET in the bytes shown, unless revealed', () => {
    const ks = libosdpCaptures.observed_libosdp_pd.exchanges.find((x) =>
      x.note.startsWith('KEYSET in plaintext'),
    )!;
    const [hidden] = decodeCapture([fromHex(ks.cmd)]);
    expect(hidden!.hex).toBe(`53031a0005750110${'xx'.repeat(16)}e7f5`);
    expect(JSON.stringify(hidden)).not.toContain('11111111111111111111111111111111');
    expect(decodeCapture([fromHex(ks.cmd)], { revealKeys: true })[0]!.hex).toBe(ks.cmd);
  });

  it('fails a frame whose MAC does not verify, or whose payload is malformed, with a one-line reason', () => {
    const frames = session.steps.slice(0, 8).map((s) => fromHex(s.packet_hex));
    const poll = fromHex(session.steps[8]!.packet_hex);
    poll[9] = poll[9]! ^ 0x01; // a MAC bit; the CRC is recomputed below so only the MAC is wrong
    const body = poll.slice(0, poll.length - 2);
    const withCrc = fromHex(toHex(body) + crcLe(body));
    const out = decodeCapture([...frames, withCrc]);
    expect(out.at(-1)).toMatchObject({
      ok: false,
      error: expect.stringMatching(/^mac check failed/),
    });
    expect(out.at(-1)!.summary).toMatch(/osdp_POLL — mac check failed/);
    // A PDID with 5 data bytes instead of 12.
    const shortPdid = fromHex('5381' + '0d00' + '04' + '45' + '0a00170102');
    const bad = decodeCapture([fromHex(toHex(shortPdid) + crcLe(shortPdid))]);
    expect(bad[0]).toMatchObject({ ok: false, error: expect.stringMatching(/^malformed payload/) });
  });

  it('gives each bad input a one-line reason and never throws', () => {
    const out = decodeCapture([
      fromHex('ff53e5080004400000'),
      fromHex('0102030405'),
      fromHex('5301'),
    ]);
    expect(out.length).toBeGreaterThan(0);
    for (const e of out) {
      expect(e.ok).toBe(false);
      expect(e.error).toMatch(/\S/);
      expect(e.error).not.toMatch(/\n/);
    }
  });
});
