// discover → comset → confirm: find the one PD on the port and move it to address A, baud B.
import { NAK_CHECK, NAK_SC_COND, NAK_SEQ_NUM } from '@osprio/osdp';
import type { Op, OpResult } from './ops.ts';
import {
  BROADCAST,
  MAX_COMSETS,
  PATIENT_REPLY_TIMEOUT_MS,
  REPLY_TIMEOUT_MS,
  command,
  enter,
  exchangePolicy,
  fail,
  go,
  learnTurnaround,
  moveLink,
  newLink,
  pass,
  patientPolicy,
  probePolicy,
  shortProbePolicy,
  spendRecovery,
  type ConfirmCause,
  type Ctx,
  type Phase,
  type Transition,
} from './context.ts';
import { addrText, nakText, where } from './text.ts';
import { afterConfirm, startInstall } from './keying.ts';
import { startFindAddress } from './in-session.ts';

type P<N extends Phase['name']> = Extract<Phase, { name: N }>;

/** Any valid frame (reply or NAK) proves a PD is there. */
function heard(r: OpResult): r is Extract<OpResult, { kind: 'reply' | 'nak' }> {
  return r.kind === 'reply' || r.kind === 'nak';
}

function noteGarbled(ctx: Ctx, r: OpResult): void {
  const b = ctx.portBaud;
  if (r.kind === 'bad_reply' && b !== undefined && !ctx.garbledAt.includes(b))
    ctx.garbledAt.push(b);
}

/** Where something was heard, each after the candidate probed before it: a late reply lands one probe later. */
function heardOrder(ctx: Ctx): number[] {
  const c = ctx.candidates;
  return [
    ...new Set(ctx.garbledAt.flatMap((b) => (c.indexOf(b) > 0 ? [c[c.indexOf(b) - 1]!, b] : [b]))),
  ];
}

function probe(ctx: Ctx, phase: Phase, baud: number, policy = probePolicy(ctx)): Transition {
  return go(ctx, phase, [...newLink(ctx, baud), command(BROADCAST, { code: 'ID' }, false, policy)]);
}

function discoverProbe(ctx: Ctx, ph: P<'discover'>): Transition {
  const baud = ph.order[ph.i]!;
  return probe(
    ctx,
    ph,
    baud,
    ph.pass === 0 || ph.pass === 3 ? shortProbePolicy(baud) : probePolicy(ctx),
  );
}

export function startDiscover(ctx: Ctx): Transition {
  const ops = enter(ctx, 'discover');
  const t = discoverProbe(ctx, { name: 'discover', pass: 0, i: 0, order: ctx.candidates });
  return { state: t.state, ops: [...ops, ...t.ops] };
}

