// PAIR NEW through the WebUSB chooser, with a stand-in for navigator.usb (usb-shim.ts) that carries
// the real WebUSB transport's bytes to the emulated Pro's byte-stream endpoint.
import { test, expect, shot, expectAccessible, PRO } from './fixtures.ts';
import { installUsbShim } from './usb-shim.ts';

test.use({ workspaceOptions: { devices: [PRO] } });

test('PAIR NEW opens the chooser for the provisioner ids, and Connect runs the link over USB bulk transfers', async ({
  page,
  workspace,
}) => {
  await installUsbShim(page, { streamPath: workspace.paths('pro').stream });
  await page.goto(workspace.url);
  await page.getByRole('button', { name: 'PAIR NEW' }).click();
  const usbRadio = page.getByRole('radio', { name: 'Osprio Pro (USB)', exact: true });
  await expect(usbRadio).toBeChecked();
  // The chooser was asked for the configured provisioner ids only.
  expect(
    await page.evaluate(
      () => (window as unknown as { __usbShim: { requests: unknown[] } }).__usbShim.requests,
    ),
  ).toEqual([{ filters: [{ vendorId: 0x1209, productId: 0x05e1 }] }]);
  await shot(page, 'shell-webusb-paired');
  await page.getByRole('button', { name: 'Connect' }).click();
  await expect(page.getByRole('tab', { name: 'Provisioner 1: Osprio Pro (USB)' })).toBeVisible();
  await expect(page.getByRole('heading', { name: /mode/i }).first()).toBeVisible();
  // The device itself sees the host: the same handler as its WebSocket endpoint.
  expect(workspace.emulator('pro').hostAttached).toBe(true);
  await shot(page, 'shell-webusb-connected');
});

test('unplugging the USB device brings the tab back to pairing with "Connection lost"; Connect again resumes', async ({
  page,
  workspace,
}) => {
  await installUsbShim(page, { streamPath: workspace.paths('pro').stream });
  await page.goto(workspace.url);
  await page.getByRole('button', { name: 'PAIR NEW' }).click();
  await page.getByRole('button', { name: 'Connect' }).click();
  await expect(page.getByRole('tab', { name: 'Provisioner 1: Osprio Pro (USB)' })).toBeVisible();

  await page.evaluate(() =>
    (window as unknown as { __usbShim: { unplug(): void } }).__usbShim.unplug(),
  );
  await expect(page.getByRole('alert')).toContainText('Connection lost');
  await expect(page.getByRole('tab', { name: 'Provisioner 1' })).toBeVisible();
  await expect.poll(() => workspace.emulator('pro').hostAttached).toBe(false);
  await expectAccessible(page, 'pairing after a lost USB link');
  await shot(page, 'shell-webusb-lost');

  await expect(page.getByRole('radio', { name: 'Osprio Pro (USB)', exact: true })).toBeChecked();
  await page.getByRole('button', { name: 'Connect' }).click();
  await expect(page.getByRole('tab', { name: 'Provisioner 1: Osprio Pro (USB)' })).toBeVisible();
  expect(workspace.emulator('pro').hostAttached).toBe(true);
});

test('the USB ids PAIR NEW asks for are configurable (?usb=VID:PID)', async ({
  page,
  workspace,
}) => {
  await installUsbShim(page, {
    streamPath: workspace.paths('pro').stream,
    vendorId: 0xcafe,
    productId: 0x0042,
  });
  // The default ids do not match this device: the chooser offers nothing and nothing is added.
  await page.goto(workspace.url);
  await page.getByRole('button', { name: 'PAIR NEW' }).click();
  await expect(page.getByRole('radio', { name: 'Osprio Pro (USB)', exact: true })).toHaveCount(0);
  await page.goto(`${workspace.url}?usb=cafe:0042`);
  await page.getByRole('button', { name: 'PAIR NEW' }).click();
  await expect(page.getByRole('radio', { name: 'Osprio Pro (USB)', exact: true })).toBeChecked();
  expect(
    await page.evaluate(
      () => (window as unknown as { __usbShim: { requests: unknown[] } }).__usbShim.requests,
    ),
  ).toEqual([{ filters: [{ vendorId: 0xcafe, productId: 0x0042 }] }]);
});
