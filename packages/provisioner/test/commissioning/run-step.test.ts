import { describe, expect, it } from 'vitest';
import { createSimBus } from '@osprio/bus';
import { runStep } from '../../src/commissioning/run-step.ts';
import { deriveScbk } from '../../src/kdf.ts';
import { attachModelPd } from './support/model-node.ts';
import { attachSimPd } from '@osprio/bus';
import { capToDeadline } from '../../src/commissioning/run-step.ts';

const SEED = Uint8Array.from({ length: 16 }, (_, i) => 0xa0 + i);
const SESSION = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';

function counterRandom(): (n: number) => Uint8Array {
  let c = 0;
  return (n) => Uint8Array.from({ length: n }, () => (c++ * 37 + 11) & 0xff);
}

const pdid = {
  vendor: Uint8Array.of(0x00, 0x06, 0x8e),
  model: 1,
  version: 2,
  serial: 123456,
  firmware: { major: 1, minor: 2, build: 3 },
};
const pdcap = [
  { functionCode: 8, compliance: 1, numberOf: 0 },
  { functionCode: 9, compliance: 1, numberOf: 1 },
  { functionCode: 4, compliance: 2, numberOf: 1 },
];

describe('runStep over the simulated bus (PD model)', () => {
  it('commissions a factory-fresh PD', async () => {
    const bus = createSimBus({ baud: 9600 });
    const pd = attachModelPd(bus.line, {
      address: 0,
      baud: 9600,
      pdid,
      pdcap,
      scbk: null,
      installMode: true,
      random: { seed: 7 },
    });
    const stages: string[] = [];
    const r = await runStep({
      bus,
      target: { address: 5, baud: 115200, stepIndex: 2 },
      options: {
        timeoutMs: 0,
        autoVerify: true,
        expectedCapabilities: [{ functionCode: 4, minCompliance: 1, minCount: 1 }],
      },
      key: { seed: SEED, sessionId: SESSION },
      random: counterRandom(),
      onStage: (e) => stages.push(`${e.stage}:${e.status}`),
    });
    expect(r.outcome, `${r.detail}\n${bus.line.formatTrace()}`).toBe('ok');
    expect(pd.state.address).toBe(5);
    expect(pd.uartBaud).toBe(115200);
    expect(pd.state.installMode).toBe(false);
    expect(pd.state.scbk).toEqual(deriveScbk(SEED, SESSION, 2, 5));
    expect(stages.at(-1)).toBe('capabilities:done');
  });

  it('the step timeout ends a slow attempt as timeout, close to the deadline', async () => {
    const bus = createSimBus({ baud: 9600 });
    attachSimPd(bus.line, { faults: [{ kind: 'slow', replyDelayMs: 900 }] });
    const r = await runStep({
      bus,
      target: { address: 5, baud: 115200, stepIndex: 0 },
      options: { timeoutMs: 4000, autoVerify: true, expectedCapabilities: [] },
      key: { seed: SEED, sessionId: SESSION },
      random: counterRandom(),
    });
    expect(r.outcome).toBe('timeout');
    expect(r.detail).toMatch(/step timeout \(4 s of bus time\) ran out during/);
    expect(bus.now()).toBeGreaterThanOrEqual(4000);
    expect(bus.now()).toBeLessThan(4000 + 2 * 1000 + 100);
  });

  it('an abort ends the attempt as interrupted at the next operation', async () => {
    const bus = createSimBus({ baud: 9600 });
    attachSimPd(bus.line, {});
    const ac = new AbortController();
    const r = await runStep({
      bus,
      target: { address: 5, baud: 115200, stepIndex: 0 },
      options: { timeoutMs: 0, autoVerify: true, expectedCapabilities: [] },
      key: { seed: SEED, sessionId: SESSION },
      random: counterRandom(),
      signal: ac.signal,
      onStage: (e) => {
        if (e.stage === 'keyset' && e.status === 'in_flight') ac.abort();
      },
    });
    expect(r.outcome).toBe('interrupted');
    expect(r.detail).toMatch(/completed: discover, comset, confirm, install session/);
  });

  it('a malformed seed is an internal_error that names no key material', async () => {
    const bus = createSimBus({ baud: 9600 });
    const bad = Uint8Array.of(1, 2, 3);
    const r = await runStep({
      bus,
      target: { address: 5, baud: 115200, stepIndex: 0 },
      options: { timeoutMs: 0, autoVerify: true, expectedCapabilities: [] },
      key: { seed: bad, sessionId: SESSION },
      random: counterRandom(),
    });
    expect(r.outcome).toBe('internal_error');
    expect(r.detail).toMatch(/could not derive/);
    expect(r.detail).not.toMatch(/010203/);
  });

  // An ID command allowed 6 tries, 3 of them silent, 200 ms each.
  const idOp = {
    op: 'command' as const,
    address: 1,
    command: { code: 'ID' as const },
    secure: false,
    policy: { replyTimeoutMs: 200, tries: 6, triesIfSilent: 3 },
  };

  it('capToDeadline trims tries so one exchange overruns the step timeout by at most one reply window', () => {
    const op = idOp;
    expect(capToDeadline(op, 10_000)).toBe(op);
    expect(capToDeadline(op, 350).policy).toEqual({
      replyTimeoutMs: 200,
      tries: 2,
      triesIfSilent: 2,
    });
    expect(capToDeadline(op, -5).policy).toEqual({
      replyTimeoutMs: 200,
      tries: 1,
      triesIfSilent: 1,
    });
  });

  // Remaining ms → [tries, triesIfSilent]; null: the op is returned as is (every try fits).
  it.each([
    [1200, null],
    [1001, [6, 3]],
    [1000, [5, 3]],
    [600, [3, 3]],
    [401, [3, 3]],
    [400, [2, 2]],
    [0, [1, 1]],
  ] as const)('capToDeadline with %i ms left (tries 6, silent 3)', (remaining, want) => {
    const op = idOp;
    const capped = capToDeadline(op, remaining);
    if (want === null) expect(capped).toBe(op);
    else
      expect(capped.policy).toEqual({
        replyTimeoutMs: 200,
        tries: want[0],
        triesIfSilent: want[1],
      });
  });

  it('capToDeadline keeps a policy that needs fewer silent tries than it may take', () => {
    const op = {
      op: 'handshake' as const,
      address: 1,
      kk: 0 as const,
      key: 'scbk_d' as const,
      policy: { replyTimeoutMs: 200, tries: 2, triesIfSilent: 4 },
    };
    expect(capToDeadline(op, 800)).toBe(op);
    expect(capToDeadline(op, 600).policy).toEqual({
      replyTimeoutMs: 200,
      tries: 2,
      triesIfSilent: 3,
    });
  });
});
