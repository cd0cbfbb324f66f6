// Several Provisioner tabs, each bound to at most one device and a device to at most one tab:
// across the app's own tabs and across browser windows (Web Locks), and across browsers (the
// device's own one-host rule).
import { test, expect, shot, expectAccessible, PRO, MINI } from './fixtures.ts';

test.use({ workspaceOptions: { devices: [PRO, MINI] } });

test('two Provisioner tabs contend for one device: the second is told it is in use, and gets it once the first lets go', async ({
  page,
  workspace,
}) => {
  await page.goto(workspace.url);
  await page.getByRole('radio', { name: 'Osprio Pro', exact: true }).check();
  await page.getByRole('button', { name: 'Connect' }).click();
  await expect(page.getByRole('tab', { name: 'Provisioner 1: Osprio Pro' })).toBeVisible();

  await page.getByRole('button', { name: 'Open a Provisioner tab' }).click();
  const tab2 = page.getByRole('tab', { name: 'Provisioner 2' });
  await expect(tab2).toHaveAttribute('aria-selected', 'true');
  const panel2 = page.getByRole('tabpanel', { name: 'Provisioner 2' });
  await panel2.getByRole('radio', { name: 'Osprio Pro', exact: true }).check();
  await panel2.getByRole('button', { name: 'Connect' }).click();
  await expect(panel2.getByRole('alert')).toContainText('Device in use elsewhere');
  await expect(panel2.getByRole('alert')).toContainText(
    'in use in another Provisioner tab or window',
  );
  await expectAccessible(page, 'second tab refused by the Web Lock');
  await shot(page, 'shell-tabs-in-use');

  // The Mini is free: the second tab takes it, so both tabs are connected to different devices.
  await panel2.getByRole('radio', { name: 'Osprio Mini', exact: true }).check();
  await panel2.getByRole('button', { name: 'Connect' }).click();
  await expect(page.getByRole('tab', { name: 'Provisioner 2: Osprio Mini' })).toBeVisible();
  expect(workspace.emulator('pro').hostAttached).toBe(true);
  expect(workspace.emulator('mini').hostAttached).toBe(true);
  await shot(page, 'shell-tabs-two-devices');

  // The first tab lets go of the Pro (closing the tab); the Pro is free at once.
  await page.getByRole('tab', { name: 'Provisioner 1: Osprio Pro' }).click();
  await page.getByRole('button', { name: 'Close tab Provisioner 1: Osprio Pro' }).click();
  await expect(page.getByRole('tab', { name: /Provisioner 1/ })).toHaveCount(0);
  await expect.poll(() => workspace.emulator('pro').hostAttached).toBe(false);
  await page.getByRole('button', { name: 'Open a Provisioner tab' }).click();
  const panel1 = page.getByRole('tabpanel', { name: 'Provisioner 1' });
  await panel1.getByRole('radio', { name: 'Osprio Pro', exact: true }).check();
  await panel1.getByRole('button', { name: 'Connect' }).click();
  await expect(page.getByRole('tab', { name: 'Provisioner 1: Osprio Pro' })).toBeVisible();
});

test('a device connected in one browser window is refused in another window by the Web Lock', async ({
  context,
  page,
  workspace,
}) => {
  await page.goto(workspace.url);
  await page.getByRole('button', { name: 'Connect' }).click();
  await expect(page.getByRole('tab', { name: 'Provisioner 1: Osprio Pro' })).toBeVisible();

  const other = await context.newPage();
  await other.goto(workspace.url);
  await other.getByRole('radio', { name: 'Osprio Pro', exact: true }).check();
  await other.getByRole('button', { name: 'Connect' }).click();
  await expect(other.getByRole('alert')).toContainText(
    'in use in another Provisioner tab or window',
  );
  // Refused by the page's lock before any link was opened: the device still has its one host.
  expect(workspace.emulator('pro').hostAttached).toBe(true);

  // Closing the first window frees the lock (and the device) for the second.
  await page.close();
  await expect.poll(() => workspace.emulator('pro').hostAttached).toBe(false);
  await other.getByRole('button', { name: 'Connect' }).click();
  await expect(other.getByRole('tab', { name: 'Provisioner 1: Osprio Pro' })).toBeVisible();
});

test('in another browser (no shared Web Locks) the device itself refuses a second host', async ({
  browser,
  page,
  workspace,
}) => {
  await page.goto(workspace.url);
  await page.getByRole('button', { name: 'Connect' }).click();
  await expect(page.getByRole('tab', { name: 'Provisioner 1: Osprio Pro' })).toBeVisible();

  const elsewhere = await browser.newContext();
  try {
    const p2 = await elsewhere.newPage();
    await p2.goto(workspace.url);
    await p2.getByRole('radio', { name: 'Osprio Pro', exact: true }).check();
    await p2.getByRole('button', { name: 'Connect' }).click();
    await expect(p2.getByRole('alert')).toContainText('Device in use elsewhere');
    await expect(p2.getByRole('alert')).toContainText('in use by another host');
    await shot(p2, 'shell-device-refused-in-use');
  } finally {
    await elsewhere.close();
  }
  // The first host kept the device.
  expect(workspace.emulator('pro').hostAttached).toBe(true);
  await expect(page.getByRole('tab', { name: 'Provisioner 1: Osprio Pro' })).toBeVisible();
});

test('the shell works from the keyboard: arrows move between tabs, and a device is picked and connected without a mouse', async ({
  page,
  workspace,
}) => {
  await page.goto(workspace.url);
  await page.getByRole('button', { name: 'Open a Provisioner tab' }).press('Enter');
  const tab1 = page.getByRole('tab', { name: 'Provisioner 1' });
  const tab2 = page.getByRole('tab', { name: 'Provisioner 2' });
  await expect(tab2).toBeFocused();
  await page.keyboard.press('ArrowLeft');
  await expect(tab1).toBeFocused();
  await expect(tab1).toHaveAttribute('aria-selected', 'true');
  await page.keyboard.press('End');
  await expect(tab2).toHaveAttribute('aria-selected', 'true');

  // In Provisioner 2: Tab into the device list, arrow to the Mini, Tab to Connect, Enter.
  const panel2 = page.getByRole('tabpanel', { name: 'Provisioner 2' });
  await panel2.getByRole('radio', { name: 'Osprio Pro', exact: true }).focus();
  await page.keyboard.press('ArrowDown');
  await expect(panel2.getByRole('radio', { name: 'Osprio Mini', exact: true })).toBeChecked();
  await page.keyboard.press('Tab');
  await expect(panel2.getByRole('button', { name: 'Connect' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('tab', { name: 'Provisioner 2: Osprio Mini' })).toBeVisible();
  // Closing the shown tab leaves the focus on the tab shown next, not on the page.
  await panel2.getByRole('button', { name: 'Close tab Provisioner 2: Osprio Mini' }).press('Enter');
  await expect(tab1).toBeFocused();
  await expect.poll(() => workspace.emulator('mini').hostAttached).toBe(false);
});
