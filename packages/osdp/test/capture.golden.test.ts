// What `osprio decode` shows a technician for the worked provisioning session of the shared vectors,
// every entry and field, pinned (test/__snapshots__): a change to the decoder's words or fields must
// be a deliberate one. No key material appears unless asked for (a separate test reveals it).
import { describe, expect, it } from 'vitest';
import { decodeCapture } from '../src/capture.ts';
import { fromHex } from '../src/bytes.ts';
import { buildFrame, type Frame, type FrameFields } from '../src/frame.ts';
import { parsed, reframe } from './support/acu-sim.ts';
import { osdpMac } from '../src/sc-crypto.ts';
import { libosdpCaptures, osdpVectors } from '../../../test-support/shared.ts';

const session = osdpVectors.secure_channel.worked_provisioning_session;
const frames = session.steps.map((s) => fromHex(s.packet_hex));
const text = (entries: ReturnType<typeof decodeCapture>) =>
  entries.map((e) =>
    [
      `#${e.index} ${e.ok ? 'ok' : 'PROBLEM'}: ${e.summary}`,
      ...e.fields.map((f) => `  ${f.name}: ${f.value}`),
      ...(e.error ? [`  ! ${e.error}`] : []),
    ].join('\n'),
  );

describe('osprio decode, word for word', () => {
  it('the worked session followed from SCBK-D', () => {
    expect(text(decodeCapture(frames))).toMatchSnapshot();
  });

  it('the new-key session from --scbk, and from a wrong one', () => {
    const tail = frames.slice(14);
    expect(
      text(decodeCapture(tail, { scbk: fromHex(session.keys_session2.scbk) })),
    ).toMatchSnapshot();
    expect(text(decodeCapture(tail, { scbk: new Uint8Array(16) }))).toMatchSnapshot();
  });

  it('bytes that are not a frame, damaged frames and unknown codes', () => {
    const damaged = frames[1]!.slice();
    damaged[damaged.length - 1]! ^= 0xff;
    expect(
      text(
        decodeCapture([
          Uint8Array.of(0x01, 0x02),
          damaged,
          frames[0]!.subarray(0, 5),
          buildFrame({
            address: 1,
            reply: false,
            sqn: 1,
            check: 'crc',
            code: 0x9e,
            data: Uint8Array.of(0xab, 0xcd),
          }),
          buildFrame({
            address: 1,
            reply: true,
            sqn: 1,
            check: 'checksum',
            code: 0x41,
            data: Uint8Array.of(0xf0),
          }),
        ]),
      ),
    ).toMatchSnapshot();
  });
});

/** A worked-session frame rebuilt with some fields changed (handshake frames carry no MAC). */
const altered = (i: number, change: (f: Frame) => Partial<FrameFields>): Uint8Array =>
  reframe(frames[i]!, change(parsed(frames[i]!)));
const flip = (b: Uint8Array, at: number) => {
  const c = b.slice();
  c[at]! ^= 0x01;
  return c;
};

