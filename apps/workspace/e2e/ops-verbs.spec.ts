// Verb legality in the UI for every step state: each row's try / retry / skip / reset buttons are
// enabled exactly when the device's table allows the verb; reset of an attempting row asks first.
// Real-time bus (speed 1) so an attempt lasts long enough to be seen. Screenshots of each row state.
import type { Page } from '@playwright/test';
import { test, expect, type DeviceSpec } from './fixtures.ts';
import {
  connectAndOpenSlot,
  counter,
  createSlot,
  elementShot,
  rowOf,
  viewShot,
} from './ops-helpers.ts';

const LEGAL: Record<string, string[]> = {
  pending: ['try', 'skip', 'reset'],
  attempting: ['reset'],
  success: ['reset'],
  failure: ['retry', 'skip', 'reset'],
  skipped: ['reset'],
};

// Step 1's reader is missing (a failure after discovery gives up); step 3's is missing too, so its
// attempt runs for seconds while step 4 waits behind it, attempting (queued).
const PRO: DeviceSpec = { id: 'pro', model: 'pro', faults: '1:absent,3:absent', technician: false };
test.use({ workspaceOptions: { devices: [PRO], speed: 1 } });

async function expectLegal(page: Page, step: number, state: string): Promise<void> {
  const row = rowOf(page, step);
  await expect(row).toHaveAttribute('data-state', state);
  await expect(row.locator('.chip')).toHaveText(new RegExp(`${state}$`));
  for (const verb of ['try', 'retry', 'skip', 'reset']) {
    const b = row.getByRole('button', { name: verb, exact: true });
    if (LEGAL[state]!.includes(verb)) await expect(b, `${verb} on a ${state} row`).toBeEnabled();
    else await expect(b, `${verb} on a ${state} row`).toBeDisabled();
  }
}

test('each state enables exactly its legal verbs, and reset of an attempting row asks first', async ({
  page,
  workspace,
}) => {
  test.setTimeout(180_000);
  await createSlot(workspace.emulator('pro'), 0, { name: 'Verbs', count: 6, baud: 9600 });
  await connectAndOpenSlot(page, workspace.url, 'Osprio Pro', 0);
  await expectLegal(page, 0, 'pending');

  await rowOf(page, 0).getByRole('button', { name: 'try', exact: true }).click();
  await expect(rowOf(page, 0)).toHaveAttribute('data-state', 'success', { timeout: 60_000 });
  await expectLegal(page, 0, 'success');

  await rowOf(page, 1).getByRole('button', { name: 'try', exact: true }).click();
  await expect(rowOf(page, 1)).toHaveAttribute('data-state', 'failure', { timeout: 60_000 });
  await expectLegal(page, 1, 'failure');
  await expect(rowOf(page, 1).locator('.stage .summary')).toHaveText('discover stalled');

  await rowOf(page, 2).getByRole('button', { name: 'skip', exact: true }).click();
  await expect(rowOf(page, 2)).toHaveAttribute('data-state', 'skipped');
  await expectLegal(page, 2, 'skipped');

  // Step 3 runs (long: nobody answers), step 4 waits its turn: both attempting.
  await rowOf(page, 3).getByRole('button', { name: 'try', exact: true }).click();
  await rowOf(page, 4).getByRole('button', { name: 'try', exact: true }).click();
  await expect(rowOf(page, 4)).toHaveAttribute('data-state', 'attempting');
  await expectLegal(page, 4, 'attempting');
  await expect(rowOf(page, 4).locator('.stage .summary')).toHaveText('queued for the bus');
  await expectLegal(page, 5, 'pending');
  await expect(rowOf(page, 3).locator('.stage .summary')).toHaveText(/in flight$/);

  for (const [step, state] of [
    [5, 'pending'],
    [3, 'attempting'],
    [0, 'success'],
    [1, 'failure'],
    [2, 'skipped'],
  ] as const) {
    await elementShot(rowOf(page, step), `ops-row-${state}`);
  }
  await viewShot(page, 'ops-row-states');
  // The same rows in the dark theme (the OS setting decides).
  await page.emulateMedia({ colorScheme: 'dark' });
  await viewShot(page, 'ops-row-states-dark');
  await page.emulateMedia({ colorScheme: 'light' });

  // Reset of an attempting row: a question first, in plain words; Cancel leaves it as it is.
  await rowOf(page, 4).getByRole('button', { name: 'reset', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: 'Reset a step that is being attempted?' });
  await expect(dialog).toBeVisible();
  await expect(dialog).toContainText(`address 5`);
  await viewShot(page, 'ops-reset-confirm');
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog).toBeHidden();
  await expect(rowOf(page, 4)).toHaveAttribute('data-state', 'attempting');
  // Confirm: the device resets it, and the row follows its edge back to pending.
  await rowOf(page, 4).getByRole('button', { name: 'reset', exact: true }).click();
  await dialog.getByRole('button', { name: 'Confirm' }).click();
  await expect(rowOf(page, 4)).toHaveAttribute('data-state', 'pending');
  await expectLegal(page, 4, 'pending');
  // Other resets need no question: a failed row goes straight back to pending with its attempts cleared.
  await rowOf(page, 1).getByRole('button', { name: 'reset', exact: true }).click();
  await expect(dialog).toBeHidden();
  await expect(rowOf(page, 1)).toHaveAttribute('data-state', 'pending');
  await expect(rowOf(page, 1).locator('td').nth(2)).toHaveText('0');
  await expect(counter(page, 'total')).toHaveText('6');

  // Refresh re-reads the slot; Delete asks first, in plain words, then empties the slot.
  await page.getByRole('button', { name: 'Refresh', exact: true }).click();
  await expect(page.getByText('Refreshed from the device.')).toBeVisible();
  await page.getByRole('button', { name: 'Delete', exact: true }).click();
  const del = page.getByRole('dialog', { name: 'Delete slot 0?' });
  await expect(del).toContainText('returns the slot to empty');
  await del.getByRole('button', { name: 'Cancel' }).click();
  await expect(page.getByRole('table', { name: 'Steps of slot 0' })).toBeVisible();
  await page.getByRole('button', { name: 'Delete', exact: true }).click();
  await del.getByRole('button', { name: 'Delete', exact: true }).click();
  await expect(page.locator('tr[data-slot="0"]')).toHaveAttribute('data-state', 'empty');
  expect(workspace.emulator('pro').device.getSlot(0)).toMatchObject({
    ok: true,
    slot: { state: 'empty' },
  });

  // Closing the tab needs no teardown: the device is free at once.
  await page.close();
  await expect.poll(() => workspace.emulator('pro').hostAttached).toBe(false);
});