export function onDiscover(ctx: Ctx, ph: P<'discover'>, r: OpResult): Transition {
  const baud = ph.order[ph.i]!;
  if (heard(r)) {
    learnTurnaround(ctx, r.turnaroundMs);
    if (r.kind === 'nak' && r.code === NAK_CHECK) {
      return fail(
        ctx,
        'internal_error',
        `PD at ${baud} baud rejects CRC-16 frames (${nakText(NAK_CHECK)}); it speaks checksum mode only, which commissioning does not use`,
      );
    }
    ctx.found = { baud, from: r.from };
    if (r.kind === 'reply' && r.reply.code === 'PDID') ctx.found.id = r.reply.id;
    // Found by the patient pass: stay patient only if the PD really is slow (not just behind noise).
    if (ph.pass === 2 && r.latencyMs !== undefined && r.latencyMs < REPLY_TIMEOUT_MS * 0.75)
      ctx.replyTimeoutMs = REPLY_TIMEOUT_MS;
    // Found earlier, but by a late answer to a probe of an earlier pass: slower than the spec's
    // window, so every exchange would be resent and race the PD's late replies. Be patient.
    if ((r.turnaroundMs ?? 0) >= REPLY_TIMEOUT_MS) ctx.replyTimeoutMs = PATIENT_REPLY_TIMEOUT_MS;
    ctx.seenAtBaud = baud;
    const ops = pass(ctx);
    if (baud === ctx.baud && r.from === ctx.address) {
      ctx.addressing = 'preset';
      return startConfirm(ctx, 'preset', ops);
    }
    return startComset(ctx, ops);
  }
  noteGarbled(ctx, r);
  if (ph.i + 1 < ph.order.length) return discoverProbe(ctx, { ...ph, i: ph.i + 1 });
  if (ph.pass === 0) {
    // Nobody answered at once: the spec's 200 ms at every candidate.
    return discoverProbe(ctx, { name: 'discover', pass: 1, i: 0, order: ctx.candidates });
  }
  if (ph.pass === 1 && ctx.garbledAt.length) {
    // Some PDs are slower than the spec allows (reference §7.12), some sit behind a noisy line:
    // one patient pass, only if something was heard — first where (a late reply lands a probe or
    // more later), then the other candidates. Silence everywhere is an absent PD: no patient pass.
    ctx.replyTimeoutMs = PATIENT_REPLY_TIMEOUT_MS;
    return discoverProbe(ctx, {
      name: 'discover',
      pass: 2,
      i: 0,
      order: [...new Set([...heardOrder(ctx), ...ctx.candidates])],
    });
  }
  if (ph.pass === 1) {
    // Silence everywhere: one last short look at every candidate, for a PD that was still booting
    // (powered up, or restarting) during the first two passes. Then it is absent.
    return discoverProbe(ctx, { name: 'discover', pass: 3, i: 0, order: ctx.candidates });
  }
  const tried = ctx.candidates.join(', ');
  if (ctx.garbledAt.length) {
    return fail(
      ctx,
      'no_response',
      `no valid reply to osdp_ID (broadcast 0x7F) at ${tried} baud, but garbled replies at ${ctx.garbledAt.join(', ')} baud: a PD seems to be there behind a noisy line — check termination, polarity (A/B swapped?) and cabling`,
    );
  }
  return fail(
    ctx,
    'no_response',
    `no PD answered osdp_ID (broadcast 0x7F) at ${tried} baud; check power and wiring, and that exactly one PD is on the port`,
  );
}

export function startComset(ctx: Ctx, pre: Op[]): Transition {
  const found = ctx.found!;
  // A PD that enforces the secure channel takes COMSET only inside a session: open it first.
  if (ctx.addressing === 'in_session' && ctx.session === 'none') return startInstall(ctx, pre);
  const secure = ctx.addressing === 'in_session';
  ctx.comsets++;
  const ops = [...pre, ...enter(ctx, 'comset')];
  ops.push(
    command(
      found.from,
      { code: 'COMSET', address: ctx.address, baud: ctx.baud },
      secure,
      exchangePolicy(ctx),
    ),
  );
  return go(ctx, { name: 'comset', secure }, ops);
}