describe('osprio decode, word for word: what a real site shows', () => {
  it("a libosdp PD's answers, command by reply, keys hidden and revealed", () => {
    const wire = libosdpCaptures.observed_libosdp_pd.exchanges.flatMap((e) =>
      [e.cmd, e.reply].filter((h): h is string => h !== null).map(fromHex),
    );
    expect(text(decodeCapture(wire))).toMatchSnapshot();
    expect(
      text(decodeCapture(wire, { revealKeys: true })).filter((l) => /KEYSET/.test(l)),
    ).toMatchSnapshot();
  });

  it('a handshake that goes wrong at each step', () => {
    const upTo = (n: number) => frames.slice(0, n);
    const cases = {
      'RMAC_I rejected (status 0x00)': [
        ...upTo(7),
        altered(7, () => ({ scb: { type: 0x14, data: Uint8Array.of(0) } })),
      ],
      'RMAC_I that does not match': [...upTo(7), altered(7, (f) => ({ data: flip(f.data, 0) }))],
      'CCRYPT echoing another key indicator': [
        ...upTo(5),
        altered(5, () => ({ scb: { type: 0x12, data: Uint8Array.of(1) } })),
      ],
      'CCRYPT with another key indicator and another key: both problems, in order': [
        ...upTo(5),
        altered(5, (f) => ({
          scb: { type: 0x12, data: Uint8Array.of(1) },
          data: flip(f.data, 31),
        })),
      ],
      'CCRYPT from a PD holding another key': [
        ...upTo(5),
        altered(5, (f) => ({ data: flip(f.data, 31) })),
      ],
      'SCRYPT that does not match': [...upTo(6), altered(6, (f) => ({ data: flip(f.data, 0) }))],
      'CHLNG for the PD key without --scbk': [
        altered(4, () => ({ scb: { type: 0x11, data: Uint8Array.of(1) } })),
        frames[5]!,
      ],
      'secure frames with no handshake in the capture': frames.slice(8, 14),
    };
    for (const [name, wire] of Object.entries(cases))
      expect({ name, entries: text(decodeCapture(wire)) }).toMatchSnapshot();
  });

  it('the session dropped by a plaintext NAK or an SQN 0 command, and a payload that fails its padding', () => {
    const nak = buildFrame({
      address: 1,
      reply: true,
      sqn: 1,
      check: 'crc',
      code: 0x41,
      data: Uint8Array.of(0x06),
    });
    const restart = buildFrame({
      address: 1,
      reply: false,
      sqn: 0,
      check: 'crc',
      code: 0x60,
      data: new Uint8Array(0),
    });
    expect(text(decodeCapture([...frames.slice(0, 8), nak, frames[8]!]))).toMatchSnapshot();
    expect(text(decodeCapture([...frames.slice(0, 8), restart, frames[8]!]))).toMatchSnapshot();
    // An SCS_17 command whose MAC is right but whose ciphertext decrypts to bad padding.
    const k = session.keys_session1;
    const keys = { sEnc: fromHex(k.s_enc), sMac1: fromHex(k.s_mac1), sMac2: fromHex(k.s_mac2) };
    const bad = buildFrame(
      {
        address: 1,
        reply: false,
        sqn: 1,
        check: 'crc',
        scb: { type: 0x17, data: new Uint8Array(0) },
        code: 0x64,
        data: new Uint8Array(16).fill(0x5a),
      },
      (input) => osdpMac(keys, fromHex(k.rmac_i), input),
    );
    expect(text(decodeCapture([...frames.slice(0, 8), bad]))).toMatchSnapshot();
  });

  it('framing corners: MARK, broadcast, checksum mode, malformed payloads, other key types', () => {
    const f = (
      code: number,
      data: number[],
      more: Partial<Parameters<typeof buildFrame>[0]> = {},
    ) =>
      buildFrame({
        address: 2,
        reply: false,
        sqn: 1,
        check: 'crc',
        code,
        data: Uint8Array.from(data),
        ...more,
      });
    const wire = [
      f(0x60, [], { mark: true }),
      f(0x60, [], { address: 0x7f, check: 'checksum' }),
      f(0x6e, [5, 0x80]), // COMSET cut short
      f(0x45, [1, 2, 3], { reply: true }), // PDID cut short
      f(0x75, [0x02, 0x04, 1, 2, 3, 4]), // KEYSET of another key type
      f(0x48, [1, 1], { reply: true }), // LSTATR: tamper and power failure
      f(0x48, [0, 0], { reply: true }),
      f(0x46, [0x63, 1, 2], { reply: true }), // PDCAP of a function the spec does not name
      f(0x41, [0x7e, 0xaa], { reply: true }), // NAK of an unknown code with detail
      f(0x9e, [], { reply: true }),
    ];
    expect(text(decodeCapture(wire))).toMatchSnapshot();
    expect(text(decodeCapture(wire, { revealKeys: true }))[4]).toMatchSnapshot();
  });
});
