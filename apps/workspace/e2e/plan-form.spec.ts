// The profile form and the steps review: fields by strategy, inline validation that says how to
// fix, Back keeping what was typed, and the whole flow from the keyboard alone.
import { test, expect, shot } from './fixtures.ts';
import { PLAN_PRO, deviceSlot, openSlotList, reviewedSteps, slotRow } from './plan-helpers.ts';

test.use({ workspaceOptions: { devices: [PLAN_PRO] } });

test('Back from the review keeps every typed value, including the hidden strategy fields', async ({
  page,
  workspace,
}) => {
  await openSlotList(page, workspace);
  await slotRow(page, 0).getByRole('button', { name: 'Create' }).click();
  const field = (label: string) => page.getByLabel(label, { exact: true });

  await field('Profile name').fill('Loading dock');
  await field('Device count').fill('4');
  await field('Start address').fill('20');
  await field('Address strategy').selectOption('manual');
  await field('Manual address list').fill('40, 7 9-10');
  await field('Baud rate').selectOption('19200');
  await field('Expected capabilities').fill('3:1:2');
  await field('Provisioning timeout').fill('2500');
  await field('Auto-verify').check();
  await page.getByRole('button', { name: 'Review steps' }).click();

  await expect(page.getByRole('heading', { name: 'Review the steps for slot 0' })).toBeVisible();
  expect(await reviewedSteps(page)).toEqual(
    [40, 7, 9, 10].map((address) => ({ address, baud: 19200 })),
  );
  await page.getByRole('button', { name: 'Back' }).click();

  await expect(page.getByRole('heading', { name: 'New profile for slot 0' })).toBeVisible();
  await expect(field('Profile name')).toHaveValue('Loading dock');
  await expect(field('Device count')).toHaveValue('4');
  await expect(field('Address strategy')).toHaveValue('manual');
  await expect(field('Manual address list')).toHaveValue('40, 7 9-10');
  await expect(field('Baud rate')).toHaveValue('19200');
  await expect(field('Expected capabilities')).toHaveValue('3:1:2');
  await expect(field('Provisioning timeout')).toHaveValue('2500');
  await expect(field('Auto-verify')).toBeChecked();
  // The start address typed before switching to manual is still there when switching back.
  await field('Address strategy').selectOption('sequential');
  await expect(field('Manual address list')).toHaveCount(0);
  await expect(field('Start address')).toHaveValue('20');
  await page.getByRole('button', { name: 'Review steps' }).click();
  expect(await reviewedSteps(page)).toEqual(
    [20, 21, 22, 23].map((address) => ({ address, baud: 19200 })),
  );
  // Nothing was written by reviewing.
  expect(deviceSlot(workspace.emulator('pro'), 0).state).toBe('empty');
});

test('inline validation marks the field and says how to fix it; Review steps stays on the form', async ({
  page,
  workspace,
}) => {
  await openSlotList(page, workspace);
  await slotRow(page, 1).getByRole('button', { name: 'Create' }).click();
  const field = (label: string) => page.getByLabel(label, { exact: true });

  await field('Device count').fill('127');
  await field('Device count').blur();
  await expect(field('Device count')).toHaveAttribute('aria-invalid', 'true');
  await expect(field('Device count')).toHaveAccessibleDescription(
    /127 is more than 126, the most PDs one slot holds; split the site into several profiles/,
  );
  // A field not yet visited shows nothing yet.
  await expect(field('Profile name')).toHaveAttribute('aria-invalid', 'false');

  await field('Device count').fill('126');
  await field('Start address').fill('100');
  await field('Start address').blur();
  await expect(field('Device count')).toHaveAttribute('aria-invalid', 'false');
  await expect(
    page.getByText(/100 leaves room for 27 PDs.*use a start address of 1 or lower/),
  ).toBeVisible();

  await field('Address strategy').selectOption('manual');
  await field('Device count').fill('3');
  await field('Manual address list').fill('5, 127, 5');
  await field('Manual address list').blur();
  await expect(
    page.getByText(/Entry 2 in the list: 127 \(0x7F\) is the broadcast address/),
  ).toBeVisible();
  await expect(
    page.getByText(
      /Entry 3 in the list: 5 is already used by entry 1; give each PD its own address/,
    ),
  ).toBeVisible();

  await field('Provisioning timeout').fill('soon');
  await page.getByRole('button', { name: 'Review steps' }).click();
  // Submitting shows every problem, and focus goes to the first field to fix.
  await expect(field('Profile name')).toBeFocused();
  await expect(
    page.getByText('Give the profile a name, for example the site or panel it is for.'),
  ).toBeVisible();
  await expect(
    page.getByText(
      'Enter the timeout as a whole number of milliseconds, or 0 for the firmware default.',
    ),
  ).toBeVisible();
  await expect(
    page
      .getByRole('status')
      .filter({ hasText: '3 fields need fixing before the steps can be reviewed.' }),
  ).toBeVisible();
  await shot(page, 'plan-form-problems');
  await expect(page.getByRole('heading', { name: 'New profile for slot 1' })).toBeVisible();

  await page.getByRole('button', { name: 'Cancel' }).click();
  await expect(page.getByRole('heading', { name: 'Slots', exact: true })).toBeVisible();
  expect(deviceSlot(workspace.emulator('pro'), 1).state).toBe('empty');
});

