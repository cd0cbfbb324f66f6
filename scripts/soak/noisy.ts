// Soak, noisy line: one step per seed at 1 % byte errors on the simulated bus. No false `ok` (the
// PD must hold this step's key with install mode off) and no lost key (a PD holding it must have
// reported `ok`). `npm run bench` prints the bus-time figures of the same scenario.
import { createSimBus, attachSimPd } from '@osprio/bus';
import { deriveScbk, runStep } from '@osprio/provisioner';

const SEED = Uint8Array.from({ length: 16 }, (_, i) => 0x10 + i * 3);
const SESSION = '0d9c7a7e-4c7b-4b6e-8f2f-1b1c2d3e4f50';

export async function noisySeeds(
  n: number,
): Promise<{ cases: number; corrupted: number; findings: string[]; summary: string }> {
  const scbk = deriveScbk(SEED, SESSION, 0, 9);
  const findings: string[] = [];
  const outcomes = new Map<string, number>();
  let corrupted = 0;
  let busMs = 0;
  for (let seed = 1; seed <= n; seed++) {
    const bus = createSimBus({ baud: 9600, seed, traceLimit: 100_000 });
    const pd = attachSimPd(bus.line, { faults: [{ kind: 'noisy', byteErrorRate: 0.01 }] });
    let c = seed;
    const r = await runStep({
      bus,
      target: { address: 9, baud: 115200, stepIndex: 0 },
      options: { timeoutMs: 0, autoVerify: true, expectedCapabilities: [] },
      key: { seed: SEED, sessionId: SESSION },
      random: (k) => Uint8Array.from({ length: k }, () => (c = (c * 73 + 41) & 0xffff) & 0xff),
    });
    busMs += bus.now();
    corrupted += bus.line.trace.reduce(
      (a, e) => a + e.receivers.filter((x) => x.heard === 'corrupted').length,
      0,
    );
    outcomes.set(r.outcome, (outcomes.get(r.outcome) ?? 0) + 1);
    const holds =
      !!pd.stored.scbk && pd.stored.scbk.every((b, i) => b === scbk[i]) && !pd.stored.installMode;
    if (r.outcome === 'ok' && !holds)
      findings.push(
        `seed ${seed}: ok, but the PD does not hold the step's key (install mode ${pd.stored.installMode})`,
      );
    if (r.outcome !== 'ok' && holds)
      findings.push(
        `seed ${seed}: the PD holds the step's key but the step ended ${r.outcome}: ${r.detail}`,
      );
  }
  const summary = `${[...outcomes].map(([o, k]) => `${o} ${k}`).join(', ')}; mean bus ${(busMs / n).toFixed(0)} ms per step`;
  return { cases: n, corrupted, findings, summary };
}
