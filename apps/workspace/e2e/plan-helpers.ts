// Shared steps of the plan-*.spec.ts tests: connecting the page to the Pro and reaching the slot
// list, reading the review table, and putting slots into each state from outside the page over
// the device's own link (as another host would, before the page connects).

import { randomBytes, randomUUID } from 'node:crypto';
import type { Page } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { LinkClient } from '@osprio/link';
import { connectNode } from '@osprio/host/node';
import { expandProfile, type Profile } from '@osprio/provisioner';
import type { Emulator } from '@osprio/device/emulator';
import { expect, PRO, type DeviceSpec, type TestWorkspace } from './fixtures.ts';

/** The Pro without its offline technician, so a ready slot stays exactly as a test left it. */
export const PLAN_PRO: DeviceSpec = { ...PRO, technician: false };

export function profile(over: Partial<Profile> = {}): Profile {
  return {
    name: 'Test site',
    deviceCount: 10,
    addressStrategy: 'sequential',
    startAddress: 1,
    manualAddresses: [],
    baud: 9600,
    expectedCapabilities: [],
    timeoutMs: 0,
    autoVerify: false,
    ...over,
  };
}

/** Opens the page, connects to the Pro and (past the mode picker) opens the slot list. */
export async function openSlotList(
  page: Page,
  workspace: TestWorkspace,
  device = 'Osprio Pro',
): Promise<void> {
  await page.goto(workspace.url);
  await page.getByRole('radio', { name: device, exact: true }).check();
  await page.getByRole('button', { name: 'Connect' }).click();
  const picker = page.getByRole('heading', { name: 'Choose a mode' });
  const slots = page.getByRole('heading', { name: 'Slots', exact: true });
  await expect(picker.or(slots)).toBeVisible();
  if (await picker.isVisible()) await page.getByRole('button', { name: 'Offline slots' }).click();
  await expect(slots).toBeVisible();
  await expect(page.getByRole('row', { name: /Slot 0/ })).toBeVisible();
}

/** The row of slot `n` in the slot list. */
export function slotRow(page: Page, n: number) {
  return page
    .getByRole('row')
    .filter({ has: page.getByRole('rowheader', { name: `Slot ${n}`, exact: true }) });
}

/** The review table's rows as { address, baud }, read by its column headers. */
export async function reviewedSteps(page: Page): Promise<{ address: number; baud: number }[]> {
  const table = page.getByRole('table', { name: 'Steps to upload' });
  await expect(table.getByRole('columnheader', { name: 'Address', exact: true })).toBeVisible();
  await expect(table.getByRole('columnheader', { name: 'Baud', exact: true })).toBeVisible();
  return table.evaluate((t: HTMLTableElement) => {
    const heads = [...t.tHead!.rows[0]!.cells].map((c) => c.textContent!.trim());
    const a = heads.indexOf('Address');
    const b = heads.indexOf('Baud');
    return [...t.tBodies[0]!.rows].map((r) => ({
      address: Number(r.cells[a]!.textContent),
      baud: Number(r.cells[b]!.textContent),
    }));
  });
}

/** What slot `n` holds on the device (read directly, not over the page's link). */
export function deviceSlot(emu: Emulator, n: number) {
  const r = emu.device.getSlot(n);
  if (!r.ok) throw new Error(`getSlot(${n}) failed`);
  return r.slot;
}

/** Runs `fn` on a link of our own to the device, then lets go and waits until the device is free. */
export async function withLink<T>(emu: Emulator, fn: (c: LinkClient) => Promise<T>): Promise<T> {
  const c = new LinkClient(await connectNode(emu.url));
  try {
    await c.hello('plan-e2e');
    return await fn(c);
  } finally {
    c.close();
    await expect.poll(() => emu.hostAttached).toBe(false);
  }
}

/** An upload that never reached its seal: `uploaded` of the profile's steps, then the link goes. */
export async function makeStaging(
  emu: Emulator,
  slot: number,
  p: Profile,
  uploaded: number,
): Promise<void> {
  await withLink(emu, async (c) => {
    await c.createSlot({
      slot,
      header: p,
      sessionId: randomUUID(),
      seed: new Uint8Array(randomBytes(16)),
    });
    await c.uploadAllSteps(slot, expandProfile(p).slice(0, uploaded));
  });
}

/** A sealed slot, every step still pending. */
export async function makeReady(emu: Emulator, slot: number, p: Profile): Promise<void> {
  await withLink(emu, async (c) => {
    await c.createSlot({
      slot,
      header: p,
      sessionId: randomUUID(),
      seed: new Uint8Array(randomBytes(16)),
    });
    const steps = expandProfile(p);
    await c.uploadAllSteps(slot, steps);
    await c.sealSlot({ slot, stepCount: steps.length });
  });
}

/**
 * A complete slot, driven at emulator speed over the link: the first step is tried on the
 * simulated readers, the rest skipped; a step that fails is skipped too (failure is not terminal).
 */
export async function makeComplete(emu: Emulator, slot: number, p: Profile): Promise<void> {
  await withLink(emu, async (c) => {
    await c.createSlot({
      slot,
      header: p,
      sessionId: randomUUID(),
      seed: new Uint8Array(randomBytes(16)),
    });
    const steps = expandProfile(p);
    await c.uploadAllSteps(slot, steps);
    await c.sealSlot({ slot, stepCount: steps.length });
    await c.verb({ slot, stepIndex: 0, verb: 'try' });
    for (let i = 1; i < steps.length; i++) await c.verb({ slot, stepIndex: i, verb: 'skip' });
    await expect
      .poll(async () => (await c.getSlot(slot)).steps[0]!.state, { timeout: 30_000 })
      .toMatch(/^(success|failure)$/);
    if ((await c.getSlot(slot)).steps[0]!.state === 'failure')
      await c.verb({ slot, stepIndex: 0, verb: 'skip' });
    await expect.poll(async () => (await c.listSlots())[slot]!.state).toBe('complete');
  });
}

/** No serious or critical axe violation on the page as it is now. */
export async function expectAccessible(page: Page): Promise<void> {
  const r = await new AxeBuilder({ page }).analyze();
  const bad = r.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map(
      (v) =>
        `${v.id} (${v.impact}): ${v.help} — ${v.nodes
          .map((n) => n.target.join(' '))
          .slice(0, 3)
          .join(', ')}`,
    );
  expect(bad).toEqual([]);
}
