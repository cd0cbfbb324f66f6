import { describe, expect, it } from 'vitest';
import { parseCapabilities, parseTarget } from '../../src/ops/target-form.ts';

const base = { address: '5', baud: '9600', timeout: '', autoVerify: false, capabilities: '' };

describe('parseTarget', () => {
  it('turns the typed fields into a quick-step target', () => {
    expect(
      parseTarget({ ...base, timeout: '2000', autoVerify: true, capabilities: '4:1:1, 3:1:2' }),
    ).toEqual({
      ok: true,
      target: {
        address: 5,
        baud: 9600,
        options: {
          timeoutMs: 2000,
          autoVerify: true,
          expectedCapabilities: [
            { functionCode: 4, minCompliance: 1, minCount: 1 },
            { functionCode: 3, minCompliance: 1, minCount: 2 },
          ],
        },
      },
    });
  });
  it('takes an empty timeout as the firmware default (0)', () => {
    const r = parseTarget(base);
    expect(r.ok && r.target.options.timeoutMs).toBe(0);
  });
  it('reports one problem per field, in words that say how to fix it', () => {
    const r = parseTarget({
      address: '127',
      baud: '1234',
      timeout: '-5',
      autoVerify: false,
      capabilities: '4:1',
    });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems.address).toMatch(/broadcast/);
    expect(r.problems.baud).toMatch(/9600/);
    expect(r.problems.timeout).toMatch(/negative/);
    expect(r.problems.capabilities).toMatch(/FC:LEVEL:COUNT/);
  });
  it('asks for an address when none is typed, and refuses text', () => {
    const empty = parseTarget({ ...base, address: ' ' });
    expect(!empty.ok && empty.problems.address).toMatch(/Enter the PD address/);
    const text = parseTarget({ ...base, address: 'five' });
    expect(!text.ok && text.problems.address).toBeTruthy();
  });
  it('applies the profile rules to capabilities (duplicate function codes)', () => {
    const r = parseTarget({ ...base, capabilities: '4:1:1 4:1:2' });
    expect(!r.ok && r.problems.capabilities).toMatch(/already listed/);
  });
  it('parses an empty capability list as no check', () => {
    expect(parseCapabilities('  ')).toEqual({ ok: true, caps: [] });
  });
});
