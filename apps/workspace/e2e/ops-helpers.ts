// Helpers of the operational-view end-to-end tests (ops-*.spec.ts): make a slot through the host
// library on the emulator's own endpoint (faster than the form, which plan-*.spec.ts covers), open
// it in the UI, read the rows and downloads back.
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Locator, Page } from '@playwright/test';
import { expect } from '@playwright/test';
import type { Emulator } from '@osprio/device/emulator';
import { DeviceSession, planFromProfile, type Plan } from '@osprio/host';
import { connectNode } from '@osprio/host/node';
import type { StepRecord } from '@osprio/link';

export interface SlotSpec {
  name: string;
  count: number;
  baud?: number;
  startAddress?: number;
  autoVerify?: boolean;
}

/** Creates and seals a slot through the host library, then lets go of the device. */
export async function createSlot(emu: Emulator, slot: number, spec: SlotSpec): Promise<Plan> {
  const r = planFromProfile(
    {
      name: spec.name,
      deviceCount: spec.count,
      addressStrategy: 'sequential',
      startAddress: spec.startAddress ?? 1,
      manualAddresses: [],
      baud: spec.baud ?? 115200,
      expectedCapabilities: [],
      timeoutMs: 0,
      autoVerify: spec.autoVerify ?? false,
    },
    (n) => new Uint8Array(randomBytes(n)),
  );
  if (!r.ok) throw new Error(`bad test plan: ${r.problems[0]?.message}`);
  const s = await DeviceSession.attach({
    connect: () => connectNode(emu.url),
    hostName: 'ops-e2e',
  });
  if (s.state.kind !== 'attached') throw new Error(`test set-up could not attach: ${s.state.kind}`);
  try {
    await s.createSlot(slot, r.plan);
  } finally {
    s.close();
  }
  await expect.poll(() => emu.hostAttached).toBe(false);
  return r.plan;
}

/** Pairing → Connect → (mode picker) Offline slots → Open slot N. */
export async function connectAndOpenSlot(
  page: Page,
  url: string,
  device: string,
  slot: number,
): Promise<void> {
  await page.goto(url);
  await connect(page, device);
  await openSlotFromList(page, slot);
}

export async function connect(page: Page, device: string): Promise<void> {
  await page.getByRole('radio', { name: device, exact: true }).check();
  await page.getByRole('button', { name: 'Connect' }).click();
}

export async function openSlotFromList(page: Page, slot: number): Promise<void> {
  const offline = page.getByRole('button', { name: 'Offline slots' });
  const open = page.locator(`tr[data-slot="${slot}"]`).getByRole('button', { name: 'Open' });
  await expect(offline.or(open)).toBeVisible();
  if (await offline.isVisible()) await offline.click();
  await open.click();
  await expect(page.getByRole('table', { name: `Steps of slot ${slot}` })).toBeVisible();
}

export function counter(
  page: Page,
  key: 'total' | 'provisioned' | 'failed' | 'skipped' | 'pending',
): Locator {
  return page.locator(`[data-counter="${key}"] dd`);
}

export function rowOf(page: Page, stepIndex: number): Locator {
  return page.locator(`tr[data-step="${stepIndex}"]`);
}

export interface UiRow {
  step: number;
  address: number;
  baud: number;
  state: string;
  attempts: number;
  outcome: string;
}

/** Every row on screen, as text. */
export async function uiRows(page: Page): Promise<UiRow[]> {
  return page.locator('table.rows tbody tr').evaluateAll((trs) =>
    trs.map((tr) => {
      const cells = tr.querySelectorAll('th, td');
      return {
        step: Number(tr.getAttribute('data-step')),
        address: Number(cells[0]!.textContent),
        baud: Number(cells[1]!.textContent),
        state: tr.getAttribute('data-state') ?? '',
        attempts: Number(cells[3]!.textContent),
        outcome: cells[4]!.querySelector('.code')?.textContent ?? '',
      };
    }),
  );
}

/** The device's own records, in the same shape. */
export function deviceRows(steps: readonly StepRecord[]): UiRow[] {
  return steps.map((s) => ({
    step: s.index,
    address: s.address,
    baud: s.baud,
    state: s.state,
    attempts: s.attempts,
    outcome: s.outcome ?? '',
  }));
}

export function slotSteps(emu: Emulator, slot: number): StepRecord[] {
  const r = emu.device.getSlot(slot);
  if (!r.ok) throw new Error(`getSlot ${slot}: ${r.reason}`);
  return r.slot.steps;
}

/** Clicks an export button and returns the downloaded file's name and text. */
export async function download(
  page: Page,
  button: string,
): Promise<{ name: string; text: string }> {
  const [dl] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: button, exact: true }).click(),
  ]);
  const path = await dl.path();
  return { name: dl.suggestedFilename(), text: await readFile(path, 'utf8') };
}

/** Like download, as bytes (an age-encrypted export is binary). */
export async function downloadBytes(
  page: Page,
  button: string,
): Promise<{ name: string; bytes: Uint8Array }> {
  const [dl] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: button, exact: true }).click(),
  ]);
  return { name: dl.suggestedFilename(), bytes: new Uint8Array(await readFile(await dl.path())) };
}

/** The SCBKs the simulated readers of a queue hold, by address (keyed and out of install mode only). */
export function readerKeys(
  emu: Emulator,
  sessionId: string,
): Map<number, { baud: number; scbkHex: string }> {
  const out = new Map<number, { baud: number; scbkHex: string }>();
  for (const r of emu.bench.readerStates()) {
    if (r.sessionId !== sessionId || r.scbkHex === null || r.installMode) continue;
    out.set(r.address, { baud: r.baud, scbkHex: r.scbkHex });
  }
  return out;
}

/** A viewport screenshot (what a person sees at 1280×720) to test-results/screens/<name>.png. */
export async function viewShot(page: Page, name: string): Promise<void> {
  const { SCREENS_DIR } = await import('./fixtures.ts');
  await page.screenshot({ path: `${SCREENS_DIR}/${name}.png` });
}

/** A screenshot of one element (e.g. a row) to test-results/screens/<name>.png. */
export async function elementShot(target: Locator, name: string): Promise<void> {
  const { SCREENS_DIR } = await import('./fixtures.ts');
  await target.screenshot({ path: `${SCREENS_DIR}/${name}.png` });
}
