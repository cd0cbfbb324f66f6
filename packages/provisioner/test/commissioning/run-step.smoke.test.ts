import { describe, expect, it } from 'vitest';
import { createSimBus } from '../../../bus/src/sim-bus.ts';
import { runStep } from '../../src/commissioning/run-step.ts';
import { deriveScbk } from '../../src/kdf.ts';
import { attachModelPd } from './support/model-node.ts';

const SEED = Uint8Array.from({ length: 16 }, (_, i) => 0xa0 + i);
const SESSION = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';

function counterRandom(): (n: number) => Uint8Array {
  let c = 0;
  return (n) => Uint8Array.from({ length: n }, () => (c++ * 37 + 11) & 0xff);
}

const pdid = { vendor: Uint8Array.of(0x00, 0x06, 0x8e), model: 1, version: 2, serial: 123456, firmware: { major: 1, minor: 2, build: 3 } };
const pdcap = [{ functionCode: 8, compliance: 1, numberOf: 0 }, { functionCode: 9, compliance: 1, numberOf: 1 }, { functionCode: 4, compliance: 2, numberOf: 1 }];

describe('runStep over the simulated bus (PD model)', () => {
  it('commissions a factory-fresh PD', async () => {
    const bus = createSimBus({ baud: 9600 });
    const pd = attachModelPd(bus.line, { address: 0, baud: 9600, pdid, pdcap, scbk: null, installMode: true, random: { seed: 7 } });
    const stages: string[] = [];
    const r = await runStep({
      bus,
      target: { address: 5, baud: 115200, stepIndex: 2 },
      options: { timeoutMs: 0, autoVerify: true, expectedCapabilities: [{ functionCode: 4, minCompliance: 1, minCount: 1 }] },
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
});
