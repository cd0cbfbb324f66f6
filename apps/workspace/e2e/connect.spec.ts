// Connecting from the pairing list: the device's provisioner status alone picks the opening screen.
import { LinkClient } from '@osprio/link';
import { connectNode } from '@osprio/host/node';
import { test, expect, shot, expectAccessible, PRO, MINI, SLOTS_ONLY } from './fixtures.ts';

test.use({ workspaceOptions: { devices: [PRO, MINI, SLOTS_ONLY] } });

const OPENING: [string, RegExp, string][] = [
  ['Osprio Pro', /Mode picker|Choose a mode/i, 'pro-both'],
  ['Osprio Mini', /Quick-step/i, 'mini-quick-step'],
  ['Osprio Pro (slots only)', /Slot/i, 'slots-only'],
];

for (const [device, heading, name] of OPENING) {
  test(`Connect to ${device} opens on its opening screen`, async ({ page, workspace }) => {
    await page.goto(workspace.url);
    await page.getByRole('radio', { name: device, exact: true }).check();
    await page.getByRole('button', { name: 'Connect' }).click();
    await expect(page.getByRole('heading', { name: heading }).first()).toBeVisible();
    await expectAccessible(page, `${device} connected`);
    await shot(page, `shell-connected-${name}`);
  });
}

test.describe('connection states', () => {
  test('lost: the link drops, the tab returns to pairing with the message, and Connect resumes the screen', async ({
    page,
    workspace,
  }) => {
    await page.goto(workspace.url);
    await page.getByRole('radio', { name: 'Osprio Pro', exact: true }).check();
    await page.getByRole('button', { name: 'Connect' }).click();
    await expect(page.getByRole('tab', { name: 'Provisioner 1: Osprio Pro' })).toBeVisible();

    workspace.server.dropDevice('pro');
    const alert = page.getByRole('alert');
    await expect(alert).toContainText('Connection lost');
    await expect(alert).toContainText('The connection to Osprio Pro was lost');
    await expect(alert).not.toContainText('1006');
    await expect(page.getByRole('tab', { name: 'Provisioner 1', exact: true })).toBeVisible();
    await expect(page.getByRole('radio', { name: 'Osprio Pro', exact: true })).toBeChecked();
    await expectAccessible(page, 'pairing after a lost link');
    await shot(page, 'shell-state-lost');

    await page.getByRole('button', { name: 'Connect' }).click();
    await expect(page.getByRole('tab', { name: 'Provisioner 1: Osprio Pro' })).toBeVisible();
    await expect(page.getByRole('alert')).toHaveCount(0);
    expect(workspace.emulator('pro').hostAttached).toBe(true);
  });

  test('in use: a device the CLI holds is refused with "in use by another host"', async ({
    page,
    workspace,
  }) => {
    const conn = await connectNode(workspace.emulator('mini').url);
    const cli = new LinkClient(conn);
    await cli.hello('osprio-cli test');
    try {
      await page.goto(workspace.url);
      await page.getByRole('radio', { name: 'Osprio Mini', exact: true }).check();
      await page.getByRole('button', { name: 'Connect' }).click();
      await expect(page.getByRole('alert')).toContainText('Osprio Mini is in use by another host');
      await expect(page.getByRole('tab', { name: 'Provisioner 1', exact: true })).toBeVisible();
      await expectAccessible(page, 'device in use');
      await shot(page, 'shell-state-in-use');
    } finally {
      cli.close();
    }
    await expect.poll(() => workspace.emulator('mini').hostAttached).toBe(false);
    await page.getByRole('button', { name: 'Connect' }).click();
    await expect(page.getByRole('tab', { name: 'Provisioner 1: Osprio Mini' })).toBeVisible();
  });
});

test.describe('incompatible firmware', () => {
  test.use({ workspaceOptions: { devices: [PRO], supportedVersions: { pro: [2] } } });

  test("a device that refuses this workspace's hello version is shown as incompatible firmware", async ({
    page,
    workspace,
  }) => {
    await page.goto(workspace.url);
    await page.getByRole('button', { name: 'Connect' }).click();
    const alert = page.getByRole('alert');
    await expect(alert).toContainText('Incompatible firmware');
    await expect(alert).toContainText('protocol version 1 is not served');
    expect(workspace.emulator('pro').hostAttached).toBe(false);
    await expectAccessible(page, 'incompatible firmware');
    await shot(page, 'shell-state-incompatible');
  });
});

test.describe('no device', () => {
  test.use({ workspaceOptions: { devices: [] } });

  test('with no device, the tab says so and how to get one', async ({ page, workspace }) => {
    await page.goto(workspace.url);
    await expect(page.getByText('No device.')).toBeVisible();
    await expect(page.getByText(/click PAIR NEW/)).toBeVisible();
    await expect(page.getByRole('button', { name: 'Connect' })).toBeDisabled();
    await expect(page.getByRole('button', { name: 'PAIR NEW' })).toBeEnabled();
    await expectAccessible(page, 'no device');
    await shot(page, 'shell-state-no-device');
  });
});

test.describe('dark theme', () => {
  test.use({ colorScheme: 'dark' });

  test('pairing and a lost link read in the dark theme with AA contrast', async ({
    page,
    workspace,
  }) => {
    await page.goto(workspace.url);
    await expect(page.locator('body')).toHaveCSS('background-color', 'rgb(17, 19, 22)');
    await page.getByRole('button', { name: 'Connect' }).click();
    await expect(page.getByRole('tab', { name: 'Provisioner 1: Osprio Pro' })).toBeVisible();
    workspace.server.dropDevice('pro');
    await expect(page.getByRole('alert')).toContainText('Connection lost');
    await expectAccessible(page, 'dark pairing after a lost link');
    await shot(page, 'shell-dark-lost');
  });
});
