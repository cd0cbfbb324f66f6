// Importing a profile file into a slot: a good file goes to the review (Back shows its values in
// the form) and Confirm writes it; a bad file writes nothing and shows each problem against the
// file's field (its JSON path) and the form field it belongs to.
import type { Page } from '@playwright/test';
import { serializeProfileFile } from '@osprio/provisioner';
import { test, expect, shot } from './fixtures.ts';
import {
  PLAN_PRO,
  deviceSlot,
  openSlotList,
  profile,
  reviewedSteps,
  slotRow,
} from './plan-helpers.ts';

test.use({ workspaceOptions: { devices: [PLAN_PRO] } });

async function importInto(page: Page, slot: number, name: string, text: string): Promise<void> {
  const chooser = page.waitForEvent('filechooser');
  await slotRow(page, slot).getByRole('button', { name: 'Import' }).click();
  await (await chooser).setFiles({ name, mimeType: 'application/json', buffer: Buffer.from(text) });
}

const GOOD = profile({
  name: 'Imported east wing',
  deviceCount: 6,
  addressStrategy: 'manual',
  manualAddresses: [12, 11, 30, 31, 32, 5],
  baud: 57600,
  expectedCapabilities: [{ functionCode: 3, minCompliance: 1, minCount: 1 }],
  timeoutMs: 4000,
  autoVerify: true,
});

test('a good profile file goes to the review, Back shows its values, Confirm writes it', async ({
  page,
  workspace,
}) => {
  const emu = workspace.emulator('pro');
  await openSlotList(page, workspace);
  await importInto(page, 1, 'east-wing.osprio-profile.json', serializeProfileFile(GOOD));

  await expect(page.getByRole('heading', { name: 'Review the steps for slot 1' })).toBeVisible();
  expect(await reviewedSteps(page)).toEqual(
    GOOD.manualAddresses.map((address) => ({ address, baud: 57600 })),
  );
  await shot(page, 'plan-import-review');

  await page.getByRole('button', { name: 'Back' }).click();
  await expect(page.getByLabel('Profile name', { exact: true })).toHaveValue('Imported east wing');
  await expect(page.getByLabel('Address strategy', { exact: true })).toHaveValue('manual');
  await expect(page.getByLabel('Manual address list', { exact: true })).toHaveValue(
    '12, 11, 30-32, 5',
  );
  await expect(page.getByLabel('Expected capabilities', { exact: true })).toHaveValue('3:1:1');
  await expect(page.getByLabel('Auto-verify', { exact: true })).toBeChecked();
  await page.getByRole('button', { name: 'Review steps' }).click();
  await page.getByRole('button', { name: 'Confirm' }).click();

  await expect.poll(() => deviceSlot(emu, 1).state).toBe('ready');
  const held = deviceSlot(emu, 1);
  expect(held.header).toEqual(GOOD);
  expect(held.steps.map((s) => s.address)).toEqual(GOOD.manualAddresses);
});

test('a bad profile file writes nothing and shows each problem against its field', async ({
  page,
  workspace,
}) => {
  const emu = workspace.emulator('pro');
  await openSlotList(page, workspace);
  const bad = JSON.stringify(
    {
      kind: 'osprio-profile',
      version: 1,
      profile: {
        name: '',
        deviceCount: 200,
        addressStrategy: 'sideways',
        startAddress: 1,
        baud: 9601,
        colour: 'red',
      },
    },
    null,
    2,
  );
  await importInto(page, 2, 'site-b.json', bad);

  const report = page.getByRole('group', { name: '“site-b.json” was not imported into slot 2' });
  await expect(report).toBeVisible();
  const problem = (path: string) =>
    report.getByRole('row').filter({ has: page.getByRole('cell', { name: path, exact: true }) });
  await expect(problem('profile.deviceCount')).toContainText('Device count');
  await expect(problem('profile.deviceCount')).toContainText(
    '200 is more than 126, the most PDs one slot holds; split the site into several profiles.',
  );
  await expect(problem('profile.name')).toContainText('Profile name');
  await expect(problem('profile.name')).toContainText('give the profile a name');
  await expect(problem('profile.addressStrategy')).toContainText(
    'use "sequential", "random" or "manual"',
  );
  await expect(problem('profile.baud')).toContainText('Baud rate');
  await expect(problem('profile.baud')).toContainText('9601');
  await expect(problem('profile.colour')).toContainText('Unknown field; remove it.');
  await shot(page, 'plan-import-bad');
  expect(deviceSlot(emu, 2).state).toBe('empty');

  // Not JSON at all: one problem for the whole file.
  const chooser = page.waitForEvent('filechooser');
  await report.getByRole('button', { name: 'Choose another file' }).click();
  await (
    await chooser
  ).setFiles({
    name: 'notes.json',
    mimeType: 'application/json',
    buffer: Buffer.from('{ "kind": "osprio-profile", '),
  });
  const whole = page.getByRole('group', { name: '“notes.json” was not imported into slot 2' });
  await expect(whole.getByRole('row').filter({ hasText: '(whole file)' })).toContainText(
    /is not JSON/,
  );

  // A good file after that goes through.
  await importInto(
    page,
    2,
    'good.json',
    serializeProfileFile(profile({ name: 'Retry', deviceCount: 3 })),
  );
  await expect(page.getByRole('heading', { name: 'Review the steps for slot 2' })).toBeVisible();
  expect(await reviewedSteps(page)).toEqual([1, 2, 3].map((address) => ({ address, baud: 9600 })));
});
