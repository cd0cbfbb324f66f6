// `osprio device --sim …`: runs the device emulator in the foreground — a provisioner device with the
// real commissioning engine on a simulated bus of readers — and prints the address a host connects
// to. Loopback only; the token in that address is random per run. Ctrl-C (or SIGTERM) shuts it down
// cleanly: the journals are closed, an attempt in flight reads as interrupted on the next start.

import {
  FAULT_SPEC_HELP,
  FaultSpecError,
  defaultStateDir,
  parseFaultSpec,
  parseSpeed,
  startEmulator,
} from '@osprio/device/emulator';
import type { Emulator, EmulatorModel } from '@osprio/device/emulator';
import type { FaultPlan } from '@osprio/device/emulator';
import { parseLoopbackListen } from '../listen.ts';
import { recordDevice } from '../runtime-file.ts';
import { EXIT } from '../exit-codes.ts';

export interface DeviceCommandOptions {
  sim?: boolean;
  model?: string;
  /** quick-step | slots | both: which of the three opening screens the device leads a host to. */
  modes?: string;
  listen?: string;
  stateDir?: string;
  pds?: string;
  faults?: string;
  speed?: string;
  origin?: string[];
  seed?: string;
  quiet?: boolean;
  /** false with --no-technician. */
  technician?: boolean;
}

export interface DeviceIo {
  out: (line: string) => void;
  err: (line: string) => void;
  /** Resolves when the process should stop (default: SIGINT or SIGTERM). */
  stopSignal?: () => Promise<string>;
  /** Where the runtime file is (OSPRIO_RUNTIME_DIR, XDG_RUNTIME_DIR); default process.env. */
  env?: Record<string, string | undefined>;
}

export const DEVICE_USAGE =
  'usage: osprio device --sim [--model pro|mini] [--modes quick-step|slots|both] [--listen 127.0.0.1:<port>]\n' +
  '                        [--state-dir DIR] [--pds N] [--faults SPEC] [--speed X|max] [--origin URL]... [--seed N] [--no-technician] [--quiet]';

class UsageError extends Error {}

export type DeviceModes = 'quick-step' | 'slots' | 'both';

interface Parsed {
  model: EmulatorModel;
  modes: DeviceModes;
  port: number;
  stateDir: string | undefined;
  pds: number;
  faults: FaultPlan;
  faultText: string;
  speed: number;
  origins: string[];
  seed: number;
}

function int(v: string, flag: string, lo: number, hi: number): number {
  if (!/^\d+$/.test(v.trim()) || Number(v) < lo || Number(v) > hi)
    throw new UsageError(`${flag} must be an integer ${lo}..${hi}`);
  return Number(v);
}

export function parseDeviceOptions(o: DeviceCommandOptions): Parsed {
  if (!o.sim) throw new UsageError('only the emulator is available here: pass --sim');
  const model = o.model ?? 'pro';
  if (model !== 'pro' && model !== 'mini') throw new UsageError('--model must be pro or mini');
  // The spec wants each opening screen (quick-step only / slots only / both) reachable; a Mini has no
  // flash for slots, so it offers quick-step only.
  const modes = o.modes ?? (model === 'pro' ? 'both' : 'quick-step');
  if (modes !== 'quick-step' && modes !== 'slots' && modes !== 'both')
    throw new UsageError('--modes must be quick-step, slots or both');
  if (model === 'mini' && modes !== 'quick-step')
    throw new UsageError('--model mini has no slots: --modes slots or both needs --model pro');
  let port = 0;
  if (o.listen !== undefined) {
    try {
      const l = parseLoopbackListen(o.listen);
      port = l.port;
      // The device URL and its Host check are IPv4 loopback: refuse rather than bind something else.
      if (l.host === '::1')
        throw new Error(
          `--listen: the emulator serves on 127.0.0.1 only, not [::1]; use 127.0.0.1:${l.port}`,
        );
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
  }
  const pds = o.pds === undefined ? 126 : int(o.pds, '--pds', 0, 126);
  let faults: FaultPlan;
  try {
    faults = parseFaultSpec(o.faults ?? '');
  } catch (e) {
    if (e instanceof FaultSpecError)
      throw new UsageError(`--faults: ${e.message}\n${FAULT_SPEC_HELP}`);
    throw e;
  }
  let speed: number;
  try {
    speed = parseSpeed(o.speed ?? '1');
  } catch {
    throw new UsageError('--speed must be a positive number (1 = real time, 10, 100…) or "max"');
  }
  const origins = (o.origin ?? []).map((u) => {
    let url: URL;
    try {
      url = new URL(u);
    } catch {
      throw new UsageError(
        `--origin ${JSON.stringify(u.slice(0, 80))} is not a URL (e.g. http://127.0.0.1:5173)`,
      );
    }
    if (
      (url.protocol !== 'http:' && url.protocol !== 'https:') ||
      url.pathname !== '/' ||
      url.search ||
      url.hash
    ) {
      throw new UsageError(`--origin must be a bare http(s) origin such as http://127.0.0.1:5173`);
    }
    return url.origin;
  });
  if (o.stateDir !== undefined && o.stateDir.trim() === '')
    throw new UsageError('--state-dir must not be empty');
  const seed = o.seed === undefined ? 1 : int(o.seed, '--seed', 0, 2 ** 31);
  return {
    model,
    modes,
    port,
    stateDir: o.stateDir,
    pds,
    faults,
    faultText: o.faults ?? '',
    speed,
    origins,
    seed,
  };
}

function defaultStop(): Promise<string> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
}

