// What `osprio decode` shows a technician for the worked provisioning session of the shared vectors,
// every entry and field, pinned (test/__snapshots__): a change to the decoder's words or fields must
// be a deliberate one. No key material appears unless asked for (a separate test reveals it).
import { describe, expect, it } from 'vitest';
import { decodeCapture } from '../src/capture.ts';
import { fromHex } from '../src/bytes.ts';
import { buildFrame } from '../src/frame.ts';
import { osdpVectors } from '../../../test-support/shared.ts';

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
