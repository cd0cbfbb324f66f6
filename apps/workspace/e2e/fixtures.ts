// The end-to-end fixture: every test gets its own workspace server — the very server `npm start`
// runs (startWorkspace), in this process, with emulated devices on fresh temp state dirs — and a
// page. Tests reach the emulators (e.g. `workspace.emulator('pro').bench.readerStates()`) to check
// what the simulated readers really hold.
//
//   import { test, expect, shot } from './fixtures.ts';
//   test.use({ workspaceOptions: { devices: [PRO, { id: 'slots', model: 'pro', modelOverrides: SLOTS_ONLY }] } });
//   test('…', async ({ page, workspace }) => { await page.goto(workspace.url); … await shot(page, 'name'); });

import { test as base, expect, type Page } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Emulator } from '@osprio/device/emulator';
import {
  startWorkspace,
  type DeviceSpec,
  type RunningWorkspace,
  type StartWorkspaceOptions,
} from '../../cli/src/serve/start-workspace.ts';

export { expect };
export type { DeviceSpec };

const repo = fileURLToPath(new URL('../../..', import.meta.url));
export const DIST_DIR = join(repo, 'apps', 'workspace', 'dist');
export const SCREENS_DIR = join(repo, 'test-results', 'screens');

/** The devices `npm start` runs (without its site faults unless a test asks for them). */
export const PRO: DeviceSpec = { id: 'pro', model: 'pro' };
export const MINI: DeviceSpec = { id: 'mini', model: 'mini' };
/** A Pro whose firmware offers slots only (`osprio device --modes slots`). */
export const SLOTS_ONLY: DeviceSpec = {
  id: 'slots',
  name: 'Osprio Pro (slots only)',
  model: 'pro',
  modelOverrides: { status: { liveQuickStep: false } },
};

export interface WorkspaceOptions {
  devices: DeviceSpec[];
  /** Bus time per wall time; default 'max'. */
  speed?: number | 'max';
  heartbeatMs?: number;
  /** Device ids whose link serves only this protocol version list (incompatible firmware). */
  supportedVersions?: Record<string, readonly number[]>;
}

export interface TestWorkspace extends RunningWorkspace {
  /** http://127.0.0.1:<port>/ — the page. */
  readonly url: string;
  emulator(id: string): Emulator;
  /** Same-origin paths per device id, as GET /api/devices lists them. */
  paths(id: string): { ws: string; stream: string };
}

/** Starts a workspace like `npm start` does, on temp state dirs (removed by close()). */
export async function startTestWorkspace(o: WorkspaceOptions): Promise<TestWorkspace> {
  if (!existsSync(join(DIST_DIR, 'index.html')))
    throw new Error('the workspace is not built: run `npm run build:workspace` first');
  const root = mkdtempSync(join(tmpdir(), 'osprio-e2e-'));
  const opts: StartWorkspaceOptions = {
    distDir: DIST_DIR,
    speed: o.speed ?? 'max',
    durable: false,
    ...(o.heartbeatMs !== undefined ? { heartbeatMs: o.heartbeatMs } : {}),
    devices: o.devices.map((d, i) => {
      const stateDir = join(root, d.id);
      mkdirSync(stateDir, { mode: 0o700 });
      // Each device its own serial number (the page's Web Lock is per device).
      const serialNumber = `${d.model === 'pro' ? 'OPP' : 'OPM'}-${String(i + 1).padStart(6, '0')}`;
      return {
        stateDir,
        serialNumber,
        ...d,
        ...(o.supportedVersions?.[d.id]
          ? { linkOptions: { supportedVersions: o.supportedVersions[d.id]! } }
          : {}),
      };
    }),
  };
  let ws: RunningWorkspace;
  try {
    ws = await startWorkspace(opts);
  } catch (e) {
    rmSync(root, { recursive: true, force: true });
    throw e;
  }
  return {
    ...ws,
    url: ws.url,
    server: ws.server,
    emulators: ws.emulators,
    emulator(id) {
      const e = ws.emulators.get(id);
      if (!e) throw new Error(`no emulated device "${id}"`);
      return e;
    },
    paths(id) {
      const l = ws.server.listing.find((x) => x.id === id);
      if (!l) throw new Error(`no device "${id}" listed`);
      return { ws: l.ws, stream: l.stream };
    },
    async close() {
      await ws.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** Saves a screenshot to test-results/screens/<name>.png (look at them). */
export async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SCREENS_DIR, `${name}.png`), fullPage: true });
}

/** No serious or critical axe violation on what the page shows now (WCAG 2.x A/AA rules). */
export async function expectAccessible(page: Page, what: string): Promise<void> {
  const r = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'])
    .analyze();
  const bad = r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(
    bad.map(
      (v) =>
        `${v.id} (${v.impact}): ${v.help} — ${v.nodes
          .map((n) => n.target.join(' '))
          .slice(0, 3)
          .join(', ')}`,
    ),
    `axe on ${what}`,
  ).toEqual([]);
}

export const test = base.extend<{ workspace: TestWorkspace; workspaceOptions: WorkspaceOptions }>({
  workspaceOptions: [{ devices: [PRO, MINI] }, { option: true }],
  workspace: async ({ workspaceOptions }, use) => {
    const ws = await startTestWorkspace(workspaceOptions);
    try {
      await use(ws);
    } finally {
      await ws.close();
    }
  },
});
