// The device is the source of truth for a plan: uploaded steps must be exactly the expansion of the
// slot's own header (issue 8 #5), and a seed that is all zeros or all 0xFF is refused.

import { afterEach, describe, expect, it } from 'vitest';
import { createLinkServer, createMemoryPair, LinkClient, LinkError } from '@osprio/link';
import type { Profile } from '@osprio/provisioner';
import { DeviceLinkHandler } from '../src/index.ts';
import type { Device } from '../src/index.ts';
import { manualExecutor, openDevice, SEED, SESSION, slotOf, tmpDir } from './helpers.ts';

const opened: Device[] = [];
function dev(): Device {
  const d = openDevice(tmpDir(), manualExecutor().exec);
  opened.push(d);
  return d;
}
afterEach(async () => {
  for (const d of opened.splice(0)) await d.close();
});

const base: Profile = {
  name: 'plan',
  deviceCount: 3,
  addressStrategy: 'sequential',
  startAddress: 1,
  manualAddresses: [],
  baud: 9600,
  expectedCapabilities: [],
  timeoutMs: 0,
  autoVerify: false,
};

describe('uploadSteps must be the header’s expansion', () => {
  it('sequential from 1 at 9600: another address or baud is refused with invalid_params and the reason', () => {
    const d = dev();
    expect(d.createSlot(0, base, SESSION, SEED)).toEqual({ ok: true });
    expect(
      d.uploadSteps(0, [
        { index: 0, address: 1, baud: 9600 },
        { index: 1, address: 50, baud: 9600 },
      ]),
    ).toEqual({
      ok: false,
      code: 'invalid_params',
      reason: 'step 1: address 50 is not the header’s (sequential from 1: expected 2)',
    });
    expect(
      d.uploadSteps(0, [
        { index: 0, address: 1, baud: 9600 },
        { index: 1, address: 2, baud: 19200 },
      ]),
    ).toEqual({
      ok: false,
      code: 'invalid_params',
      reason: 'step 1: baud 19200 is not the header’s 9600',
    });
    expect(slotOf(d, 0).steps).toHaveLength(0);
    expect(
      d.uploadSteps(0, [
        { index: 0, address: 1, baud: 9600 },
        { index: 1, address: 2, baud: 9600 },
      ]),
    ).toEqual({ ok: true, uploaded: 2 });
    expect(d.uploadSteps(0, [{ index: 2, address: 4, baud: 9600 }])).toMatchObject({
      ok: false,
      code: 'invalid_params',
    });
    expect(d.uploadSteps(0, [{ index: 2, address: 3, baud: 9600 }])).toEqual({
      ok: true,
      uploaded: 3,
    });
  });

  it('manual: each step at its listed address, in the listed order', () => {
    const d = dev();
    d.createSlot(
      0,
      { ...base, addressStrategy: 'manual', manualAddresses: [7, 3, 9] },
      SESSION,
      SEED,
    );
    expect(d.uploadSteps(0, [{ index: 0, address: 3, baud: 9600 }])).toMatchObject({
      ok: false,
      code: 'invalid_params',
      reason: expect.stringMatching(/manual list: expected 7/),
    });
    expect(
      d.uploadSteps(0, [
        { index: 0, address: 7, baud: 9600 },
        { index: 1, address: 3, baud: 9600 },
        { index: 2, address: 9, baud: 9600 },
      ]).ok,
    ).toBe(true);
  });

  it('random: in range startAddress..126, distinct, at the header baud', () => {
    const d = dev();
    d.createSlot(0, { ...base, addressStrategy: 'random', startAddress: 100 }, SESSION, SEED);
    expect(d.uploadSteps(0, [{ index: 0, address: 99, baud: 9600 }])).toMatchObject({
      ok: false,
      code: 'invalid_params',
      reason: expect.stringMatching(/random in 100\.\.126/),
    });
    expect(
      d.uploadSteps(0, [
        { index: 0, address: 101, baud: 9600 },
        { index: 1, address: 101, baud: 9600 },
      ]),
    ).toMatchObject({ ok: false });
    expect(d.uploadSteps(0, [{ index: 0, address: 120, baud: 115200 }])).toMatchObject({
      ok: false,
      code: 'invalid_params',
    });
    expect(
      d.uploadSteps(0, [
        { index: 0, address: 126, baud: 9600 },
        { index: 1, address: 100, baud: 9600 },
        { index: 2, address: 113, baud: 9600 },
      ]).ok,
    ).toBe(true);
  });
});

describe('weak seeds', () => {
  it('an all-zero or all-0xFF seed is refused for a slot and for a live session', () => {
    const d = dev();
    for (const fill of [0x00, 0xff]) {
      const weak = new Uint8Array(16).fill(fill);
      expect(d.createSlot(0, base, SESSION, weak)).toEqual({
        ok: false,
        code: 'invalid_params',
        reason: 'seed must not be all 0x00 or all 0xFF (use a CSPRNG)',
      });
      expect(d.openLive(SESSION, weak)).toMatchObject({ ok: false, code: 'invalid_params' });
    }
    expect(slotOf(d, 0).state).toBe('empty');
  });

  it('reaches the host as the wire code invalid_params with the reason', async () => {
    const d = dev();
    const [hostEnd, deviceEnd] = createMemoryPair();
    createLinkServer(new DeviceLinkHandler(d), deviceEnd);
    const c = new LinkClient(hostEnd);
    await c.hello();
    await c.createSlot({ slot: 0, header: base, sessionId: SESSION, seed: SEED });
    const err = await c
      .uploadSteps({ slot: 0, steps: [{ index: 0, address: 50, baud: 9600 }] })
      .then(
        () => null,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(LinkError);
    expect(err).toMatchObject({
      code: 'invalid_params',
      message: expect.stringMatching(/address 50 is not the header’s/),
    });
    c.close();
  });
});
