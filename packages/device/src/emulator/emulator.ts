// The device emulator: a Device with the REAL commissioning engine (runStep) on a simulated bus of
// readers, its slots journaled in a state directory (its flash), served over a loopback WebSocket
// that needs the per-run token and accepts only the workspace's origins. Several can run in one
// process (npm start runs a Pro and a Mini).

import { randomBytes } from 'node:crypto';
import * as os from 'node:os';
import * as path from 'node:path';
import type { DeviceHandler, DeviceModel, HostSession } from '@osprio/link';
import { startWsDeviceServer } from '@osprio/link/node';
import { runStep } from '@osprio/provisioner';
import { Device } from '../device.ts';
import { busStepExecutor, cryptoRandom } from '../executor.ts';
import { DeviceLinkHandler } from '../handler.ts';
import { modelConfig } from '../models.ts';
import type { ModelOverrides } from '../models.ts';
import { Bench } from './bench.ts';
import type { ReaderFlashStore } from './bench.ts';
import { NO_FAULTS, describePlan, parseFaultSpec } from './faults.ts';
import type { FaultPlan } from './faults.ts';
import { DEFAULT_TIMING, Technician } from './technician.ts';
import type { TechnicianTiming } from './technician.ts';

export type EmulatorModel = 'pro' | 'mini';

export interface EmulatorOptions {
  model?: EmulatorModel;
  /** Loopback port; 0 (default) = any free port. */
  port?: number;
  /** The device's flash; default `defaultStateDir(model)`. */
  stateDir?: string;
  /** Readers on the simulated site (steps with a higher index find none). Default 126. */
  pds?: number;
  /** A --faults SPEC (see faults.ts) or a parsed plan. */
  faults?: string | FaultPlan;
  /** Bus time per wall time: 1 = real time (default), 'max' = as fast as possible. */
  speed?: number | 'max';
  /** Exact browser origins allowed to connect (a client without Origin, e.g. the CLI, needs only the token). */
  origins?: readonly string[];
  /** Per-run secret; default 32 random bytes from node:crypto. */
  token?: string;
  serialNumber?: string;
  /** Run the offline-autonomous technician (Pro only). Default true. */
  technician?: boolean;
  technicianTiming?: Partial<TechnicianTiming>;
  /** Edges kept per slot. Default 4096 (a full 126-step slot's history). */
  edgeLimit?: number;
  /** fsync the journals. Default true. */
  durable?: boolean;
  /** WebSocket ping interval (ms); default 15 s. */
  heartbeatMs?: number;
  /** Where the emulator's log lines go (never key material). Default: nowhere. */
  log?: (line: string) => void;
  /** Seeds the simulated line and the readers. Default 1. */
  seed?: number;
  modelOverrides?: ModelOverrides;
  /** Reader flash that outlives the process (see Bench); for soak runs that SIGKILL the device. */
  readerFlash?: ReaderFlashStore;
  /** Noise of the whole simulated line: each byte corrupted with this probability. Default 0. */
  lineByteErrorRate?: number;
}

export interface Emulator {
  /** ws://127.0.0.1:<port>/device?token=… — carries the secret: show it, don't log it elsewhere. */
  readonly url: string;
  readonly port: number;
  readonly token: string;
  readonly model: DeviceModel;
  readonly stateDir: string | null;
  readonly device: Device;
  readonly bench: Bench;
  /** Whether a host session is attached right now. */
  readonly hostAttached: boolean;
  /** The device's link handler, to mount more endpoints (e.g. the workspace's same-origin ones);
   *  every endpoint of one handler shares the one-host rule. */
  readonly handler: DeviceHandler;
  /** Stops listening, drops the host, powers the device off (an attempt in flight reads as interrupted next time). */
  close(): Promise<void>;
}

/**
 * Per user, never a shared temp dir (another user could pre-create that and plant a journal):
 * `$XDG_STATE_HOME/osprio/emulator-<model>`, else `~/.local/state/osprio/…`, else a uid-suffixed
 * directory under the temp dir. Device.open refuses it anyway unless it is ours and private.
 */
export function defaultStateDir(model: EmulatorModel): string {
  const leaf = `emulator-${model}`;
  const xdg = process.env.XDG_STATE_HOME;
  if (xdg && path.isAbsolute(xdg)) return path.join(xdg, 'osprio', leaf);
  let home = '';
  try {
    home = os.homedir();
  } catch {
    // no home directory (e.g. a service account): fall through
  }
  if (home) return path.join(home, '.local', 'state', 'osprio', leaf);
  const uid = typeof process.getuid === 'function' ? process.getuid() : os.userInfo().username;
  return path.join(os.tmpdir(), `osprio-${uid}`, leaf);
}

/** Parses --speed: a positive number or "max". */
export function parseSpeed(v: string | number): number {
  if (v === 'max') return Infinity;
  const n = typeof v === 'number' ? v : /^\d+(\.\d+)?$/.test(v) ? Number(v) : NaN;
  if (!(n > 0) || !Number.isFinite(n) || n > 1e6)
    throw new RangeError('speed must be a positive number (e.g. 1, 10, 100) or "max"');
  return n;
}

