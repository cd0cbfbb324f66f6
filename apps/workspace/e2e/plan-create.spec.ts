// Creating a 126-PD plan through the profile form, with each address strategy: the review shows
// the expanded steps, and Confirm writes exactly those steps to the slot and seals it.
import { test, expect, shot } from './fixtures.ts';
import { PLAN_PRO, deviceSlot, openSlotList, reviewedSteps, slotRow } from './plan-helpers.ts';

test.use({ workspaceOptions: { devices: [PLAN_PRO] } });

/** 126 distinct addresses 1..126 in a scrambled order: powers of 3, a primitive root mod 127. */
const MANUAL: number[] = [];
for (let x = 1, i = 0; i < 126; i++) MANUAL.push((x = (x * 3) % 127));
function manualText(): string {
  // Many lines, to prove the list reads separators of every kind.
  return MANUAL.map((a, i) => `${a}${i % 10 === 9 ? '\n' : ', '}`)
    .join('')
    .trim();
}

const CASES = [
  { strategy: 'sequential', slot: 0, baud: '38400' },
  { strategy: 'random', slot: 1, baud: '115200' },
  { strategy: 'manual', slot: 2, baud: '9600' },
] as const;

for (const c of CASES) {
  test(`a 126-PD plan with the ${c.strategy} strategy: Confirm uploads exactly the reviewed steps and seals`, async ({
    page,
    workspace,
  }) => {
    const emu = workspace.emulator('pro');
    await openSlotList(page, workspace);
    await slotRow(page, c.slot).getByRole('button', { name: 'Create' }).click();
    await expect(
      page.getByRole('heading', { name: `New profile for slot ${c.slot}` }),
    ).toBeFocused();

    await page.getByLabel('Profile name', { exact: true }).fill(`Site ${c.strategy}`);
    await page.getByLabel('Device count', { exact: true }).fill('126');
    await page.getByLabel('Address strategy', { exact: true }).selectOption(c.strategy);
    if (c.strategy === 'manual') {
      await expect(page.getByLabel('Start address', { exact: true })).toHaveCount(0);
      await page.getByLabel('Manual address list', { exact: true }).fill(manualText());
    } else {
      await expect(page.getByLabel('Manual address list', { exact: true })).toHaveCount(0);
      // Random draws 126 of the 127 addresses 0..126, so the plan is a real draw.
      await page
        .getByLabel('Start address', { exact: true })
        .fill(c.strategy === 'random' ? '0' : '1');
    }
    await page.getByLabel('Baud rate', { exact: true }).selectOption(c.baud);
    await page.getByLabel('Expected capabilities', { exact: true }).fill('3:1:1, 4');
    await page.getByLabel('Provisioning timeout', { exact: true }).fill('5000');
    await page.getByLabel('Auto-verify', { exact: true }).check();
    await shot(page, `plan-form-${c.strategy}`);
    await page.getByRole('button', { name: 'Review steps' }).click();

    await expect(
      page.getByRole('heading', { name: `Review the steps for slot ${c.slot}` }),
    ).toBeVisible();
    const reviewed = await reviewedSteps(page);
    expect(reviewed).toHaveLength(126);
    expect(reviewed.every((s) => s.baud === Number(c.baud))).toBe(true);
    const addresses = reviewed.map((s) => s.address);
    expect(new Set(addresses).size).toBe(126);
    if (c.strategy === 'sequential')
      expect(addresses).toEqual(Array.from({ length: 126 }, (_, i) => i + 1));
    if (c.strategy === 'manual') expect(addresses).toEqual(MANUAL);
    if (c.strategy === 'random') {
      expect(addresses.every((a) => a >= 0 && a <= 126)).toBe(true);
      expect(addresses).toEqual([...addresses].sort((a, b) => a - b));
    }
    await shot(page, `plan-review-${c.strategy}`);
    // Nothing is written before Confirm.
    expect(deviceSlot(emu, c.slot).state).toBe('empty');

    await page.getByRole('button', { name: 'Confirm' }).click();
    await expect.poll(() => deviceSlot(emu, c.slot).state).toBe('ready');
    await expect(
      page.getByRole('heading', { name: `Review the steps for slot ${c.slot}` }),
    ).toHaveCount(0);

    const held = deviceSlot(emu, c.slot);
    expect(held.steps.map((s) => ({ address: s.address, baud: s.baud }))).toEqual(reviewed);
    expect(held.steps.map((s) => s.index)).toEqual(reviewed.map((_, i) => i));
    expect(held.header).toMatchObject({
      name: `Site ${c.strategy}`,
      deviceCount: 126,
      addressStrategy: c.strategy,
      baud: Number(c.baud),
      expectedCapabilities: [
        { functionCode: 3, minCompliance: 1, minCount: 1 },
        { functionCode: 4, minCompliance: 0, minCount: 0 },
      ],
      timeoutMs: 5000,
      autoVerify: true,
    });
    expect(held.counters).toMatchObject({ total: 126, pending: 126 });
    await shot(page, `plan-sealed-${c.strategy}`);

    // The slot's operational view is open; Back leads to the slot list, which reads the new slot.
    await page.getByRole('button', { name: 'Back', exact: true }).click();
    await expect(slotRow(page, c.slot)).toContainText('ready');
    await expect(slotRow(page, c.slot)).toContainText(`Site ${c.strategy}`);
    await expect(slotRow(page, c.slot).getByRole('cell').nth(2)).toHaveText('126');
    await expect(slotRow(page, c.slot).getByRole('button', { name: 'Open' })).toBeEnabled();
  });
}
