// Early reply windows (RequestPolicy.earlyTimeoutMs): once the PD's turnaround is known, the first
// silent transmissions get a short window and go out again (identical bytes, same SQN) — on top of
// the full windows a silent PD always had, so a PD that really went quiet is given as long as before.
import { describe, expect, it } from 'vitest';
import { toHex } from '../src/bytes.ts';
import { acuInit, acuStep, wireTimeMs } from '../src/acu-link.ts';
import type { AcuAction, AcuState, RequestPolicy } from '../src/acu-types.ts';

const wakes = (a: readonly AcuAction[]) =>
  a.filter((x) => x.type === 'wake').map((x) => (x as { at: number }).at);
const sends = (a: readonly AcuAction[]) =>
  a.filter((x) => x.type === 'send').map((x) => toHex((x as { bytes: Uint8Array }).bytes));

/** Runs a POLL to a PD that never answers; returns every transmission's time and bytes, and the result. */
function silentPd(policy: RequestPolicy) {
  let t = acuStep(acuInit({ address: 1, baud: 115200 }), {
    type: 'send',
    command: { kind: 'POLL' },
    policy,
    at: 0,
  });
  const sent: { at: number; hex: string }[] = sends(t.actions).map((hex) => ({ at: 0, hex }));
  let state: AcuState = t.state;
  for (let guard = 0; guard < 50; guard++) {
    const at = wakes(t.actions)[0];
    if (at === undefined) break;
    t = acuStep(state, { type: 'tick', at });
    state = t.state;
    for (const hex of sends(t.actions)) sent.push({ at, hex });
    const r = t.actions.find((a) => a.type === 'result');
    if (r) return { sent, result: (r as { result: unknown }).result };
  }
  throw new Error('no result');
}

describe('early reply windows', () => {
  const frame = wireTimeMs(8, 115200); // POLL, no MARK

  it('the first silent tries wait the early window, then the full windows as before; every copy is identical', () => {
    const r = silentPd({ tries: 3, triesIfSilent: 3, replyTimeoutMs: 200, earlyTimeoutMs: 30 });
    expect(r.result).toMatchObject({ ok: false, error: { kind: 'timeout', tries: 5 } });
    const gaps = r.sent.slice(1).map((s, i) => s.at - r.sent[i]!.at);
    expect(gaps.map((g) => Math.round(g - frame))).toEqual([30, 30, 200, 200]);
    expect(new Set(r.sent.map((s) => s.hex)).size).toBe(1);
  });

  it('without an early window (or one not below the reply timeout) nothing changes', () => {
    for (const policy of [
      { tries: 3, triesIfSilent: 3, replyTimeoutMs: 200 },
      { tries: 3, triesIfSilent: 3, replyTimeoutMs: 200, earlyTimeoutMs: 250 },
    ]) {
      const r = silentPd(policy);
      expect(r.result).toMatchObject({ ok: false, error: { kind: 'timeout', tries: 3 } });
      expect(r.sent.slice(1).map((s, i) => Math.round(s.at - r.sent[i]!.at - frame))).toEqual([
        200, 200,
      ]);
    }
  });

  it('earlyTries sets how many short windows come first', () => {
    const r = silentPd({
      tries: 2,
      triesIfSilent: 2,
      replyTimeoutMs: 200,
      earlyTimeoutMs: 20,
      earlyTries: 1,
    });
    expect(r.sent.slice(1).map((s, i) => Math.round(s.at - r.sent[i]!.at - frame))).toEqual([
      20, 200,
    ]);
  });
});
