// The imperative shell of one provisioning step: drives the pure machine (machine.ts) over an OSDP
// link on an injected Bus. Bus time and randomness come from the caller; the derived SCBK lives
// only in this function's closure and is wiped when the attempt ends (guarantee 7).
import type { Bus } from '@osprio/bus';
import { SCBK_D, toHex, wipe } from '@osprio/osdp';
import type { AttemptResult, StageEvent } from '../stages.ts';
import type { StepOptions } from '../profile.ts';
import { deriveScbk } from '../kdf.ts';
import { deadlineOf, nextStep, startStep, type Transition } from './machine.ts';
import { isAwaited, type AwaitedOp, type KeyRef, type Op, type OpResult } from './ops.ts';
import { createAcuStepLink, type StepLink } from './step-link.ts';
import { stageText } from './text.ts';

export type StepKey =
  /** The slot's seed and session id: the SCBK is derived here (kdf.md). */
  | { seed: Uint8Array; sessionId: string }
  /** An SCBK already derived by the caller. */
  | { scbk: Uint8Array };

export interface RunStepArgs {
  bus: Bus;
  target: { address: number; baud: number; stepIndex: number };
  options: StepOptions;
  key: StepKey;
  /** The baud this step last saw the PD at (a previous attempt's `seenAtBaud`). */
  lastSeenBaud?: number;
  /** n random bytes (RND.A of each handshake). */
  random: (n: number) => Uint8Array;
  /** Aborting ends the attempt as `interrupted` at the next operation boundary. */
  signal?: AbortSignal;
  onStage?: (e: StageEvent) => void;
  /** Every operation as the machine emits it; safe to log (keys appear only as 'derived'/'scbk_d'). */
  onOp?: (op: Op, at: number) => void;
  /** The OSDP link to use; default: a link over `bus` built from @osprio/osdp. */
  link?: StepLink;
}

export async function runStep(args: RunStepArgs): Promise<AttemptResult> {
  const { bus, target } = args;
  let scbk: Uint8Array;
  try {
    scbk =
      'scbk' in args.key
        ? args.key.scbk.slice()
        : deriveScbk(args.key.seed, args.key.sessionId, target.stepIndex, target.address);
  } catch (e) {
    // KdfError messages never carry key material; still, report only its code-like first line.
    const why = e instanceof Error ? e.message.split('\n')[0] : 'unknown error';
    return internal(`could not derive this step’s SCBK: ${why}`);
  }
  if (scbk.length !== 16) return internal(`SCBK must be 16 bytes, got ${scbk.length}`);
  const secrets = [toHex(scbk), ...('seed' in args.key ? [toHex(args.key.seed)] : [])];
  // SCBK-D is public (reference §5.2); a fresh copy each time so nothing downstream can alter it.
  const keyFor = (ref: KeyRef): Uint8Array => (ref === 'derived' ? scbk : SCBK_D.slice());
  const link = args.link ?? createAcuStepLink(bus);
  // Where the attempt is, for an internal_error raised by a lower layer.
  const progress: Pick<AttemptResult, 'stage' | 'completed'> = { stage: 'discover', completed: [] };
  try {
    let t: Transition = startStep(
      {
        address: target.address,
        baud: target.baud,
        options: args.options,
        lastSeenBaud: args.lastSeenBaud,
        portBaud: bus.baud,
        ...(bus.canSetBaud ? {} : { fixedBaud: bus.baud }),
      },
      bus.now(),
    );
    const deadline = deadlineOf(t.state);
    for (;;) {
      let awaited: Op | undefined;
      for (const op of t.ops) {
        args.onOp?.(op, bus.now());
        switch (op.op) {
          case 'stage':
            progress.stage = op.stage;
            if (op.status === 'done') progress.completed.push(op.stage);
            args.onStage?.({ stage: op.stage, status: op.status });
            break;
          case 'set_baud':
            await bus.setBaud(op.baud);
            link.setBaud(op.baud);
            break;
          case 'restart':
            link.restart();
            break;
          case 'done':
            return op.result;
          default:
            awaited = op;
        }
      }
      if (!awaited || !isAwaited(awaited))
        return internal('commissioning machine stalled without an operation', progress);
      if (args.signal?.aborted) {
        t = nextStep(t.state, { type: 'abort', now: bus.now() });
        continue;
      }
      let result: OpResult;
      // Don't let one exchange's retries run far past the step timeout.
      const op = capToDeadline(awaited, deadline - bus.now());
      if (op.op === 'command') {
        result = await link.command(op, keyFor);
      } else {
        const rndA = args.random(8);
        if (rndA.length !== 8) throw new Error(`random(8) returned ${rndA.length} bytes`);
        result = await link.handshake(op, keyFor(op.key), rndA);
      }
      t = nextStep(
        t.state,
        args.signal?.aborted
          ? { type: 'abort', now: bus.now() }
          : { type: 'result', result, now: bus.now() },
      );
    }
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    args.onStage?.({ stage: progress.stage, status: 'stalled' });
    return internal(
      `bus or link error during ${stageText(progress.stage)}: ${redact(msg, secrets)}`,
      progress,
    );
  } finally {
    link.restart();
    wipe(scbk);
  }
}

/** Fewer tries when the step timeout is near: at most one reply window past it. */
export function capToDeadline<T extends AwaitedOp>(op: T, remainingMs: number): T {
  const n = Math.max(1, Math.ceil(remainingMs / op.policy.replyTimeoutMs));
  if (n >= op.policy.tries && n >= op.policy.triesIfSilent) return op;
  return {
    ...op,
    policy: {
      ...op.policy,
      tries: Math.min(op.policy.tries, n),
      triesIfSilent: Math.min(op.policy.triesIfSilent, n),
    },
  };
}

function internal(
  detail: string,
  at: Pick<AttemptResult, 'stage' | 'completed'> = { stage: 'discover', completed: [] },
): AttemptResult {
  return {
    outcome: 'internal_error',
    detail,
    stage: at.stage,
    stageStatus: 'stalled',
    completed: [...new Set(at.completed)],
  };
}

/** Defence in depth: a message from a lower layer never carries key hex out of here. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets)
    if (s) out = out.split(s).join('[redacted]').split(s.toUpperCase()).join('[redacted]');
  return out.slice(0, 200);
}