// eslint-disable-next-line max-lines-per-function -- the emulator wiring (bus, readers, device, link, lock) in start order; each part is its own module
export async function startEmulator(opts: EmulatorOptions = {}): Promise<Emulator> {
  const short = opts.model ?? 'pro';
  if (short !== 'pro' && short !== 'mini') throw new RangeError('model must be "pro" or "mini"');
  const model: DeviceModel = short === 'mini' ? 'osprio-mini' : 'osprio-pro';
  const speed = parseSpeed(opts.speed ?? 1);
  const faults =
    typeof opts.faults === 'string' ? parseFaultSpec(opts.faults) : (opts.faults ?? NO_FAULTS);
  const pds = opts.pds ?? 126;
  if (!Number.isInteger(pds) || pds < 0 || pds > 126)
    throw new RangeError('pds must be an integer 0..126');
  const log = opts.log ?? (() => {});
  const config = modelConfig(model, {
    ...opts.modelOverrides,
    ...(opts.serialNumber ? { serialNumber: opts.serialNumber } : {}),
  });
  const stateDir = config.status.slots ? (opts.stateDir ?? defaultStateDir(short)) : null;

  const bench = new Bench({
    faults,
    pds,
    speed,
    seed: opts.seed ?? 1,
    ...(opts.readerFlash ? { readerFlash: opts.readerFlash } : {}),
    ...(opts.lineByteErrorRate ? { lineByteErrorRate: opts.lineByteErrorRate } : {}),
  });
  let hostAttached = false;
  let device: Device | null = null;
  const isAutonomous = () => !hostAttached && device?.autonomousPhase === 'running';
  const executor = bench.executor(busStepExecutor(runStep, bench.bus, cryptoRandom), isAutonomous);
  const scaled = (ms: number) => (Number.isFinite(speed) ? Math.max(5, ms / speed) : 5);

  try {
    device = Device.open({
      config,
      executor,
      ...(stateDir ? { stateDir } : {}),
      probe: bench.probe,
      edgeLimit: opts.edgeLimit ?? 4096,
      durable: opts.durable ?? true,
      pollMs: scaled(500),
      busSpeed: speed,
      log,
    });
  } catch (e) {
    // Device.open holds the state dir's lock: a second emulator on the same flash ends here.
    await bench.close();
    throw e;
  }
  const dev = device;
  for (const [slot, r] of dev.loadReports.entries()) {
    if (r.truncatedBytes > 0)
      log(`slot ${slot}: cut ${r.truncatedBytes} bytes of torn journal tail`);
  }

  const technician =
    config.status.offlineAutonomous && opts.technician !== false
      ? new Technician(
          dev,
          bench,
          () => hostAttached,
          speed,
          { ...DEFAULT_TIMING, ...opts.technicianTiming },
          log,
        )
      : null;

  const handler = new (class extends DeviceLinkHandler {
    override attach(session: HostSession): void {
      hostAttached = true;
      log(`host session ${session.id} attached`);
      super.attach(session);
    }
    override detach(session: HostSession): void {
      super.detach(session);
      hostAttached = false;
      log(`host session ${session.id} detached`);
    }
  })(dev);

  dev.onEvent((ev) => {
    if (ev.type !== 'edge') return;
    const e = ev.edge;
    if (e.state === 'success' || e.state === 'failure') {
      const q = 'slot' in e.queue ? `slot ${e.queue.slot}` : 'live';
      log(
        `${q} step ${e.stepIndex}: ${e.state} (${e.outcome ?? '-'}) attempt ${e.attempts}${e.detail ? ` — ${e.detail}` : ''}`,
      );
    }
  });

  let server;
  try {
    server = await startWsDeviceServer({
      handler,
      allowedOrigins: opts.origins ?? [],
      token: opts.token ?? randomBytes(32).toString('hex'),
      port: opts.port ?? 0,
      ...(opts.heartbeatMs !== undefined ? { heartbeatMs: opts.heartbeatMs } : {}),
      linkOptions: {
        onInternalError: (err, type) =>
          log(`internal error serving ${type}: ${err instanceof Error ? err.name : 'error'}`),
      },
    });
  } catch (e) {
    await dev.close();
    await bench.close();
    throw e;
  }
  technician?.start();
  log(
    `${model} ${config.identity.serialNumber}: speed ${Number.isFinite(speed) ? `${speed}x` : 'max'}, ${pds} readers, faults ${describePlan(faults)}`,
  );

  let closing: Promise<void> | null = null;
  const srv = server;
  return {
    url: srv.url,
    port: srv.port,
    token: srv.token,
    model,
    stateDir,
    device: dev,
    bench,
    handler,
    get hostAttached() {
      return hostAttached;
    },
    close() {
      closing ??= (async () => {
        await technician?.stop();
        await srv.close();
        await dev.close();
        await bench.close();
      })();
      return closing;
    },
  };
}
