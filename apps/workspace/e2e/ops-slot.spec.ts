// Issue 11, the day's work: a 126-PD slot on the emulated Pro with faulty readers, driven to
// complete through the operational view (try all pending, retry the failures, skip what cannot be
// fixed), exported as CSV and JSON, both checked against what the simulated readers hold. Then the
// custody scan, axe, and the layout shift measured while 126 rows updated.
import AxeBuilder from '@axe-core/playwright';
import { buildKeyExport, deriveScbk, toCsv, toJson } from '@osprio/provisioner';
import { toHex } from '@osprio/osdp';
import { test, expect, type DeviceSpec } from './fixtures.ts';
import {
  connectAndOpenSlot,
  counter,
  createSlot,
  deviceRows,
  download,
  rowOf,
  slotSteps,
  uiRows,
  viewShot,
} from './ops-helpers.ts';
import { browserFootprint, findSecrets } from './ops-custody.ts';

// Readers that fail whatever the host does (a retry meets the same reader), each a different outcome.
const FAILING: Record<number, string> = {
  3: 'no_response',
  10: 'scbk_rejected',
  20: 'keyset_failed',
  30: 'baud_mismatch',
  40: 'wrong_address',
  50: 'no_response',
};
const FAULTS =
  '3:absent,10:keyed,20:nak-keyset,30:stays-at-old-baud,40:other-address,50:silent-after-comset,60:reboot,70:at-baud:19200,80:slow:400';
const PRO_FAULTY: DeviceSpec = { id: 'pro', model: 'pro', faults: FAULTS, technician: false };

test.use({ workspaceOptions: { devices: [PRO_FAULTY] } });

