// Every planning screen, in light and dark: axe finds no serious or critical violation, and a
// screenshot of each is saved to test-results/screens/ (look at them). Also the mode picker's
// two ways, the "no provisioner mode" screen, and upload progress on a slowed link.
import { test, expect, shot } from './fixtures.ts';
import {
  PLAN_PRO,
  expectAccessible,
  makeComplete,
  makeReady,
  makeStaging,
  openSlotList,
  profile,
  slotRow,
} from './plan-helpers.ts';

const NO_MODES = {
  id: 'none',
  name: 'Osprio Pro (no provisioner role)',
  model: 'pro' as const,
  technician: false,
  modelOverrides: { status: { liveQuickStep: false, slots: false } },
};

test.use({ workspaceOptions: { devices: [PLAN_PRO, NO_MODES] } });

for (const scheme of ['light', 'dark'] as const) {
  test(`every planning screen passes axe and is captured (${scheme})`, async ({
    page,
    workspace,
  }) => {
    test.slow(); // seven axe scans on a shared 2-core machine
    await page.emulateMedia({ colorScheme: scheme });
    const emu = workspace.emulator('pro');
    await makeStaging(
      emu,
      1,
      profile({ name: 'Warehouse east (unfinished)', deviceCount: 60 }),
      32,
    );
    await makeReady(emu, 2, profile({ name: 'Main entrance readers', deviceCount: 126 }));
    await makeComplete(emu, 3, profile({ name: 'Plant room', deviceCount: 6 }));

    await page.goto(workspace.url);
    await page.getByRole('radio', { name: 'Osprio Pro', exact: true }).check();
    await page.getByRole('button', { name: 'Connect' }).click();
    await expect(page.getByRole('heading', { name: 'Choose a mode' })).toBeFocused();
    await expectAccessible(page);
    await shot(page, `plan-${scheme}-1-mode-picker`);

    // Quick-step, then back to the picker, then slots.
    await page.getByRole('button', { name: 'Live quick-step' }).click();
    await expect(page.getByRole('button', { name: 'Change mode' })).toBeVisible();
    await page.getByRole('button', { name: 'Change mode' }).click();
    await page.getByRole('button', { name: 'Offline slots' }).click();
    await expect(slotRow(page, 3)).toContainText('complete');
    await expectAccessible(page);
    await shot(page, `plan-${scheme}-2-slot-list`);

    await slotRow(page, 2).getByRole('button', { name: 'Delete' }).click();
    await expect(page.getByRole('dialog')).toBeVisible();
    await expectAccessible(page);
    await shot(page, `plan-${scheme}-3-delete-question`);
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();

    const chooser = page.waitForEvent('filechooser');
    await slotRow(page, 0).getByRole('button', { name: 'Import' }).click();
    await (
      await chooser
    ).setFiles({
      name: 'site-b.json',
      mimeType: 'application/json',
      buffer: Buffer.from(
        JSON.stringify({
          kind: 'osprio-profile',
          version: 1,
          profile: {
            name: 'B',
            deviceCount: 0,
            addressStrategy: 'manual',
            manualAddresses: [1, 127],
            baud: 9600,
          },
        }),
      ),
    });
    await expect(page.getByRole('group', { name: /was not imported/ })).toBeVisible();
    await expectAccessible(page);
    await shot(page, `plan-${scheme}-4-import-problems`);
    await page.getByRole('button', { name: 'Dismiss' }).click();

    await slotRow(page, 0).getByRole('button', { name: 'Create' }).click();
    await expect(page.getByRole('heading', { name: 'New profile for slot 0' })).toBeFocused();
    await expectAccessible(page);
    await shot(page, `plan-${scheme}-5-form`);
    await page.getByLabel('Device count', { exact: true }).fill('130');
    await page.getByLabel('Address strategy', { exact: true }).selectOption('manual');
    await page.getByLabel('Manual address list', { exact: true }).fill('1, 2, x');
    await page.getByRole('button', { name: 'Review steps' }).click();
    await expect(page.getByLabel('Profile name', { exact: true })).toBeFocused();
    await expectAccessible(page);
    await shot(page, `plan-${scheme}-6-form-problems`);

    await page.getByLabel('Profile name', { exact: true }).fill('North gate');
    await page.getByLabel('Device count', { exact: true }).fill('126');
    await page.getByLabel('Address strategy', { exact: true }).selectOption('random');
    await page.getByLabel('Start address', { exact: true }).fill('0');
    await page.getByRole('button', { name: 'Review steps' }).click();
    await expect(page.getByRole('heading', { name: 'Review the steps for slot 0' })).toBeFocused();
    await expectAccessible(page);
    await shot(page, `plan-${scheme}-7-review`);
    await page.getByRole('button', { name: 'Confirm' }).click();
    await shot(page, `plan-${scheme}-8-after-seal`);
  });
}

