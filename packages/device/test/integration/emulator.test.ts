// The emulator's own parts: the --faults grammar, what each fault does to a real commissioning
// attempt, readers that keep their state between attempts, and the pacing of the simulated bus.

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LinkClient } from '@osprio/link';
import {
  FAULT_NAMES,
  FaultSpecError,
  faultsFor,
  parseFaultSpec,
} from '../../src/emulator/index.ts';
import type { Emulator } from '../../src/emulator/index.ts';
import { connectHost, startTestEmulator, tmpStateDir, until } from './support.ts';

describe('--faults SPEC', () => {
  it('parses steps, several faults per reader, values and random:P@SEED', () => {
    const p = parseFaultSpec(
      '3:absent, 5:keyed,7:slow:400+noisy:0.05,8:at-baud:38400,random:0.2@9',
    );
    expect([...p.byStep.entries()]).toEqual([
      [3, [{ text: 'absent', name: 'absent', fault: { kind: 'absent' } }]],
      [5, [{ text: 'keyed', name: 'keyed', fault: { kind: 'keyed' } }]],
      [
        7,
        [
          { text: 'slow:400', name: 'slow', fault: { kind: 'slow', replyDelayMs: 400 } },
          { text: 'noisy:0.05', name: 'noisy', fault: { kind: 'noisy', byteErrorRate: 0.05 } },
        ],
      ],
      [8, [{ text: 'at-baud:38400', name: 'at-baud', baud: 38400 }]],
    ]);
    expect(p.random).toEqual({ p: 0.2, seed: 9 });
    expect(faultsFor(p, 7)).toEqual(p.byStep.get(7)); // explicit wins over random
    expect(parseFaultSpec('').byStep.size).toBe(0);
  });

  it('random:P is deterministic per seed and step, and about P of the readers', () => {
    const p = parseFaultSpec('random:0.25@3');
    const a = Array.from({ length: 126 }, (_, i) => faultsFor(p, i));
    expect(Array.from({ length: 126 }, (_, i) => faultsFor(p, i))).toEqual(a);
    const hit = a.filter((f) => f.length > 0).length;
    expect(hit).toBeGreaterThan(126 * 0.1);
    expect(hit).toBeLessThan(126 * 0.45);
    expect(faultsFor(parseFaultSpec('random:0'), 5)).toEqual([]);
    expect(faultsFor(parseFaultSpec('random:1'), 5)).toHaveLength(1);
  });

  it.each([
    ['3', /expected STEP:FAULT/],
    ['x:absent', /STEP must be a step index/],
    ['126:absent', /STEP must be a step index/],
    ['3:', /no fault given/],
    ['3:gremlin', /unknown fault "gremlin" \(known: absent/],
    ['3:absent:2', /absent takes no argument/],
    ['3:slow:fast', /slow reply delay/],
    ['3:noisy:1.5', /byte error rate/],
    ['3:at-baud:1200', /one of 9600/],
    ['3:at-address:200', /0\.\.126/],
    ['random:2', /probability/],
    ['random:0.1@-1', /SEED/],
    ['random:0.1,random:0.2', /given twice/],
  ])('rejects %j with a one-line reason', (spec, why) => {
    expect(() => parseFaultSpec(spec)).toThrow(FaultSpecError);
    expect(() => parseFaultSpec(spec)).toThrow(why);
  });
});

describe('each fault against the real commissioning engine', () => {
  // step index → fault, and what the attempt must end in ("either" = a failure with some outcome)
  const CASES: [string, string, 'ok' | string][] = [
    ['absent', 'absent', 'no_response'],
    ['keyed', 'keyed', 'scbk_rejected'],
    ['slow', 'slow', 'ok'],
    ['noisy', 'noisy:0.002', 'ok'],
    ['at-baud', 'at-baud:38400', 'ok'],
    ['at-address', 'at-address:9', 'ok'],
    ['nak-keyset', 'nak-keyset', 'keyset_failed'],
    ['silent-after-comset', 'silent-after-comset', 'no_response'],
    ['other-address', 'other-address:100', 'wrong_address'],
    ['stays-at-old-baud', 'stays-at-old-baud', 'failure'],
    ['plaintext-keyset-ack', 'plaintext-keyset-ack', 'any'],
    ['reboot', 'reboot:4', 'any'],
    // issue 13: plaintext COMSET refused (NAK 0x06); commissioned inside its install session
    ['enforce-secure', 'enforce-secure', 'ok'],
  ];
  let emu: Emulator;
  let c: LinkClient;
  beforeAll(async () => {
    expect(CASES.map((x) => x[0]).sort()).toEqual([...FAULT_NAMES].sort()); // every fault is exercised
    emu = await startTestEmulator({ faults: CASES.map(([, f], i) => `${i}:${f}`).join(',') });
    c = await connectHost(emu.url);
    const n = CASES.length;
    await c.createSlot({
      slot: 0,
      header: {
        name: 'faults',
        deviceCount: n,
        addressStrategy: 'sequential',
        startAddress: 1,
        manualAddresses: [],
        baud: 115200,
        expectedCapabilities: [],
        timeoutMs: 0,
        autoVerify: true,
      },
      sessionId: '00000000-0000-4000-8000-0000000000aa',
      seed: new Uint8Array(16).fill(7),
    });
    await c.uploadAllSteps(
      0,
      Array.from({ length: n }, (_, i) => ({ index: i, address: i + 1, baud: 115200 })),
    );
    await c.sealSlot({ slot: 0, stepCount: n });
    await Promise.all(CASES.map((_, i) => c.verb({ slot: 0, stepIndex: i, verb: 'try' })));
    await until(
      async () => (await c.getSlot(0)).steps.every((s) => s.state !== 'attempting'),
      30_000,
      'every attempt to end',
    );
  });
  afterAll(async () => {
    c?.close();
    await emu?.close();
  });

  CASES.forEach(([name, , want], i) => {
    it(`${name}: ${want === 'ok' ? 'still provisions' : want === 'failure' || want === 'any' ? 'ends with an outcome' : want}`, async () => {
      const s = (await c.getSlot(0)).steps[i]!;
      if (want === 'ok') expect([s.state, s.outcome], s.detail).toEqual(['success', 'ok']);
      else if (want === 'failure') expect(s.state, s.detail).toBe('failure');
      else if (want === 'any') expect(['success', 'failure']).toContain(s.state);
      else expect([s.state, s.outcome], s.detail).toEqual(['failure', want]);
      expect(s.outcome).not.toBe('internal_error');
    });
  });

  it('a reader keeps what an attempt did to it: a retry meets the reader already at its new address', async () => {
    // Step 2 (slow) succeeded: reset and try again — the reader is now keyed, at address 3 @ 115200.
    await c.verb({ slot: 0, stepIndex: 2, verb: 'reset' });
    await c.verb({ slot: 0, stepIndex: 2, verb: 'try' });
    await until(async () => (await c.getSlot(0)).steps[2]!.state !== 'attempting', 20_000);
    const s = (await c.getSlot(0)).steps[2]!;
    expect([s.state, s.outcome], s.detail).toEqual(['success', 'ok']);
    expect(s.detail).toMatch(/already held this key from an earlier attempt/);
  });
});

describe("the state dir (the device's flash)", () => {
  it('is used by one emulator at a time; a lock left by a dead process is taken over', async () => {
    const dir = tmpStateDir();
    const a = await startTestEmulator({ stateDir: dir });
    await expect(startTestEmulator({ stateDir: dir })).rejects.toThrow(
      /state dir is already open in this process/,
    );
    await a.close();
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    fs.writeFileSync(path.join(dir, 'device.lock'), String(dead));
    const b = await startTestEmulator({ stateDir: dir });
    expect(fs.readFileSync(path.join(dir, 'device.lock'), 'utf8')).toBe(String(process.pid));
    await b.close();
    expect(fs.existsSync(path.join(dir, 'device.lock'))).toBe(false);
  });

  it('keeps slots across a restart', async () => {
    const dir = tmpStateDir();
    const a = await startTestEmulator({ stateDir: dir });
    const c = await connectHost(a.url);
    await c.createSlot({
      slot: 3,
      header: {
        name: 'kept',
        deviceCount: 1,
        addressStrategy: 'sequential',
        startAddress: 1,
        manualAddresses: [],
        baud: 9600,
        expectedCapabilities: [],
        timeoutMs: 0,
        autoVerify: false,
      },
      sessionId: '00000000-0000-4000-8000-0000000000bb',
      seed: new Uint8Array(16).fill(3),
    });
    c.close();
    await a.close();
    const b = await startTestEmulator({ stateDir: dir });
    const d = await connectHost(b.url);
    expect(await d.getSlot(3)).toMatchObject({
      state: 'staging',
      profileName: 'kept',
      seed: new Uint8Array(16).fill(3),
    });
    d.close();
    await b.close();
  });
});