test('a 126-PD slot with faulty readers: driven to complete, failures retried and skipped, exported exactly as the readers are keyed; no secret in the browser', async ({
  page,
  context,
  workspace,
}) => {
  test.setTimeout(300_000);
  const consoleLines: string[] = [];
  page.on('console', (m) => consoleLines.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => consoleLines.push(`pageerror: ${e.message}`));
  const emu = workspace.emulator('pro');
  await createSlot(emu, 0, { name: 'Lobby readers', count: 126, baud: 115200 });

  await connectAndOpenSlot(page, workspace.url, 'Osprio Pro', 0);
  await expect(counter(page, 'total')).toHaveText('126');
  await expect(counter(page, 'pending')).toHaveText('126');
  await expect(page.locator('table.rows tbody tr')).toHaveCount(126);
  // Before complete, the export says why it is unavailable.
  await expect(page.getByTestId('export-unavailable')).toHaveText(
    'Export is available once the slot is complete: 126 steps are pending or attempting.',
  );
  await expect(page.getByRole('button', { name: 'Export CSV' })).toBeDisabled();
  await expect(page.getByRole('button', { name: 'Export JSON' })).toBeDisabled();
  // No slot-level start or stop.
  await expect(page.getByRole('button', { name: /^(start|stop)/i })).toHaveCount(0);

  // Layout shift while 126 rows go pending → attempting → success/failure.
  await page.evaluate(() => {
    const w = window as unknown as { __shift: { all: number; count: number; sources: string[] } };
    w.__shift = { all: 0, count: 0, sources: [] };
    new PerformanceObserver((list) => {
      for (const e of list.getEntries() as unknown as {
        value: number;
        sources?: { node?: Node | null }[];
      }[]) {
        w.__shift.all += e.value;
        w.__shift.count++;
        for (const src of e.sources ?? []) {
          const el = src.node instanceof Element ? src.node : null;
          w.__shift.sources.push(
            el ? `${el.tagName.toLowerCase()}.${el.className}` : String(src.node?.nodeName),
          );
        }
      }
    }).observe({ type: 'layout-shift' });
  });
  await page.getByRole('button', { name: 'Try all pending' }).click();
  await expect(counter(page, 'pending')).toHaveText('0', { timeout: 240_000 });
  // Work in flight is over: its notice ("try requested for 126 pending steps…") goes rather than
  // linger over the export.
  await expect(page.locator('.slot-ops .notice')).toHaveText('');
  const shift = await page.evaluate(
    () =>
      (window as unknown as { __shift: { all: number; count: number; sources: string[] } }).__shift,
  );
  console.log(
    `[ops] layout shift while 126 rows updated: ${shift.all.toFixed(5)} (${shift.count} entries${shift.sources.length ? `; moved: ${[...new Set(shift.sources)].join(', ')}` : ''})`,
  );
  test.info().annotations.push({
    type: 'layout-shift',
    description: `${shift.all.toFixed(5)} over ${shift.count} entries while 126 rows updated`,
  });
  expect(shift.all).toBeLessThan(0.01);

  await expect(counter(page, 'failed')).toHaveText(String(Object.keys(FAILING).length));
  await expect(counter(page, 'provisioned')).toHaveText(String(126 - Object.keys(FAILING).length));
  for (const [step, outcome] of Object.entries(FAILING)) {
    await expect(rowOf(page, Number(step)).locator('.code')).toHaveText(outcome);
  }
  // scbk_rejected says whether address and baud were applied.
  await expect(rowOf(page, 10).locator('td.outcome .addr')).toContainText(
    'address and baud applied',
  );
  await rowOf(page, 10).locator('td.outcome button').focus();
  await expect(rowOf(page, 10).getByRole('tooltip')).toBeVisible();
  await expect(rowOf(page, 10).getByRole('tooltip')).toContainText('PD holds a different SCBK');
  await viewShot(page, 'ops-slot-after-first-pass');
  await rowOf(page, 10).scrollIntoViewIfNeeded();
  await viewShot(page, 'ops-slot-outcome-note');

  // Retry every failure from its row: the device runs them one at a time; each fails again (same reader).
  for (const step of Object.keys(FAILING).map(Number)) {
    await rowOf(page, step).getByRole('button', { name: 'retry', exact: true }).click();
  }
  for (const step of Object.keys(FAILING).map(Number)) {
    await expect(rowOf(page, step)).toHaveAttribute('data-state', 'failure', { timeout: 60_000 });
    await expect(rowOf(page, step).locator('td').nth(2)).toHaveText('2', { timeout: 60_000 });
  }
  await expect(counter(page, 'failed')).toHaveText('6');
  // Skip what cannot be fixed from here.
  for (const step of Object.keys(FAILING).map(Number)) {
    await rowOf(page, step).getByRole('button', { name: 'skip', exact: true }).click();
    await expect(rowOf(page, step)).toHaveAttribute('data-state', 'skipped');
    await expect(rowOf(page, step).locator('.code')).toHaveText('user_skipped');
  }
  await expect(counter(page, 'skipped')).toHaveText('6');
  await expect(page.getByRole('heading', { name: /· complete$/ })).toBeVisible();

  // The screen is the device's word: every row as the device holds it, none lost or doubled.
  const steps = slotSteps(emu, 0);
  expect(await uiRows(page)).toEqual(deviceRows(steps));

  // Export: available now, with the key-material warning; files exactly the host library's export.
  await expect(page.getByText('The exported file is key material')).toBeVisible();
  await page.evaluate(() => window.scrollTo(0, 0));
  await viewShot(page, 'ops-slot-complete');
  const detail = emu.device.getSlot(0);
  if (!detail.ok || !detail.slot.seed || !detail.slot.sessionId) throw new Error('slot unreadable');
  const { seed, sessionId } = detail.slot;
  const expectedExport = buildKeyExport(
    { sessionId, seed, slotState: 'complete', steps },
    deriveScbk,
  );
  const csv = await download(page, 'Export CSV');
  const json = await download(page, 'Export JSON');
  expect(csv.name).toBe(`osprio-scbks-${sessionId.slice(0, 8)}.csv`);
  expect(csv.text).toBe(toCsv(expectedExport));
  expect(json.text).toBe(toJson(expectedExport));

  // …and against what the simulated readers hold: one entry per provisioned PD, its address, baud and key.
  const readers = emu.bench
    .readerStates()
    .filter((r) => r.sessionId === sessionId && 'slot' in r.queue);
  const held = steps
    .filter((s) => s.state === 'success')
    .map((s) => {
      const r = readers.find((x) => x.stepIndex === s.index);
      expect(r, `reader of step ${s.index}`).toBeTruthy();
      expect(r!.installMode).toBe(false);
      return `${r!.address},${r!.baud},${r!.scbkHex}`;
    });
  expect(held).toHaveLength(120);
  const csvLines = csv.text.trimEnd().split('\n');
  expect(csvLines[0]).toBe('pd_address,baudrate,scbk');
  expect(csvLines.slice(1)).toEqual(held);
  const doc = JSON.parse(json.text) as {
    kind: string;
    session_id: string;
    scbks: { pdAddress: number; baudrate: number; scbkHex: string }[];
  };
  expect(doc.kind).toBe('osprio-provisioned-scbks');
  expect(doc.session_id).toBe(sessionId);
  expect(doc.scbks.map((e) => `${e.pdAddress},${e.baudrate},${e.scbkHex}`)).toEqual(held);
  for (const s of Object.keys(FAILING))
    expect(csv.text).not.toContain(`\n${steps[Number(s)]!.address},`);
  await expect(page.getByRole('status').filter({ hasText: 'Saved osprio-scbks-' })).toContainText(
    '120 entries',
  );

  // Custody: the seed and every SCBK are nowhere in the browser after the full run.
  const secrets = [toHex(seed), ...readers.filter((r) => r.scbkHex).map((r) => r.scbkHex!)];
  expect(secrets.length).toBeGreaterThan(120);
  const footprint = await browserFootprint(page, context, consoleLines);
  expect(footprint.some(([where]) => where === 'dom')).toBe(true);
  expect(findSecrets(footprint, secrets)).toEqual([]);
  // The scan itself finds a planted key (it would catch a leak).
  expect(
    findSecrets([...footprint, ['planted', `x${held[0]!.split(',')[2]!.toUpperCase()}x`]], secrets),
  ).toEqual(['planted']);

  // axe on the operational view: no serious or critical violation.
  const axe = await new AxeBuilder({ page }).include('.slot-ops').analyze();
  const bad = axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(bad.map((v) => `${v.id}: ${v.help} (${v.nodes.length})`)).toEqual([]);
});