test('a clicked verb shows "requested…" until the device\'s edge arrives; the row shows the bus, not the click', async ({
  page,
  workspace,
}) => {
  test.setTimeout(120_000);
  await createSlot(workspace.emulator('pro'), 0, { name: 'Requested', count: 3, baud: 9600 });
  // Everything the device sends passes through here, so the test can hold it back.
  let hold = false;
  const held: (() => void)[] = [];
  await page.routeWebSocket(/\/device\/pro/, (ws) => {
    const server = ws.connectToServer();
    server.onMessage((m) => (hold ? held.push(() => ws.send(m)) : ws.send(m)));
    ws.onMessage((m) => server.send(m));
  });
  await connectAndOpenSlot(page, workspace.url, 'Osprio Pro', 0);

  hold = true;
  await rowOf(page, 0).getByRole('button', { name: 'try', exact: true }).click();
  await expect(rowOf(page, 0).locator('.requested')).toHaveText('requested…');
  await expect(rowOf(page, 0)).toHaveAttribute('data-state', 'pending');
  await expect(rowOf(page, 0)).toHaveAttribute('aria-busy', 'true');
  for (const verb of ['try', 'retry', 'skip', 'reset'])
    await expect(rowOf(page, 0).getByRole('button', { name: verb, exact: true })).toBeDisabled();
  await elementShot(rowOf(page, 0), 'ops-row-requested');

  // The device's answer and edges arrive: the mark goes, the row follows the bus.
  hold = false;
  for (const send of held.splice(0)) send();
  await expect(rowOf(page, 0).locator('.requested')).toHaveCount(0);
  await expect(rowOf(page, 0)).toHaveAttribute('data-state', /attempting|success/);
  await expect(rowOf(page, 0)).toHaveAttribute('data-state', 'success', { timeout: 60_000 });
});
