// The facts of a plan shown beside its steps on the review screen, in the form's words.

import type { Plan } from '@osprio/host';
import { formatAddressList, FIELD_LABELS } from './form-state.ts';

export interface Fact {
  label: string;
  value: string;
}

export function reviewSummary(plan: Plan): Fact[] {
  const p = plan.profile;
  const addresses = plan.steps.map((s) => s.address);
  const caps = p.expectedCapabilities;
  return [
    { label: FIELD_LABELS.name, value: p.name },
    { label: FIELD_LABELS.deviceCount, value: String(plan.steps.length) },
    { label: FIELD_LABELS.addressStrategy, value: p.addressStrategy },
    { label: 'Addresses', value: addressSpan(addresses) },
    { label: FIELD_LABELS.baud, value: String(p.baud) },
    {
      label: FIELD_LABELS.expectedCapabilities,
      value:
        caps.length === 0
          ? 'none (check skipped)'
          : caps.map((c) => `${c.functionCode}:${c.minCompliance}:${c.minCount}`).join(', '),
    },
    {
      label: FIELD_LABELS.timeoutMs,
      value: p.timeoutMs === 0 ? 'firmware default' : `${p.timeoutMs} ms`,
    },
    { label: FIELD_LABELS.autoVerify, value: p.autoVerify ? 'on' : 'off' },
  ];
}

/** "1-126" for a run, else the lowest and highest and how many are listed. */
function addressSpan(addresses: readonly number[]): string {
  if (addresses.length === 0) return 'none';
  const folded = formatAddressList(addresses);
  if (folded.length <= 24) return folded;
  return `${Math.min(...addresses)} to ${Math.max(...addresses)} (${addresses.length} addresses)`;
}