export function onComset(ctx: Ctx, ph: P<'comset'>, r: OpResult): Transition {
  const found = ctx.found!;
  if (r.kind === 'reply' && r.reply.code === 'COM') {
    const { address: a, baud: b } = r.reply;
    if (a === ctx.address && b === ctx.baud)
      return ph.secure ? secureConfirm(ctx, pass(ctx)) : startConfirm(ctx, 'com', pass(ctx));
    // Trust what osdp_COM reports (reference §3.5): the PD will use these settings.
    if (b !== ctx.baud) {
      return fail(
        ctx,
        'baud_mismatch',
        `PD answered osdp_COMSET with ${b} baud (address ${a}), expected ${ctx.baud}; it will now answer at ${where(a, b)}`,
      );
    }
    return fail(
      ctx,
      'wrong_address',
      `PD answered osdp_COMSET with address ${a}, expected ${ctx.address}; it will now answer at ${where(a, b)}`,
    );
  }
  if (r.kind === 'nak' && r.code === NAK_SC_COND && !ph.secure) {
    // Refused for lack of a secure channel (reference §3.2): the PD enforces it. Open the install
    // session at its old settings first; COMSET goes inside it.
    ctx.comsetNak = r.code;
    ctx.addressing = 'in_session';
    return found.from === BROADCAST ? startFindAddress(ctx) : startInstall(ctx, []);
  }
  if (
    r.kind === 'nak' &&
    (r.code === NAK_SEQ_NUM || (ph.secure && r.code === NAK_SC_COND)) &&
    spendRecovery(ctx)
  ) {
    // The PD lost the sequence or the session (it restarted, SC timeout): a new link, then COMSET
    // again (inside a fresh session if it needs one).
    return startComset(ctx, newLink(ctx, found.baud));
  }
  if (r.kind === 'nak') {
    ctx.comsetNak = r.code;
    // A NAK means the PD did not apply the settings; only if it already runs at B can it be at A too.
    if (found.baud === ctx.baud) return startConfirm(ctx, 'nak', []);
    return fail(
      ctx,
      'baud_mismatch',
      `PD replied at ${found.baud}, expected ${ctx.baud}: it refused osdp_COMSET with ${nakText(r.code)} and keeps its old settings`,
    );
  }
  // Missing or garbled osdp_COM: some PDs switch before or while replying. Probe the new settings.
  return startConfirm(ctx, 'unconfirmed', []);
}

function startConfirm(ctx: Ctx, cause: ConfirmCause, pre: Op[]): Transition {
  // After an unconfirmed COMSET the probe of A/B still belongs to the comset stage.
  const ops = [
    ...pre,
    ...(cause === 'unconfirmed' || cause === 'nak' ? [] : enter(ctx, 'confirm')),
  ];
  return confirmProbe(ctx, cause, ops);
}

/** After an in-session COMSET: the port follows the PD to B, and the same session asks at A (no restart). */
function secureConfirm(ctx: Ctx, pre: Op[]): Transition {
  const ops = [
    ...pre,
    ...enter(ctx, 'confirm'),
    ...moveLink(ctx, ctx.baud),
    command(ctx.address, { code: 'ID' }, true, exchangePolicy(ctx)),
  ];
  return go(ctx, { name: 'confirm', cause: 'com', secure: true }, ops);
}

function confirmProbe(ctx: Ctx, cause: ConfirmCause, pre: Op[], recheck = false): Transition {
  const ops = [
    ...pre,
    ...newLink(ctx, ctx.baud),
    command(ctx.address, { code: 'ID' }, false, exchangePolicy(ctx)),
  ];
  return go(ctx, recheck ? { name: 'confirm', cause, recheck } : { name: 'confirm', cause }, ops);
}

function answersOnlyBroadcast(ctx: Ctx, cause: ConfirmCause): Transition {
  return fail(
    ctx,
    'wrong_address',
    `PD answers at ${ctx.baud} baud but not at address ${ctx.address} (it answers only the broadcast address there); ${comsetStory(ctx, cause)}`,
  );
}

/** The PD answered at A/B: the comset stage (if still open) and confirm pass. */
export function confirmed(ctx: Ctx): Transition {
  const ops = [];
  if (ctx.stage === 'comset') ops.push(...pass(ctx), ...enter(ctx, 'confirm'));
  ops.push(...pass(ctx));
  ctx.seenAtBaud = ctx.baud;
  return afterConfirm(ctx, ops);
}

