// SIGKILL the emulator process (`node apps/cli/bin/osprio.js device --sim`) at random instants of a
// 126-step run, restart it on the same state dir and reconnect: the slot is consistent with its
// edges, every edge a host saw before the kill is still there unchanged, and each attempt the kill
// cut off (running or queued) ended as `interrupted`, its detail naming the stages that completed.

import { describe, expect, it } from 'vitest';
import type { LinkClient, ProgressEdge, Verb } from '@osprio/link';
import { STAGES } from '@osprio/provisioner';
import { rng } from '../crash/model.ts';
import {
  EdgeLog,
  connectHost,
  plan,
  replay,
  spawnEmulator,
  statesOf,
  tmpStateDir,
} from './support.ts';

const N = 126;
/** [seed, kills]: five kills in all, the two runs side by side. */
const RUNS: [number, number][] = [
  [7, 3],
  [1234, 2],
];

/** Subscribes from 0 and collects the whole stored history. */
async function history(c: LinkClient): Promise<ProgressEdge[]> {
  const log = new EdgeLog(c);
  const sub = await c.subscribe({ slot: 0, sinceSeq: 0 });
  expect(sub.status).toBe('streaming');
  await log.until(() => log.lastSeq(0) === sub.lastSeq, 10_000);
  return log.of(0);
}

/** Splits a boot's history into what was stored before the kill and the boot's interrupted edges. */
function splitBoot(edges: ProgressEdge[]): { before: ProgressEdge[]; boot: ProgressEdge[] } {
  let trailing = 0;
  while (trailing < edges.length && edges[edges.length - 1 - trailing]!.outcome === 'interrupted')
    trailing++;
  for (let l = trailing; l >= 0; l--) {
    const before = edges.slice(0, edges.length - l);
    const boot = edges.slice(edges.length - l);
    const attempting = replay(before, N).flatMap((s, i) => (s.state === 'attempting' ? [i] : []));
    const bootSteps = boot.map((e) => e.stepIndex);
    if (
      new Set(bootSteps).size === bootSteps.length &&
      [...bootSteps].sort((a, b) => a - b).join() === attempting.join()
    )
      return { before, boot };
  }
  throw new Error('the boot did not end exactly the attempts that were in flight');
}

/** The stages of a step's last attempt that had completed, per its edges. */
function completedStages(before: ProgressEdge[], step: number): string[] {
  const mine = before.filter((e) => e.stepIndex === step);
  const start = mine.map((e) => e.stage === 'queued').lastIndexOf(true);
  const done = new Set(
    mine
      .slice(start)
      .filter((e) => e.stageStatus === 'done' && e.stage !== 'queued')
      .map((e) => e.stage),
  );
  return STAGES.filter((s) => done.has(s));
}

describe('SIGKILL during a 126-step run, restart on the same state dir', () => {
  for (const [seed, kills] of RUNS) {
    it.concurrent(
      `seed ${seed}: ${kills} kills — nothing seen is lost, interrupted attempts say so`,
      async ({ expect }) => {
        const rand = rng(seed);
        const dir = tmpStateDir();
        const args = [
          '--speed',
          'max',
          '--state-dir',
          dir,
          '--quiet',
          '--no-technician',
          '--faults',
          `random:0.15@${seed}`,
        ];
        let seen: ProgressEdge[] = [];
        let interrupted = 0;
        for (let cycle = 0; cycle <= kills; cycle++) {
          const emu = await spawnEmulator(args);
          try {
            const c = await connectHost(emu.url);
            if (cycle === 0) await plan(c, 0, N);
            const edges = await history(c);
            const slot = await c.getSlot(0);
            // consistent: the slot is what its edges say, and nothing is left attempting
            expect(replay(edges, N)).toEqual(statesOf(slot));
            expect(slot.steps.filter((s) => s.state === 'attempting')).toEqual([]);
            expect(slot.lastSeq).toBe(edges.at(-1)?.seq ?? 0);
            // every edge seen before the kill is still there, unchanged
            const bySeq = new Map(edges.map((e) => [e.seq, e]));
            for (const e of seen) expect(bySeq.get(e.seq)).toEqual(e);
            if (cycle > 0) {
              const { before, boot } = splitBoot(edges);
              expect(before.length).toBeGreaterThanOrEqual(seen.length);
              for (const e of boot) {
                const stages = completedStages(before, e.stepIndex);
                expect(e).toMatchObject({ state: 'failure', outcome: 'interrupted' });
                expect(e.detail).toMatch(
                  /^interrupted by a device restart (while queued, before any stage ran|during \w+); /,
                );
                expect(e.detail).toContain(
                  stages.length
                    ? `completed stages: ${stages.join(', ')}`
                    : 'no stage had completed',
                );
              }
              interrupted += boot.length;
            }
            if (cycle === kills) {
              c.close();
              emu.child.kill('SIGTERM');
              expect(await emu.exited).toBe(0);
              break;
            }
            // Queue the rest of the run (retrying what failed or was interrupted), then kill at random.
            const log = new EdgeLog();
            log.edges.set(0, edges.slice());
            log.attach(c);
            // Pipelined (the link queues at most 64 requests): the whole run is queued within a few
            // ms, then runs step after step for about a second; the kill lands somewhere inside it.
            const verbs = slot.steps.flatMap((s): [number, Verb][] =>
              s.state === 'pending'
                ? [[s.index, 'try']]
                : s.state === 'failure'
                  ? [[s.index, 'retry']]
                  : [],
            );
            for (let i = 0; i < verbs.length; i += 48) {
              await Promise.all(
                verbs
                  .slice(i, i + 48)
                  .map(([stepIndex, verb]) => c.verb({ slot: 0, stepIndex, verb })),
              );
            }
            // Kill inside the run, at a random point of it: after 1..N of its edges (every step makes
            // at least two — queued and its end — so queued steps are always left to be interrupted).
            // Counting edges, not wall time, keeps the kill inside the run however fast steps are.
            const killAfter = edges.length + 1 + Math.floor(rand() * verbs.length);
            const deadline = performance.now() + 20_000;
            while (log.of(0).length < killAfter && performance.now() < deadline) {
              await new Promise((r) => setTimeout(r, 1));
            }
            emu.child.kill('SIGKILL');
            expect(await emu.exited).toBe('SIGKILL');
            expect(log.of(0).length).toBeGreaterThan(seen.length); // the run moved before the kill
            seen = log.of(0).slice();
          } finally {
            emu.child.kill('SIGKILL');
          }
        }
        expect(interrupted).toBeGreaterThan(0);
      },
      60_000,
    );
  }
});
