// Fakes for device tests: a state dir, a profile header, executors that finish on command, hang
// until aborted, throw, or take a while.

import * as fs from 'node:fs';
import { expect } from 'vitest';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AttemptResult, Outcome, Profile, StageEvent } from '@osprio/provisioner';
import { Device, modelConfig } from '../src/index.ts';
import type {
  DeviceEvent,
  DeviceOptions,
  StepExecutor,
  StepJob,
  StepContext,
} from '../src/index.ts';

export function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'osprio-device-'));
}

export const SEED = Uint8Array.from({ length: 16 }, (_, i) => 0xa0 + i);
export const SESSION = '0f8f1d2c-5b7a-4c1e-9d3e-2a6b8c4d1e0f';
export const SESSION2 = '1f8f1d2c-5b7a-4c1e-9d3e-2a6b8c4d1e0f';

export function header(n: number, name = 'Lobby readers'): Profile {
  return {
    name,
    deviceCount: n,
    addressStrategy: 'sequential',
    startAddress: 1,
    manualAddresses: [],
    baud: 115200,
    expectedCapabilities: [],
    timeoutMs: 0,
    autoVerify: true,
  };
}

export const OPTIONS = { timeoutMs: 0, autoVerify: false, expectedCapabilities: [] };

export function result(
  outcome: Outcome,
  completed: AttemptResult['completed'] = [
    'discover',
    'comset',
    'confirm',
    'install_session',
    'keyset',
    'key_verify',
  ],
): AttemptResult {
  const ok = outcome === 'ok';
  const stage = ok ? 'key_verify' : 'discover';
  return {
    outcome,
    detail: ok ? '' : `failed: ${outcome}`,
    stage,
    stageStatus: ok ? 'done' : 'stalled',
    completed: ok ? completed : [],
  };
}

export interface Call {
  job: StepJob;
  ctx: StepContext;
  finish(r: AttemptResult): void;
  fail(e: Error): void;
  aborted: boolean;
  settled: boolean;
}

/** An executor whose attempts end only when the test says so (or, like a real one, on abort). */
export function manualExecutor() {
  const calls: Call[] = [];
  const exec: StepExecutor = (job, ctx) =>
    new Promise<AttemptResult>((resolve, reject) => {
      const call: Call = {
        job: { ...job, seed: job.seed.slice() },
        ctx,
        aborted: false,
        settled: false,
        finish: (r) => {
          call.settled = true;
          resolve(r);
        },
        fail: (e) => {
          call.settled = true;
          reject(e);
        },
      };
      ctx.signal.addEventListener('abort', () => {
        call.aborted = true;
        call.settled = true;
        reject(new Error('aborted'));
      });
      calls.push(call);
    });
  return { exec, calls, running: () => calls.filter((c) => !c.settled) };
}

/** Decides each attempt from its address: ok / a failing outcome / hang until aborted / throw. */
export function scriptedExecutor(
  plan: (job: StepJob) => Outcome | 'hang' | 'throw',
  stages: StageEvent[] = [],
): { exec: StepExecutor; jobs: StepJob[] } {
  const jobs: StepJob[] = [];
  const exec: StepExecutor = async (job, ctx) => {
    jobs.push({ ...job, seed: job.seed.slice() });
    for (const s of stages) ctx.onStage(s);
    const what = plan(job);
    if (what === 'throw') throw new Error('engine exploded');
    if (what === 'hang') {
      return new Promise((_, reject) =>
        ctx.signal.addEventListener('abort', () => reject(new Error('aborted'))),
      );
    }
    return result(what);
  };
  return { exec, jobs };
}

export async function flush(n = 30): Promise<void> {
  for (let i = 0; i < n; i++) await Promise.resolve();
}

export function openDevice(
  dir: string,
  exec: StepExecutor,
  extra: Partial<DeviceOptions> = {},
): Device {
  return Device.open({
    config: modelConfig('osprio-pro'),
    stateDir: dir,
    executor: exec,
    hostAttached: true,
    ...extra,
  });
}

/** Creates, uploads (in chunks of 50) and seals slot `slot` with `n` steps at addresses 1..n. */
export function readySlot(d: Device, slot: number, n: number, h: Profile = header(n)): void {
  expect(d.createSlot(slot, h, SESSION, SEED)).toEqual({ ok: true });
  for (let i = 0; i < n; i += 50) {
    const chunk = Array.from({ length: Math.min(50, n - i) }, (_, k) => ({
      index: i + k,
      address: i + k + 1,
      baud: 115200,
    }));
    expect(d.uploadSteps(slot, chunk).ok).toBe(true);
  }
  expect(d.sealSlot(slot, n)).toMatchObject({ ok: true, state: 'ready' });
}

export function recordEvents(d: Device): DeviceEvent[] {
  const evs: DeviceEvent[] = [];
  d.onEvent((e) => evs.push(e));
  return evs;
}

export function slotOf(d: Device, slot: number) {
  const r = d.getSlot(slot);
  if (!r.ok) throw new Error(r.reason);
  return r.slot;
}

export function edgesOf(d: Device, slot: number) {
  const r = d.since({ slot }, 0);
  if (!r.ok || r.resync) throw new Error('no edges');
  return r.edges;
}
