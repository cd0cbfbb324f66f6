// A device that sat idle at a finite speed must not spend the idle spell from its next step's
// timeout (issue 8 #1): PacedBus catches the idle wall time up on the line, and the step's deadline
// must be taken after that, not before. Tests at `--speed max` never idle, so this one runs at 20×.

import { describe, expect, it } from 'vitest';
import { attachSimPd, SimBus, SimLine } from '@osprio/bus';
import { runStep } from '@osprio/provisioner';
import { PacedBus } from '../../src/emulator/index.ts';
import { cryptoRandom } from '../../src/executor.ts';
import { connectHost, SEED, sessionId, startTestEmulator, until } from './support.ts';

const SPEED = 20;
/** Longer than the 30 s default step timeout, in wall time at SPEED. */
const IDLE_WALL_MS = 31_000 / SPEED + 100;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('the first step after an idle spell at a finite speed', () => {
  it('runStep on a PacedBus that idled past the step timeout still gets its whole timeout', async () => {
    const line = new SimLine({ seed: 3 });
    const pd = attachSimPd(line);
    const bus = new PacedBus(new SimBus(line, { baud: 9600 }), SPEED);
    await sleep(IDLE_WALL_MS);
    const r = await runStep({
      bus,
      target: { address: 4, baud: 9600, stepIndex: 0 },
      options: { timeoutMs: 0, autoVerify: false, expectedCapabilities: [] },
      key: { seed: SEED, sessionId: sessionId(1) },
      random: cryptoRandom,
    });
    expect([r.outcome, r.detail]).toEqual(['ok', expect.any(String)]);
    expect(pd.stored).toMatchObject({ address: 4, installMode: false });
  });

  it('an emulator at a finite speed left idle answers its first quick-step with success, not timeout', async () => {
    const emu = await startTestEmulator({ model: 'mini', speed: SPEED, stateDir: undefined });
    try {
      const c = await connectHost(emu.url);
      const edges: { state: string; outcome: string | null; detail: string }[] = [];
      c.onEvent((ev) => {
        if (ev.event === 'edge') edges.push(ev.edge);
      });
      await c.openLive({ sessionId: sessionId(9), seed: SEED });
      await sleep(IDLE_WALL_MS);
      await c.quickStep({
        address: 7,
        baud: 9600,
        options: { timeoutMs: 0, autoVerify: false, expectedCapabilities: [] },
      });
      await until(
        () => edges.some((e) => e.state !== 'attempting'),
        20_000,
        'the quick-step to end',
      );
      expect(edges.at(-1)).toMatchObject({ state: 'success', outcome: 'ok' });
      c.close();
    } finally {
      await emu.close();
    }
  });
});
