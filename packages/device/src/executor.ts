// The StepExecutor over a real (or simulated) bus: adapts the provisioner's commissioning engine
// (`runStep` in @osprio/provisioner) to the device's job shape. The engine is injected rather than
// imported so the device core does not depend on where it lives; its argument shape is all we need.

import type { Bus } from '@osprio/bus';
import type { AttemptResult, RunStepArgs } from '@osprio/provisioner';
import type { StepExecutor } from './scheduler.ts';

/** The engine's own signature (`runStep` of @osprio/provisioner), injected. */
export type RunStepLike = (args: RunStepArgs) => Promise<AttemptResult>;

/** Randomness for RND.A: the platform CSPRNG (the device side may use it; pure cores take it as input). */
export function cryptoRandom(n: number): Uint8Array {
  return globalThis.crypto.getRandomValues(new Uint8Array(n));
}

/** One bus, one attempt at a time: the device's scheduler guarantees the exclusivity. */
export function busStepExecutor(
  runStep: RunStepLike,
  bus: Bus,
  random: (n: number) => Uint8Array = cryptoRandom,
): StepExecutor {
  return (job, ctx) =>
    runStep({
      bus,
      target: { address: job.address, baud: job.baud, stepIndex: job.stepIndex },
      options: job.options,
      key: { seed: job.seed, sessionId: job.sessionId },
      ...(job.lastSeenBaud !== undefined ? { lastSeenBaud: job.lastSeenBaud } : {}),
      random,
      signal: ctx.signal,
      onStage: (e) => ctx.onStage(e),
    });
}
