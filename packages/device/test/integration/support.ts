// Shared pieces of the emulator integration tests: an emulator on a temp state dir at full speed, a
// host (the link's RPC client over the real WebSocket transport), plans, and an edge log that
// checks every edge arrives once and in order.

import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { LinkClient, LinkError, eventEdges } from '@osprio/link';
import type { ProgressEdge, SlotDetail, StepTarget } from '@osprio/link';
import { connectWebSocketNode } from '@osprio/link/node';
import type { Profile } from '@osprio/provisioner';
import { startEmulator } from '../../src/emulator/index.ts';
import type { Emulator, EmulatorOptions } from '../../src/emulator/index.ts';

export const SEED = Uint8Array.from({ length: 16 }, (_, i) => 0x40 + i);
export const WORKSPACE_ORIGIN = 'http://127.0.0.1:5173';

export function tmpStateDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'osprio-emu-it-'));
}

export function sessionId(n: number): string {
  return `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
}

/** A Pro at full speed on a fresh state dir; the technician stays home unless asked. */
export function startTestEmulator(opts: EmulatorOptions = {}): Promise<Emulator> {
  return startEmulator({
    model: 'pro',
    speed: 'max',
    stateDir: opts.stateDir ?? tmpStateDir(),
    origins: [WORKSPACE_ORIGIN],
    technician: false,
    heartbeatMs: 0,
    ...opts,
  });
}

export async function connectHost(url: string, origin?: string): Promise<LinkClient> {
  const conn = await connectWebSocketNode(url, origin === undefined ? {} : { origin });
  const client = new LinkClient(conn, { timeoutMs: 15_000 });
  await client.hello('osprio-it/1');
  return client;
}

/** Connects, expecting a refusal; returns the error. */
export async function refusal(p: () => Promise<unknown>): Promise<LinkError> {
  try {
    await p();
  } catch (e) {
    expect(e).toBeInstanceOf(LinkError);
    return e as LinkError;
  }
  throw new Error('expected a refusal');
}

export function header(n: number, name = 'Lobby readers', baud = 9600): Profile {
  return {
    name,
    deviceCount: n,
    addressStrategy: 'sequential',
    startAddress: 1,
    manualAddresses: [],
    baud,
    expectedCapabilities: [],
    timeoutMs: 0,
    autoVerify: false,
  };
}

export function targets(n: number, baud = 9600): StepTarget[] {
  return Array.from({ length: n }, (_, i) => ({ index: i, address: i + 1, baud }));
}

/** Writes a whole plan into an empty slot and seals it. */
export async function plan(
  c: LinkClient,
  slot: number,
  n: number,
  name = 'Lobby readers',
  sid = sessionId(slot + 1),
): Promise<void> {
  await c.createSlot({ slot, header: header(n, name), sessionId: sid, seed: SEED });
  await c.uploadAllSteps(slot, targets(n));
  await c.sealSlot({ slot, stepCount: n });
}

/** Every edge of subscribed slots, checked for order and uniqueness as it arrives. */
export class EdgeLog {
  readonly edges = new Map<number, ProgressEdge[]>();
  private waiters: (() => void)[] = [];

  constructor(c?: LinkClient) {
    if (c) this.attach(c);
  }

  attach(c: LinkClient): void {
    c.onEvent((ev) => {
      // A replay comes as one `edges` batch, live edges one by one: the same checks for both.
      for (const e of eventEdges(ev)) {
        if (!('slot' in e.queue)) continue;
        const list = this.edges.get(e.queue.slot) ?? [];
        const last = list.at(-1)?.seq ?? 0;
        // none lost, none twice: seq continues the last one applied exactly
        if (e.seq !== last + 1)
          throw new Error(`slot ${e.queue.slot}: edge ${e.seq} after ${last}`);
        list.push(e);
        this.edges.set(e.queue.slot, list);
      }
      for (const w of this.waiters.splice(0)) w();
    });
  }

  of(slot: number): ProgressEdge[] {
    return this.edges.get(slot) ?? [];
  }

  lastSeq(slot: number): number {
    return this.of(slot).at(-1)?.seq ?? 0;
  }

  /** Waits until `pred` holds for the log (checked on every edge). */
  async until(pred: () => boolean, timeoutMs = 20_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (!pred()) {
      if (Date.now() > end) throw new Error('timed out waiting for edges');
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 50);
      });
    }
  }
}

/** The step states a slot's edges lead to (the last edge of each step wins). */
export function replay(
  edges: readonly ProgressEdge[],
  n: number,
): Pick<ProgressEdge, 'state' | 'attempts' | 'outcome'>[] {
  const steps = Array.from({ length: n }, () => ({
    state: 'pending' as ProgressEdge['state'],
    attempts: 0,
    outcome: null as ProgressEdge['outcome'],
  }));
  for (const e of edges)
    steps[e.stepIndex] = { state: e.state, attempts: e.attempts, outcome: e.outcome };
  return steps;
}

export function statesOf(s: SlotDetail): Pick<ProgressEdge, 'state' | 'attempts' | 'outcome'>[] {
  return s.steps.map((x) => ({ state: x.state, attempts: x.attempts, outcome: x.outcome }));
}

export async function until(
  pred: () => boolean | Promise<boolean>,
  timeoutMs = 20_000,
  what = 'condition',
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await pred())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

// ── the real CLI as a child process ─────────────────────────────────────────────────────────────

export const OSPRIO_BIN = fileURLToPath(
  new URL('../../../../apps/cli/bin/osprio.js', import.meta.url),
);

export interface EmulatorChild {
  child: ChildProcess;
  url: string;
  stdout: () => string;
  stderr: () => string;
  /** Resolves with the exit code (or the signal's name). */
  exited: Promise<number | string>;
}

/** Children record themselves in the per-user runtime file: keep that in a temp dir of this run. */
const CHILD_ENV = {
  ...process.env,
  OSPRIO_RUNTIME_DIR: path.join(os.tmpdir(), `osprio-test-run-${process.pid}`),
};

/** Runs `osprio device --sim …` and resolves once it printed its address. */
export function spawnEmulator(args: string[]): Promise<EmulatorChild> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [OSPRIO_BIN, 'device', '--sim', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: CHILD_ENV,
    });
    let out = '';
    let err = '';
    const exited = new Promise<number | string>((r) =>
      child.on('exit', (code, signal) => r(code ?? signal ?? -1)),
    );
    child.stdout!.setEncoding('utf8').on('data', (s: string) => {
      out += s;
      const m = /connect a host to: (ws:\/\/\S+)/.exec(out);
      if (m) resolve({ child, url: m[1]!, stdout: () => out, stderr: () => err, exited });
    });
    child.stderr!.setEncoding('utf8').on('data', (s: string) => (err += s));
    void exited.then((code) =>
      reject(
        new Error(`emulator exited (${code}) before printing its address: ${err.slice(0, 500)}`),
      ),
    );
  });
}

/** Runs the CLI to completion. */
export function runCli(
  args: string[],
  timeoutMs = 15_000,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [OSPRIO_BIN, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: CHILD_ENV,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    const t = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(t);
      resolve({ code, stdout, stderr });
    });
  });
}