test('a device that offers no provisioner mode says so, accessibly', async ({
  page,
  workspace,
}) => {
  await page.goto(workspace.url);
  await page.getByRole('radio', { name: 'Osprio Pro (no provisioner role)', exact: true }).check();
  await page.getByRole('button', { name: 'Connect' }).click();
  await expect(
    page.getByRole('heading', { name: 'This device offers no provisioner mode' }),
  ).toBeVisible();
  await expectAccessible(page);
  await shot(page, 'plan-light-0-no-mode');
});

test('Confirm shows upload progress, then sealing, while the link is slow', async ({
  page,
  workspace,
}) => {
  const { ws } = workspace.paths('pro');
  const path = ws.split('?')[0]!;
  // Every device message reaches the page 150 ms late (in order), so each upload chunk is seen.
  await page.routeWebSocket(
    (url) => url.pathname === path,
    (route) => {
      const server = route.connectToServer();
      route.onMessage((m) => server.send(m));
      server.onMessage((m) => setTimeout(() => route.send(m), 150));
    },
  );
  await openSlotList(page, workspace);
  await slotRow(page, 0).getByRole('button', { name: 'Create' }).click();
  await page.getByLabel('Profile name', { exact: true }).fill('Slow link');
  await page.getByLabel('Device count', { exact: true }).fill('126');
  await page.getByRole('button', { name: 'Review steps' }).click();
  // Record every state the progress bar passes through: one chunk's state lasts only as long as
  // the link's delay, shorter than a locator's polling interval, so sampling could miss it.
  await page.evaluate(() => {
    const seen: { label: string; value: number }[] = [];
    (window as unknown as { progressSeen: typeof seen }).progressSeen = seen;
    new MutationObserver(() => {
      const bar = document.getElementById('upload-progress') as HTMLProgressElement | null;
      const label = document.querySelector('label[for="upload-progress"]');
      if (!bar || !label) return;
      const entry = { label: label.textContent!.trim(), value: bar.value };
      const last = seen.at(-1);
      if (!last || last.label !== entry.label || last.value !== entry.value) seen.push(entry);
    }).observe(document.body, {
      subtree: true,
      childList: true,
      attributes: true,
      characterData: true,
    });
  });
  await page.getByRole('button', { name: 'Confirm' }).click();

  const progress = page.getByRole('progressbar', { name: /Uploading: \d+ of 126 steps/ });
  await expect(progress).toBeVisible();
  await expect(page.getByRole('button', { name: 'Confirm' })).toBeDisabled();
  await expect(page.getByRole('button', { name: 'Back' })).toBeDisabled();
  await shot(page, 'plan-light-9-upload-progress');
  // The review leaves once the slot is sealed; by then every state has been recorded.
  await expect(page.getByRole('heading', { name: 'Review the steps for slot 0' })).toHaveCount(0);
  const seen = await page.evaluate(
    () => (window as unknown as { progressSeen: { label: string; value: number }[] }).progressSeen,
  );
  // Each upload chunk was shown, in order, with the bar's value matching its words.
  expect(seen).toContainEqual({ label: 'Uploading: 64 of 126 steps', value: 64 });
  const counts = seen.filter((e) => e.label.startsWith('Uploading')).map((e) => e.value);
  expect(counts).toEqual([...counts].sort((a, b) => a - b));
  // …then sealing, once all 126 were up.
  expect(seen).toContainEqual({ label: 'Sealing slot 0…', value: 126 });
  await expect
    .poll(() => workspace.emulator('pro').device.getSlot(0))
    .toMatchObject({ ok: true, slot: { state: 'ready' } });
});
