// The slot list over slots in every state, and Delete in each: empty (nothing to delete: the
// button is disabled), staging (an interrupted upload, made over the link before the page
// connects), ready and complete (driven to complete over the link at emulator speed 'max').
// Delete always asks first in plain words; Cancel keeps the slot.
import { test, expect, shot } from './fixtures.ts';
import {
  PLAN_PRO,
  deviceSlot,
  makeComplete,
  makeReady,
  makeStaging,
  openSlotList,
  profile,
  slotRow,
} from './plan-helpers.ts';
import { randomBytes, randomUUID } from 'node:crypto';

test.use({ workspaceOptions: { devices: [PLAN_PRO], speed: 'max' } });

test('the slot list shows each state in one read, and Delete empties staging, ready and complete slots after asking', async ({
  page,
  workspace,
}) => {
  const emu = workspace.emulator('pro');
  await makeStaging(emu, 1, profile({ name: 'Half uploaded', deviceCount: 40 }), 32);
  await makeReady(emu, 2, profile({ name: 'Ready to run', deviceCount: 12 }));
  await makeComplete(emu, 3, profile({ name: 'All done', deviceCount: 5 }));
  const complete = deviceSlot(emu, 3).counters;

  await openSlotList(page, workspace);
  await expect(slotRow(page, 0)).toContainText('empty');
  await expect(slotRow(page, 0).getByRole('button', { name: 'Delete' })).toBeDisabled();
  await expect(slotRow(page, 1)).toContainText('staging');
  await expect(slotRow(page, 1)).toContainText('Unfinished upload (32 steps so far)');
  await expect(slotRow(page, 1).getByRole('button', { name: 'Open' })).toHaveCount(0);
  await expect(slotRow(page, 2)).toContainText('ready');
  await expect(slotRow(page, 2)).toContainText('Ready to run');
  await expect(slotRow(page, 2).getByRole('cell').nth(0)).toContainText(
    'Sealed; 12 steps still to run',
  );
  await expect(slotRow(page, 2).getByRole('cell').nth(2)).toHaveText('12');
  await expect(slotRow(page, 2).getByRole('button', { name: 'Open' })).toBeEnabled();
  await expect(slotRow(page, 3)).toContainText('complete');
  await expect(slotRow(page, 3).getByRole('cell').nth(2)).toHaveText(String(complete.total));
  await expect(slotRow(page, 3).getByRole('cell').nth(3)).toHaveText(String(complete.provisioned));
  await expect(slotRow(page, 3).getByRole('cell').nth(5)).toHaveText(String(complete.skipped));
  await shot(page, 'plan-slots-every-state');

  const dialog = page.getByRole('dialog');
  // Cancel keeps the slot.
  await slotRow(page, 2).getByRole('button', { name: 'Delete' }).click();
  await expect(dialog).toHaveAccessibleName('Delete slot 2 (“Ready to run”)?');
  await expect(dialog.getByRole('button', { name: 'Cancel' })).toBeFocused();
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog).toHaveCount(0);
  expect(deviceSlot(emu, 2).state).toBe('ready');

  const words: [number, RegExp][] = [
    [1, /The unfinished upload is discarded and the slot becomes empty/],
    [
      2,
      /The plan and its progress are erased from the device .*12 still to run.*can no longer be exported/,
    ],
    [
      3,
      /Export the keys? of the \d+ provisioned PDs? first if you still need (them|it)|no keys to export/,
    ],
  ];
  for (const [slot, body] of words) {
    await slotRow(page, slot).getByRole('button', { name: 'Delete' }).click();
    await expect(dialog).toBeVisible();
    await expect(dialog).toHaveAccessibleDescription(body);
    await shot(page, `plan-delete-dialog-${deviceSlot(emu, slot).state}`);
    await dialog.getByRole('button', { name: 'Delete' }).click();
    await expect(dialog).toHaveCount(0);
    await expect(slotRow(page, slot)).toContainText('empty');
    expect(deviceSlot(emu, slot).state).toBe('empty');
    await expect(slotRow(page, slot).getByRole('button', { name: 'Create' })).toBeEnabled();
  }
  await expect(
    page.getByRole('status').filter({ hasText: 'Slot 3 deleted; it is empty now.' }),
  ).toHaveCount(1);
  await shot(page, 'plan-slots-after-delete');
});

test('Escape closes the delete question without deleting; Refresh reads what changed on the device', async ({
  page,
  workspace,
}) => {
  const emu = workspace.emulator('pro');
  await makeReady(emu, 0, profile({ name: 'Keep me', deviceCount: 3 }));
  await openSlotList(page, workspace);

  await slotRow(page, 0).getByRole('button', { name: 'Delete' }).click();
  await expect(page.getByRole('dialog')).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(page.getByRole('dialog')).toHaveCount(0);
  expect(deviceSlot(emu, 0).state).toBe('ready');

  // A change the page did not make (the device's own state) shows after Refresh.
  const p = profile({ name: 'Made on the device', deviceCount: 2 });
  expect(emu.device.createSlot(1, p, randomUUID(), new Uint8Array(randomBytes(16))).ok).toBe(true);
  await expect(slotRow(page, 1)).toContainText('empty');
  await page.getByRole('button', { name: 'Refresh' }).click();
  await expect(slotRow(page, 1)).toContainText('staging');
  await expect(slotRow(page, 1)).toContainText('Made on the device');
});
