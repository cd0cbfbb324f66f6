// A real Device (manual executor) behind a real link server, over in-memory links, for
// DeviceSession tests: every connect() opens a new pair, like a new WebSocket.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createLinkServer, createMemoryPair } from '@osprio/link';
import type { HostSession, LinkConnection, LinkServerOptions, QueueRef } from '@osprio/link';
import { Device, DeviceLinkHandler, modelConfig } from '@osprio/device';
import type { DeviceOptions, StepContext, StepExecutor, StepJob } from '@osprio/device';
import type { AttemptResult, Outcome, Profile } from '@osprio/provisioner';
import type { MemoryConnectionEnd } from '@osprio/link';

export function tmpDir(prefix = 'osprio-host-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export interface Call {
  job: StepJob;
  ctx: StepContext;
  finish(outcome: Outcome): void;
  settled: boolean;
}

/** Attempts end only when the test says so (or on abort). */
export function manualExecutor() {
  const calls: Call[] = [];
  const exec: StepExecutor = (job, ctx) =>
    new Promise<AttemptResult>((resolve, reject) => {
      const call: Call = {
        job: { ...job, seed: job.seed.slice() },
        ctx,
        settled: false,
        finish: (outcome) => {
          call.settled = true;
          const ok = outcome === 'ok';
          resolve({
            outcome,
            detail: ok ? '' : `failed: ${outcome}`,
            stage: ok ? 'key_verify' : 'discover',
            stageStatus: ok ? 'done' : 'stalled',
            completed: ok
              ? ['discover', 'comset', 'confirm', 'install_session', 'keyset', 'key_verify']
              : [],
          });
        },
      };
      ctx.signal.addEventListener('abort', () => {
        call.settled = true;
        reject(new Error('aborted'));
      });
      calls.push(call);
    });
  return { exec, calls, running: () => calls.filter((c) => !c.settled) };
}

export async function flush(n = 40): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise<void>((r) => setImmediate(r));
}

export class TestDevice {
  readonly m = manualExecutor();
  readonly device: Device;
  readonly handler: DeviceLinkHandler;
  /** The link session of the attached host (to push a resync as the device would). */
  hostSession: HostSession | null = null;
  /** The host end of the current link. */
  link: MemoryConnectionEnd | null = null;
  connects = 0;

  constructor(
    readonly dir = tmpDir(),
    extra: Partial<DeviceOptions> = {},
    private readonly serverOptions: LinkServerOptions = {},
  ) {
    this.device = Device.open({
      config: modelConfig('osprio-pro'),
      stateDir: dir,
      executor: this.m.exec,
      durable: false,
      ...extra,
    });
    const onAttach = (s: HostSession) => (this.hostSession = s);
    this.handler = new (class extends DeviceLinkHandler {
      override attach(s: HostSession): void {
        onAttach(s);
        super.attach(s);
      }
    })(this.device);
  }

  /** A DeviceSession `connect`. */
  readonly connect = async (): Promise<LinkConnection> => {
    this.connects++;
    const [host, dev] = createMemoryPair();
    createLinkServer(this.handler, dev, this.serverOptions);
    this.link = host;
    return host;
  };

  /** Pulls the cable. */
  drop(): void {
    this.link?.drop();
  }

  pushResync(q: QueueRef): void {
    this.hostSession?.pushResync(q, 'test');
  }

  async close(): Promise<void> {
    await this.device.close();
  }
}

export function profile(n: number, name = 'Lobby readers'): Profile {
  return {
    name,
    deviceCount: n,
    addressStrategy: 'sequential',
    startAddress: 1,
    manualAddresses: [],
    baud: 9600,
    expectedCapabilities: [],
    timeoutMs: 0,
    autoVerify: false,
  };
}

/** A deterministic "CSPRNG" for tests that remembers what it gave out (copies). */
export function recordingRandom(start = 0x31) {
  const given: Uint8Array[] = [];
  let next = start;
  const randomBytes = (n: number): Uint8Array => {
    const b = Uint8Array.from({ length: n }, () => next++ & 0xff);
    given.push(b.slice());
    return b;
  };
  return { randomBytes, given };
}

/**
 * Every typed array and string reachable from `root` through properties, array elements, Map and
 * Set entries (closures cannot be walked). Returns the paths where `needle` (bytes, or its hex in
 * strings) occurs.
 */
export function findBytes(root: unknown, needle: Uint8Array, maxNodes = 200_000): string[] {
  const hex = Array.from(needle, (b) => b.toString(16).padStart(2, '0')).join('');
  const seen = new Set<unknown>();
  const hits: string[] = [];
  const stack: [unknown, string][] = [[root, 'session']];
  let nodes = 0;
  const contains = (hay: Uint8Array): boolean => {
    outer: for (let i = 0; i + needle.length <= hay.length; i++) {
      for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
      return true;
    }
    return false;
  };
  while (stack.length > 0 && nodes++ < maxNodes) {
    const [x, p] = stack.pop()!;
    if (typeof x === 'string') {
      if (x.toLowerCase().includes(hex)) hits.push(p);
      continue;
    }
    if (typeof x !== 'object' || x === null || seen.has(x)) continue;
    seen.add(x);
    if (ArrayBuffer.isView(x)) {
      if (contains(new Uint8Array(x.buffer, x.byteOffset, x.byteLength))) hits.push(p);
      continue;
    }
    if (x instanceof ArrayBuffer) {
      if (contains(new Uint8Array(x))) hits.push(p);
      continue;
    }
    if (x instanceof Map) {
      for (const [k, v] of x) stack.push([k, `${p}<key>`], [v, `${p}.get(${String(k)})`]);
    } else if (x instanceof Set) {
      for (const v of x) stack.push([v, `${p}<item>`]);
    }
    for (const k of Reflect.ownKeys(x)) {
      const d = Object.getOwnPropertyDescriptor(x, k);
      if (d && 'value' in d) stack.push([d.value, `${p}.${String(k)}`]);
    }
  }
  return hits;
}
