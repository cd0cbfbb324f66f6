// Session lifecycle (issue 11): a lost link returns the tab to pairing with a message, the tab
// stays; reconnecting brings the open slot back whole, including what the device did while no host
// was attached (backfilled edges) — no row lost or doubled.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { startWorkspace, type RunningWorkspace } from '../../cli/src/serve/start-workspace.ts';
import { test, expect, DIST_DIR, type DeviceSpec } from './fixtures.ts';
import {
  connect,
  connectAndOpenSlot,
  counter,
  createSlot,
  deviceRows,
  slotSteps,
  uiRows,
  viewShot,
} from './ops-helpers.ts';

async function expectWhole(page: Page, steps: () => ReturnType<typeof slotSteps>): Promise<void> {
  await expect
    .poll(async () => JSON.stringify(await uiRows(page)), { timeout: 30_000 })
    .toBe(JSON.stringify(deviceRows(steps())));
  const rows = await uiRows(page);
  expect(rows).toHaveLength(126);
  expect(new Set(rows.map((r) => r.step)).size).toBe(126);
}

test.describe('emulator killed mid-run', () => {
  let root = '';
  let running: RunningWorkspace | null = null;
  test.afterEach(async () => {
    await running?.close();
    running = null;
    if (root) rmSync(root, { recursive: true, force: true });
  });

  test('the tab goes back to pairing with a message, reconnects after the restart, and the slot is whole again', async ({
    page,
  }) => {
    test.setTimeout(240_000);
    root = mkdtempSync(join(tmpdir(), 'osprio-e2e-kill-'));
    const stateDir = join(root, 'pro');
    mkdirSync(stateDir, { mode: 0o700 });
    const devices: DeviceSpec[] = [
      { id: 'pro', model: 'pro', stateDir, technician: false, faults: '7:absent' },
    ];
    running = await startWorkspace({ distDir: DIST_DIR, speed: 'max', durable: false, devices });
    const port = running.server.port;
    const url = running.url;
    await createSlot(running.emulators.get('pro')!, 0, { name: 'Killed mid-run', count: 126 });

    await connectAndOpenSlot(page, url, 'Osprio Pro', 0);
    await page.getByRole('button', { name: 'Try all pending' }).click();
    await expect
      .poll(async () => Number(await counter(page, 'provisioned').textContent()), {
        timeout: 60_000,
      })
      .toBeGreaterThanOrEqual(10);

    // Kill: the device powers off with attempts running and queued.
    await running.close();
    running = null;
    const notice = page.locator('[data-notice="lost"]');
    await expect(notice).toBeVisible();
    await expect(notice).toContainText('The connection to Osprio Pro was lost');
    // The tab is still there (not destroyed, not blank).
    await expect(page.getByRole('tab', { name: /^Provisioner 1/ })).toBeVisible();
    await viewShot(page, 'ops-reconnect-lost');

    // Restart on the same port and flash; the page asks the server where the device is now.
    running = await startWorkspace({
      distDir: DIST_DIR,
      speed: 'max',
      durable: false,
      port,
      devices,
    });
    const emu = running.emulators.get('pro')!;
    await page.getByRole('button', { name: 'Refresh' }).click();
    await connect(page, 'Osprio Pro');
    await expect(page.getByRole('table', { name: 'Steps of slot 0' })).toBeVisible();
    await expectWhole(page, () => slotSteps(emu, 0));
    // The attempt the power cut ended reads as interrupted (or was never started): nothing is stuck attempting.
    expect(slotSteps(emu, 0).some((s) => s.state === 'attempting')).toBe(false);

    // And work goes on from here.
    await page.getByRole('button', { name: 'Try all pending' }).click();
    await expect(counter(page, 'pending')).toHaveText('0', { timeout: 120_000 });
    await expectWhole(page, () => slotSteps(emu, 0));
    await viewShot(page, 'ops-reconnect-whole');
  });
});

