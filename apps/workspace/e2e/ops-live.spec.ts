// Live quick-step queue on the emulated Mini: targets added through the form run one at a time on
// the device, rows have the shape of slot rows, and the successful PDs export exactly as the
// simulated readers were keyed.
import { test, expect, type DeviceSpec } from './fixtures.ts';
import { Decrypter, generateIdentity, identityToRecipient } from 'age-encryption';
import { connect, counter, download, downloadBytes, rowOf, viewShot } from './ops-helpers.ts';

const MINI: DeviceSpec = { id: 'mini', model: 'mini', faults: '1:absent' };
test.use({ workspaceOptions: { devices: [MINI] } });

test('a live quick-step queue on the Mini: add targets, watch their rows, export the successful PDs', async ({
  page,
  workspace,
}) => {
  test.setTimeout(120_000);
  const emu = workspace.emulator('mini');
  await page.goto(workspace.url);
  await connect(page, 'Osprio Mini');
  await expect(page.getByRole('form', { name: 'Add a quick-step target' })).toBeVisible();
  await expect(page.getByTestId('export-unavailable')).toHaveText(
    'Export becomes available after the first successful quick-step.',
  );

  // Inline validation, in words that say how to fix it; nothing is sent.
  await page.getByLabel('Address', { exact: true }).fill('127');
  await page.getByRole('button', { name: 'Add target' }).click();
  await expect(page.locator('#qs-address-p')).toContainText('broadcast');
  await expect(page.locator('table.rows tbody tr')).toHaveCount(0);

  const add = async (address: number, baud: number, autoVerify = false) => {
    await page.getByLabel('Address', { exact: true }).fill(String(address));
    await page.getByLabel('Baud rate').selectOption(String(baud));
    await page.getByLabel('Auto-verify').setChecked(autoVerify);
    await page.getByRole('button', { name: 'Add target' }).click();
    await expect(page.getByLabel('Address', { exact: true })).toHaveValue('');
  };
  await add(5, 115200);
  await add(6, 38400); // step 1: nobody on the line
  await add(7, 9600, true);

  await expect(page.locator('table.rows tbody tr')).toHaveCount(3);
  await expect(rowOf(page, 0)).toHaveAttribute('data-state', 'success', { timeout: 60_000 });
  await expect(rowOf(page, 1)).toHaveAttribute('data-state', 'failure', { timeout: 60_000 });
  await expect(rowOf(page, 2)).toHaveAttribute('data-state', 'success', { timeout: 60_000 });
  await expect(rowOf(page, 1).locator('.code')).toHaveText('no_response');
  // Same row shape as a slot: address, baud, state, attempts, outcome, stage, verbs.
  await expect(rowOf(page, 2).locator('th')).toHaveText('7');
  await expect(rowOf(page, 2).locator('td').first()).toHaveText('9600');
  await expect(rowOf(page, 2).locator('.stage .summary')).toHaveText('verify done');
  await expect(rowOf(page, 1).getByRole('button', { name: 'retry', exact: true })).toBeEnabled();
  await expect(counter(page, 'provisioned')).toHaveText('2');
  await expect(counter(page, 'failed')).toHaveText('1');
  await viewShot(page, 'ops-live-queue');

  // The successful PDs export; each line is what the reader on the bus holds.
  await expect(page.getByText('The exported file is key material')).toBeVisible();
  const csv = await download(page, 'Export CSV');
  const readers = emu.bench.readerStates().filter((r) => 'live' in r.queue);
  const line = (step: number) => {
    const r = readers.find((x) => x.stepIndex === step)!;
    expect(r.installMode).toBe(false);
    return `${r.address},${r.baud},${r.scbkHex}`;
  };
  expect(csv.text).toBe(`pd_address,baudrate,scbk\n${line(0)}\n${line(2)}\n`);
  expect(line(0).startsWith('5,115200,')).toBe(true);
  expect(line(2).startsWith('7,9600,')).toBe(true);
  const json = await download(page, 'Export JSON');
  const doc = JSON.parse(json.text) as {
    scbks: { pdAddress: number; baudrate: number; scbkHex: string }[];
  };
  expect(doc.scbks.map((e) => `${e.pdAddress},${e.baudrate},${e.scbkHex}`)).toEqual([
    line(0),
    line(2),
  ]);

  // Encrypted to an age recipient pasted for this one export: a secret key is refused, a public
  // key encrypts the very same file, and the field is empty again afterwards (never kept).
  const recipientField = page.getByLabel('age recipient (optional: encrypts the file)');
  const identity = await generateIdentity();
  await recipientField.fill(identity);
  await page.getByRole('button', { name: 'Export CSV', exact: true }).click();
  await expect(page.locator('.export .problem')).toContainText(
    'that is an age identity (a secret key)',
  );
  await expect(recipientField).toHaveValue('');
  await recipientField.fill(await identityToRecipient(identity));
  const sealed = await downloadBytes(page, 'Export CSV');
  expect(sealed.name).toMatch(/^osprio-scbks-[0-9a-f]{8}\.csv\.age$/);
  const d = new Decrypter();
  d.addIdentity(identity);
  expect(await d.decrypt(sealed.bytes, 'text')).toBe(csv.text);
  await expect(recipientField).toHaveValue('');
});
