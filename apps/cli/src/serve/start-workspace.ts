// Starts what `npm start` runs, as a library: the emulated devices and the workspace server in one
// process. `osprio start` uses it, and so does the end-to-end fixture (on temp state dirs), so the
// tests drive exactly what a person gets.

import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  startEmulator,
  type Emulator,
  type EmulatorModel,
  type TechnicianTiming,
} from '@osprio/device/emulator';
import type { ModelOverrides } from '@osprio/device';
import type { LinkServerOptions } from '@osprio/link';
import { startWorkspaceServer, type WorkspaceServer } from './workspace-server.ts';

export interface DeviceSpec {
  /** URL-safe id ('pro', 'mini', 'slots-only'…). */
  id: string;
  /** Shown in the device list; default from the model. */
  name?: string;
  model: EmulatorModel;
  modelOverrides?: ModelOverrides;
  faults?: string;
  pds?: number;
  /** The device's flash (models with slots); default the per-user state dir. */
  stateDir?: string;
  /** Loopback port of the emulator's own CLI endpoint; default any free port. */
  port?: number;
  serialNumber?: string;
  technician?: boolean;
  technicianTiming?: Partial<TechnicianTiming>;
  /** Options of the workspace's link endpoints for this device (tests: e.g. supportedVersions to
   *  stand for firmware this workspace cannot talk to). */
  linkOptions?: LinkServerOptions;
}

export interface StartWorkspaceOptions {
  devices: DeviceSpec[];
  /** The workspace's loopback port; default any free port. */
  port?: number;
  /** Bus time per wall time (1 = real time) or 'max'. */
  speed?: number | 'max';
  /** The built workspace; default found next to this checkout (apps/workspace/dist). */
  distDir?: string | null;
  heartbeatMs?: number;
  durable?: boolean;
  log?: (device: string, line: string) => void;
}

export interface RunningWorkspace {
  readonly server: WorkspaceServer;
  /** http://127.0.0.1:<port>/ */
  readonly url: string;
  /** The emulators by device id (their bench has the readers' state for tests). */
  readonly emulators: ReadonlyMap<string, Emulator>;
  close(): Promise<void>;
}

const MODEL_NAMES: Record<EmulatorModel, string> = { pro: 'Osprio Pro', mini: 'Osprio Mini' };

/** apps/workspace/dist of this checkout: OSPRIO_WORKSPACE_DIST, else found walking up from here. */
export function findWorkspaceDist(): string | null {
  const env = process.env.OSPRIO_WORKSPACE_DIST;
  if (env) return env;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    const candidate = join(dir, 'apps', 'workspace', 'dist');
    if (existsSync(join(candidate, 'index.html'))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return null;
}

export async function startWorkspace(o: StartWorkspaceOptions): Promise<RunningWorkspace> {
  const emulators = new Map<string, Emulator>();
  const closeAll = () => Promise.allSettled([...emulators.values()].map((e) => e.close()));
  let server: WorkspaceServer;
  try {
    for (const d of o.devices) {
      if (emulators.has(d.id)) throw new RangeError(`device id "${d.id}" used twice`);
      const emu = await startEmulator({
        model: d.model,
        port: d.port ?? 0,
        ...(d.modelOverrides ? { modelOverrides: d.modelOverrides } : {}),
        ...(d.faults ? { faults: d.faults } : {}),
        ...(d.pds !== undefined ? { pds: d.pds } : {}),
        ...(d.stateDir ? { stateDir: d.stateDir } : {}),
        ...(d.serialNumber ? { serialNumber: d.serialNumber } : {}),
        ...(d.technician !== undefined ? { technician: d.technician } : {}),
        ...(d.technicianTiming ? { technicianTiming: d.technicianTiming } : {}),
        ...(o.heartbeatMs !== undefined ? { heartbeatMs: o.heartbeatMs } : {}),
        ...(o.durable !== undefined ? { durable: o.durable } : {}),
        speed: o.speed ?? 1,
        log: (line) => o.log?.(d.id, line),
      });
      emulators.set(d.id, emu);
    }
    server = await startWorkspaceServer({
      port: o.port ?? 0,
      distDir: o.distDir === undefined ? findWorkspaceDist() : o.distDir,
      ...(o.heartbeatMs !== undefined ? { heartbeatMs: o.heartbeatMs } : {}),
      devices: o.devices.map((d) => {
        const emu = emulators.get(d.id)!;
        return {
          id: d.id,
          name: d.name ?? MODEL_NAMES[d.model],
          handler: emu.handler,
          identity: emu.device.identity,
          ...(d.linkOptions ? { linkOptions: d.linkOptions } : {}),
        };
      }),
    });
  } catch (e) {
    await closeAll();
    throw e;
  }
  const srv = server;
  let closing: Promise<void> | null = null;
  return {
    server: srv,
    url: srv.url,
    emulators,
    close() {
      closing ??= (async () => {
        await srv.close();
        await closeAll();
      })();
      return closing;
    },
  };
}
