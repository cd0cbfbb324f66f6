// `osprio slot create N`: a profile (a file or the fields as flags) → validated → the step review →
// asked (unless --yes) → createSlot, chunked upload with progress, seal. The seed is made and dropped
// inside @osprio/host; this command never sees it.

import { readFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { planFromFile, planFromProfile, type Plan, type PlanResult } from '@osprio/host';
import type { CliIo } from '../io.ts';
import { CliError, EXIT, usageError } from '../exit-codes.ts';
import { slotArg } from '../args.ts';
import { anyProfileFlag, flagFor, profileInput, type ProfileFlags } from '../profile-flags.ts';
import { attach, requestFailure } from '../session.ts';
import { table } from '../format/table.ts';
import { countersText } from '../format/rows.ts';
import { progress } from '../progress.ts';

export interface SlotCreateOptions extends ProfileFlags {
  profile?: string;
  device?: string;
  yes?: boolean;
  json?: boolean;
}

const rng = (n: number) => new Uint8Array(randomBytes(n));

async function loadPlan(o: SlotCreateOptions): Promise<PlanResult & { source: string }> {
  if (o.profile !== undefined) {
    if (anyProfileFlag(o))
      throw usageError('give --profile FILE or the profile fields as flags, not both');
    let text: string;
    try {
      text = await readFile(o.profile, 'utf8');
    } catch (e) {
      throw usageError(
        `cannot read the profile file ${o.profile}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`,
      );
    }
    return { ...planFromFile(text, rng), source: o.profile };
  }
  if (o.name === undefined || (o.count === undefined && o.addresses === undefined)) {
    throw usageError(
      'give --profile FILE, or at least --name and --count (see --help for every field)',
    );
  }
  return { ...planFromProfile(profileInput(o), rng), source: 'flags' };
}

/** The review: the profile in one paragraph, then one row per step (address and baud). */
export function reviewLines(plan: Plan): string[] {
  const p = plan.profile;
  const caps =
    p.expectedCapabilities
      .map((c) => `${c.functionCode}:${c.minCompliance}:${c.minCount}`)
      .join(' ') || 'none';
  const addresses =
    p.addressStrategy === 'manual' ? `manual` : `${p.addressStrategy} from ${p.startAddress}`;
  return [
    `profile "${p.name}": ${p.deviceCount} PDs, addresses ${addresses}, baud ${p.baud}`,
    `  timeout ${p.timeoutMs === 0 ? 'firmware default' : `${p.timeoutMs} ms`}, auto-verify ${p.autoVerify ? 'on' : 'off'}, expected capabilities ${caps}`,
    'steps to write:',
    ...table(
      ['step', 'address', 'baud'],
      plan.steps.map((s) => [String(s.index), String(s.address), String(s.baud)]),
      { right: [0, 1, 2], indent: '  ' },
    ),
  ];
}

export async function runSlotCreate(n: string, o: SlotCreateOptions, io: CliIo): Promise<number> {
  const slot = slotArg(n);
  const loaded = await loadPlan(o);
  if (!loaded.ok) {
    const fromFile = loaded.source !== 'flags';
    for (const p of loaded.problems)
      io.err(
        `${fromFile ? `${loaded.source}: ${p.field || '(file)'}` : flagFor(p.field) || 'profile'}: ${p.message}`,
      );
    throw usageError(
      `the profile is not valid (${loaded.problems.length} problem${loaded.problems.length === 1 ? '' : 's'} above); nothing was written`,
    );
  }
  const { plan } = loaded;
  const { session, target } = await attach(o.device, 'slots', io.env);
  try {
    const status = session.state.kind === 'attached' ? session.state.status : null;
    if (status && plan.steps.length > status.maxStepsPerSlot) {
      throw usageError(
        `the plan has ${plan.steps.length} steps; this device holds at most ${status.maxStepsPerSlot} per slot`,
      );
    }
    const slots = await session
      .listSlots()
      .catch((e: unknown) => Promise.reject(requestFailure(e, 'listing slots')));
    const current = slots.find((s) => s.index === slot);
    if (!current) throw usageError(`the device has no slot ${slot} (slots 0..${slots.length - 1})`);
    if (current.state !== 'empty') {
      const what =
        current.state === 'staging'
          ? 'an unfinished upload'
          : `a plan (${current.state}${current.profileName ? `, "${current.profileName}"` : ''}, ${countersText(current.counters)})`;
      throw new CliError(
        EXIT.failed,
        `slot ${slot} already holds ${what}; delete it first with: osprio slot delete ${slot}`,
      );
    }
    if (o.json)
      io.out(JSON.stringify({ type: 'review', slot, profile: plan.profile, steps: plan.steps }));
    else for (const l of reviewLines(plan)) io.out(l);
    if (!o.yes) {
      const ok = await io.confirm(
        `Write this plan to slot ${slot} of the device at ${target.where}?`,
      );
      if (ok === null) throw usageError('no terminal to ask on: pass --yes to write the slot');
      if (!ok) {
        io.err('nothing written (pass --yes to write without asking)');
        return EXIT.ok;
      }
    }
    const bar = o.json ? null : await progress(io, 'uploading steps');
    let summary;
    try {
      summary = await session.createSlot(slot, plan, {
        onUpload: (done, total) => bar?.update(done, total),
      });
    } catch (e) {
      const f = requestFailure(e, `writing slot ${slot}`);
      throw new CliError(
        f.code,
        `${f.message}; if slot ${slot} is left with an unfinished upload, delete it with: osprio slot delete ${slot}`,
      );
    } finally {
      bar?.stop();
    }
    if (o.json) io.out(JSON.stringify({ type: 'slot', slot: summary }));
    else
      io.out(
        `slot ${slot} sealed: ${summary.state}, profile "${summary.profileName ?? plan.profile.name}", ${countersText(summary.counters)}; next: osprio try ${slot} --all-pending`,
      );
    return EXIT.ok;
  } finally {
    session.close();
  }
}