export function onConfirm(ctx: Ctx, ph: P<'confirm'>, r: OpResult): Transition {
  if (heard(r) && r.from === ctx.address) return confirmed(ctx);
  // The in-session ask at A/B drew nothing usable: the session may be gone. Ask in plaintext.
  if (ph.secure && !heard(r)) return confirmProbe(ctx, ph.cause, []);
  if (heard(r)) {
    return fail(
      ctx,
      'wrong_address',
      `PD answered an osdp_ID sent to address ${ctx.address} from ${addrText(r.from)}`,
    );
  }
  noteGarbled(ctx, r);
  if (ph.recheck) return answersOnlyBroadcast(ctx, ph.cause);
  // Garbage at A/B: the PD is probably there behind a noisy line. Ask again before searching.
  if (r.kind === 'bad_reply' && spendRecovery(ctx)) return confirmProbe(ctx, ph.cause, []);
  const found = ctx.found!;
  // Look for the PD: at B first (wrong address?), then where it was, then everywhere else.
  const bauds = [...new Set([ctx.baud, found.baud, ...ctx.candidates])];
  return probe(ctx, { name: 'locate', cause: ph.cause, bauds, i: 0, patient: false }, bauds[0]!);
}

function comsetStory(ctx: Ctx, cause: ConfirmCause): string {
  switch (cause) {
    case 'com':
      return `although osdp_COM reported ${where(ctx.address, ctx.baud)}`;
    case 'nak':
      return `it refused osdp_COMSET with ${nakText(ctx.comsetNak ?? 0)}`;
    case 'unconfirmed':
      return 'osdp_COMSET got no valid osdp_COM reply';
    case 'preset':
      return 'it had answered the broadcast as that address';
  }
}

export function onLocate(ctx: Ctx, ph: P<'locate'>, r: OpResult): Transition {
  const baud = ph.bauds[ph.i]!;
  if (heard(r)) {
    ctx.seenAtBaud = baud;
    if (baud === ctx.baud) {
      if (r.from === ctx.address) return confirmed(ctx);
      // Answered as 0xFF: its address is unknown. It may only just have come back (restart after
      // COMSET), so ask at A once more before calling it a wrong address.
      if (r.from === BROADCAST) return confirmProbe(ctx, ph.cause, [], true);
      return fail(
        ctx,
        'wrong_address',
        `PD answers at ${ctx.baud} baud but not at address ${ctx.address} (it answers as address ${r.from}); ${comsetStory(ctx, ph.cause)}`,
      );
    }
    const found = ctx.found!;
    if (ph.cause === 'unconfirmed' && baud === found.baud && ctx.comsets < MAX_COMSETS) {
      // Still at its old settings: COMSET was lost on the way. Send it once more (a PD that needs
      // a session keeps the address it was found at: a session cannot run on the broadcast address).
      const from = ctx.addressing === 'in_session' && r.from === BROADCAST ? found.from : r.from;
      ctx.found = { ...found, from };
      return startComset(ctx, []);
    }
    const story =
      ph.cause === 'unconfirmed' ? 'osdp_COMSET had no effect' : comsetStory(ctx, ph.cause);
    return fail(ctx, 'baud_mismatch', `PD replied at ${baud}, expected ${ctx.baud} (${story})`);
  }
  noteGarbled(ctx, r);
  if (ph.i + 1 < ph.bauds.length)
    return probe(
      ctx,
      { ...ph, i: ph.i + 1 },
      ph.bauds[ph.i + 1]!,
      ph.patient ? patientPolicy() : probePolicy(ctx),
    );
  if (!ph.patient) {
    // A PD that restarts after COMSET (to apply it) can be deaf for a second: one slow look at B.
    return probe(ctx, { ...ph, bauds: [ctx.baud], i: 0, patient: true }, ctx.baud, patientPolicy());
  }
  const before = ctx.found!.baud;
  const what =
    ph.cause === 'preset'
      ? `PD answered the broadcast as ${where(ctx.address, ctx.baud)}`
      : `PD answered at ${before} baud before osdp_COMSET(${ctx.address}, ${ctx.baud})`;
  if (ctx.garbledAt.length) {
    return fail(
      ctx,
      'no_response',
      `${what}, then only garbled replies came back (at ${ctx.garbledAt.join(', ')} baud); check termination, cabling and noise on the line, then retry`,
    );
  }
  return fail(
    ctx,
    'no_response',
    `${what}, then went silent at every baud; check power and wiring, or power-cycle the PD and retry`,
  );
}
