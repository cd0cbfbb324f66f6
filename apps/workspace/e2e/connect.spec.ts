// Connecting from the pairing list: the device's provisioner status alone picks the opening screen.
import { test, expect, shot, PRO, MINI, SLOTS_ONLY } from './fixtures.ts';

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
    await shot(page, `shell-connected-${name}`);
  });
}
