// The quick-step target form as a pure function: the typed text of each field → a target the
// LiveView can run, or one problem per field saying how to fix it. The rules are the profile's own
// (validateStepOptions and the leaf schemas of @osprio/provisioner), never a looser copy.

import {
  PROFILE_BAUDS,
  validateProfile,
  validateStepOptions,
  type ExpectedCapability,
  type StepOptions,
} from '@osprio/provisioner';

export interface TargetFields {
  address: string;
  baud: string;
  /** Provisioning timeout in ms; '' or 0 = firmware default. */
  timeout: string;
  autoVerify: boolean;
  /** Expected capabilities as FC:LEVEL:COUNT entries separated by commas or spaces; '' = no check. */
  capabilities: string;
}

export interface Target {
  address: number;
  baud: number;
  options: StepOptions;
}

export type FieldName = 'address' | 'baud' | 'timeout' | 'capabilities';
export type TargetResult =
  { ok: true; target: Target } | { ok: false; problems: Partial<Record<FieldName, string>> };

function asNumber(text: string): number | string {
  const t = text.trim();
  return /^-?\d+(\.\d+)?$/.test(t) ? Number(t) : t;
}

/** Address and baud under a profile's own rules: a one-device manual plan with this target. */
function targetProblems(address: unknown, baud: unknown): { address?: string; baud?: string } {
  const r = validateProfile({
    name: 'quick-step',
    deviceCount: 1,
    addressStrategy: 'manual',
    manualAddresses: [address],
    baud,
    expectedCapabilities: [],
    timeoutMs: 0,
    autoVerify: false,
  });
  if (r.ok) return {};
  const out: { address?: string; baud?: string } = {};
  for (const p of r.problems) {
    if (p.path.startsWith('manualAddresses')) out.address ??= p.message;
    else if (p.path === 'baud') out.baud ??= p.message;
  }
  return out;
}

/** FC:LEVEL:COUNT list → capability records; the numbers themselves are checked by validateStepOptions. */
export function parseCapabilities(
  text: string,
): { ok: true; caps: ExpectedCapability[] } | { ok: false; message: string } {
  const caps: ExpectedCapability[] = [];
  for (const item of text.split(/[\s,;]+/).filter((x) => x !== '')) {
    const m = /^(\d{1,3}):(\d{1,3}):(\d{1,3})$/.exec(item);
    if (!m)
      return {
        ok: false,
        message: `"${item.slice(0, 20)}" is not FC:LEVEL:COUNT; write e.g. 4:1:1 (function code, minimum compliance, minimum count)`,
      };
    caps.push({ functionCode: Number(m[1]), minCompliance: Number(m[2]), minCount: Number(m[3]) });
  }
  return { ok: true, caps };
}

export function parseTarget(f: TargetFields): TargetResult {
  const problems: Partial<Record<FieldName, string>> = {};
  const address = asNumber(f.address);
  const baud = asNumber(f.baud);
  const tp = targetProblems(address, baud);
  if (f.address.trim() === '') problems.address = 'Enter the PD address to set, 0–126.';
  else if (tp.address) problems.address = tp.address;
  if (tp.baud) problems.baud = `Choose one of ${PROFILE_BAUDS.join(', ')}.`;
  const caps = parseCapabilities(f.capabilities);
  if (!caps.ok) problems.capabilities = caps.message;
  const timeout = f.timeout.trim() === '' ? 0 : asNumber(f.timeout);
  const opts = validateStepOptions({
    timeoutMs: timeout,
    autoVerify: f.autoVerify,
    expectedCapabilities: caps.ok ? caps.caps : [],
  });
  if (!opts.ok) {
    for (const pr of opts.problems) {
      if (pr.path.startsWith('timeoutMs')) problems.timeout ??= pr.message;
      else if (pr.path.startsWith('expectedCapabilities'))
        problems.capabilities ??= `${pr.path.replace(/^expectedCapabilities/, 'entry ')}: ${pr.message}`;
    }
  }
  if (Object.keys(problems).length > 0 || !opts.ok) return { ok: false, problems };
  return {
    ok: true,
    target: { address: address as number, baud: baud as number, options: opts.options },
  };
}