test('the whole plan flow works from the keyboard alone', async ({ page, workspace }) => {
  await openSlotList(page, workspace);
  const emu = workspace.emulator('pro');
  // Focus Create of slot 3 with Tab from the list's Refresh button.
  await page.getByRole('button', { name: 'Refresh' }).focus();
  const create = slotRow(page, 3).getByRole('button', { name: 'Create' });
  for (let i = 0; i < 40 && !(await create.evaluate((b) => b === document.activeElement)); i++)
    await page.keyboard.press('Tab');
  await expect(create).toBeFocused();
  await page.keyboard.press('Enter');

  await expect(page.getByRole('heading', { name: 'New profile for slot 3' })).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(page.getByLabel('Profile name', { exact: true })).toBeFocused();
  await page.keyboard.type('Keyboard site');
  await page.keyboard.press('Tab');
  await page.keyboard.type('5');
  await page.keyboard.press('Tab');
  await expect(page.getByLabel('Address strategy', { exact: true })).toBeFocused();
  await page.keyboard.press('ArrowDown'); // sequential → random
  await expect(page.getByLabel('Address strategy', { exact: true })).toHaveValue('random');
  await page.keyboard.press('Tab');
  await expect(page.getByLabel('Start address', { exact: true })).toBeFocused();
  await page.keyboard.press('ControlOrMeta+a');
  await page.keyboard.type('120');
  await page.keyboard.press('Tab');
  await expect(page.getByLabel('Baud rate', { exact: true })).toBeFocused();
  await page.keyboard.press('Tab');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Tab');
  await expect(page.getByLabel('Auto-verify', { exact: true })).toBeFocused();
  await page.keyboard.press('Space');
  await expect(page.getByLabel('Auto-verify', { exact: true })).toBeChecked();
  await page.keyboard.press('Tab');
  await expect(page.getByRole('button', { name: 'Review steps' })).toBeFocused();
  await page.keyboard.press('Enter');

  await expect(page.getByRole('heading', { name: 'Review the steps for slot 3' })).toBeFocused();
  const reviewed = await reviewedSteps(page);
  expect(reviewed).toHaveLength(5);
  expect(reviewed.every((s) => s.address >= 120 && s.address <= 126)).toBe(true);
  await page.keyboard.press('Tab');
  await expect(page.getByRole('button', { name: 'Confirm' })).toBeFocused();
  await page.keyboard.press('Enter');

  await expect.poll(() => deviceSlot(emu, 3).state).toBe('ready');
  expect(deviceSlot(emu, 3).steps.map((s) => ({ address: s.address, baud: s.baud }))).toEqual(
    reviewed,
  );
  expect(deviceSlot(emu, 3).header).toMatchObject({
    name: 'Keyboard site',
    addressStrategy: 'random',
    startAddress: 120,
    autoVerify: true,
  });
});