/** Runs the emulator until stopped; returns the exit code (2 = bad flags). */
export async function runDevice(o: DeviceCommandOptions, io: DeviceIo): Promise<number> {
  if (o.faults?.trim() === 'help') {
    io.out(FAULT_SPEC_HELP);
    return 0;
  }
  let p: Parsed;
  try {
    p = parseDeviceOptions(o);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.err(`osprio device: ${e.message}`);
    io.err(DEVICE_USAGE);
    return 2;
  }
  const stop = (io.stopSignal ?? defaultStop)();
  const stateDir = p.model === 'pro' ? (p.stateDir ?? defaultStateDir(p.model)) : undefined;
  let emu: Emulator;
  try {
    emu = await startEmulator({
      model: p.model,
      modelOverrides: {
        status: { liveQuickStep: p.modes !== 'slots', slots: p.modes !== 'quick-step' },
      },
      port: p.port,
      ...(stateDir ? { stateDir } : {}),
      pds: p.pds,
      faults: p.faults,
      speed: Number.isFinite(p.speed) ? p.speed : 'max',
      origins: p.origins,
      seed: p.seed,
      technician: o.technician !== false,
      log: o.quiet
        ? () => {}
        : (line) => io.out(`[${new Date().toISOString().slice(11, 23)}] ${line}`),
    });
  } catch (e) {
    const code = (e as { code?: string }).code;
    // The exit codes every command shares: its flash held by another emulator is "in use" (4);
    // a taken port or any other failure to come up, "unreachable" (3).
    if (e instanceof Error && e.name === 'StateDirInUseError') {
      io.err(
        `osprio device: the state dir is in use by another emulator (${e.message}); stop it or pass another --state-dir`,
      );
      return EXIT.inUse;
    }
    if (code === 'EADDRINUSE')
      io.err(`osprio device: port ${p.port} is already in use on 127.0.0.1`);
    else
      io.err(
        `osprio device: cannot start the emulator: ${e instanceof Error ? e.message : String(e)}`,
      );
    return EXIT.unreachable;
  }
  const d = emu.device;
  // Lets `osprio devices` list it and other commands find it without --device; removed on exit.
  const unrecord = recordDevice(
    {
      url: emu.url,
      model: d.identity.model,
      serialNumber: d.identity.serialNumber,
      slots: d.status.slots,
      liveQuickStep: d.status.liveQuickStep,
    },
    io.env ?? process.env,
    (l) => io.err(`osprio device: ${l}`),
  );
  io.out(
    `${d.identity.model} emulator — serial ${d.identity.serialNumber}, firmware ${d.identity.firmwareVersion}, protocol ${d.identity.protocolVersion}`,
  );
  io.out(
    emu.stateDir
      ? `state dir (the device's flash): ${emu.stateDir}`
      : 'no slots on this model: nothing is kept across restarts',
  );
  io.out(
    `speed: ${Number.isFinite(p.speed) ? `${p.speed}x real time` : 'max'}; readers on the bus: ${p.pds}; faults: ${p.faultText || 'none'}`,
  );
  io.out(
    `origins allowed: ${p.origins.length ? p.origins.join(' ') : 'none (clients without an Origin header, like the CLI, only)'}`,
  );
  io.out(`connect a host to: ${emu.url}`);
  io.out('(the token in that address is this run’s secret; Ctrl-C stops the device)');
  const signal = await stop;
  io.out(`${signal}: shutting down`);
  unrecord();
  await emu.close();
  return 0;
}