test.describe('offline autonomy', () => {
  // The Pro's technician walks the site while no host is attached; bus 20× real time.
  const PRO: DeviceSpec = {
    id: 'pro',
    model: 'pro',
    faults: '9:keyed,15:nak-keyset',
    technicianTiming: { walkMs: 400, patienceMs: 8000, lingerMs: 200 },
  };
  test.use({ workspaceOptions: { devices: [PRO], speed: 20 } });

  test('unplugged, the Pro works through the slot alone; plugged back in, the tab shows everything (backfilled edges)', async ({
    page,
    workspace,
  }) => {
    test.setTimeout(300_000);
    const emu = workspace.emulator('pro');
    await createSlot(emu, 0, { name: 'Walk the site', count: 126 });
    // The test keeps a hand on every link the page opens, to pull it like a cable.
    await page.addInitScript(() => {
      const Native = WebSocket;
      const open: WebSocket[] = [];
      (window as unknown as { __links: WebSocket[] }).__links = open;
      window.WebSocket = class extends Native {
        constructor(url: string | URL, protocols?: string | string[]) {
          super(url, protocols);
          open.push(this);
        }
      };
    });
    await connectAndOpenSlot(page, workspace.url, 'Osprio Pro', 0);
    await expect(counter(page, 'total')).toHaveText('126');
    expect(emu.hostAttached).toBe(true);

    // Unplug.
    await page.evaluate(() => {
      for (const ws of (window as unknown as { __links: WebSocket[] }).__links)
        ws.close(4000, 'unplugged');
    });
    await expect(page.locator('[data-notice="lost"]')).toBeVisible();
    await expect.poll(() => emu.hostAttached).toBe(false);

    // The technician plugs in reader after reader; the device provisions each one alone.
    await expect
      .poll(
        () =>
          slotSteps(emu, 0).filter((s) => s.state === 'pending' || s.state === 'attempting').length,
        { timeout: 240_000, intervals: [1000] },
      )
      .toBe(0);
    const done = slotSteps(emu, 0);
    // Two readers cannot be keyed. Alone, the device gives the next pending step to whichever reader
    // the technician plugs in, so which steps fail depends on the walk; the count is what matters.
    const provisioned = done.filter((s) => s.state === 'success').length;
    const failed = done.filter((s) => s.state === 'failure').map((s) => s.index);
    expect(failed.length).toBeGreaterThanOrEqual(2);
    expect(provisioned).toBeGreaterThanOrEqual(110);

    // Plug back in: Connect reattaches the same session; the open slot catches up from its last
    // edge — the device streams the edges it buffered while alone (counted on the wire), no re-read.
    const pendingBefore = Number(await counter(page, 'pending').textContent());
    let edgesOnWire = 0;
    let reads = 0;
    page.on('websocket', (ws) =>
      ws.on('framereceived', (f) => {
        const text = typeof f.payload === 'string' ? f.payload : f.payload.toString('utf8');
        // live edges come one per frame, the replay after subscribe as `edges` batches
        const m = JSON.parse(text) as { event?: string; edges?: unknown[] };
        if (m.event === 'edge') edgesOnWire++;
        if (m.event === 'edges') edgesOnWire += m.edges?.length ?? 0;
        if (text.includes('"steps":[')) reads++;
      }),
    );
    await connect(page, 'Osprio Pro');
    await expect(page.getByRole('table', { name: 'Steps of slot 0' })).toBeVisible();
    await expectWhole(page, () => slotSteps(emu, 0));
    await expect(counter(page, 'provisioned')).toHaveText(String(provisioned));
    await expect(counter(page, 'failed')).toHaveText(String(failed.length));
    await expect(counter(page, 'pending')).toHaveText('0');
    // At least one edge per step the device finished alone.
    expect(edgesOnWire).toBeGreaterThanOrEqual(pendingBefore);
    expect(reads).toBe(0);
    await viewShot(page, 'ops-offline-autonomy-reattached');
  });
});
