// install_session → keyset → key_verify → verify → capabilities: key the PD with this step's SCBK
// and prove it. Handshakes always start a new link (SQN 0, guarantee 5).
import { NAK_SC_COND, hex2 } from '@osprio/osdp';
import type { HandshakeFailure, Op, OpResult } from './ops.ts';
import {
  command,
  comsetPending,
  enter,
  exchangePolicy,
  fail,
  go,
  handshake,
  newLink,
  pass,
  patientPolicy,
  reach,
  spendRecovery,
  succeed,
  type Ctx,
  type Phase,
  type Resume,
  type Transition,
} from './context.ts';
import { startComset } from './addressing.ts';
import {
  firstUnmetCapability,
  nakText,
  scFailureText,
  scOutcome,
  stageText,
  where,
} from './text.ts';

type P<N extends Phase['name']> = Extract<Phase, { name: N }>;

function here(ctx: Ctx): string {
  return where(ctx.address, ctx.baud);
}

function applied(ctx: Ctx): string {
  if (comsetPending(ctx)) {
    const at = reach(ctx);
    return `address and baud NOT applied: osdp_COMSET was refused for lack of a secure channel (NAK 0x06 in plaintext; the PD requires one) and it stays at ${where(at.address, at.baud)}`;
  }
  switch (ctx.addressing) {
    case 'preset':
      return `address and baud were already set (${here(ctx)})`;
    case 'in_session':
      return `address and baud applied inside the install session (${here(ctx)})`;
    case 'comset':
      return `address and baud applied (${here(ctx)})`;
  }
}

/** The handshake with SCBK-D, on a new link, where the PD answers now (old settings while an in-session COMSET is pending). */
export function startInstall(ctx: Ctx, pre: Op[]): Transition {
  const at = reach(ctx);
  const ops = [...pre, ...enter(ctx, 'install_session'), ...newLink(ctx, at.baud)];
  ops.push(handshake(at.address, 0, 'scbk_d', exchangePolicy(ctx)));
  return go(ctx, { name: 'install_scbkd' }, ops);
}

/** Confirmed at A/B: go on in the session still open (in-session COMSET), or open one. */
export function afterConfirm(ctx: Ctx, pre: Op[]): Transition {
  switch (ctx.session) {
    case 'scbk_d':
      return startKeyset(ctx, pre);
    case 'derived':
      return startKeyVerify(ctx, pre);
    case 'none':
      return startInstall(ctx, pre);
  }
}

/**
 * Did the PD refuse the key (a definite answer), or did the line get in the way? Only a refusal
 * says anything about the key the PD holds; silence and garbage are retried. Exhaustive: a new
 * failure kind does not compile until it is decided here.
 */
export function isRefusal(f: HandshakeFailure): boolean {
  switch (f.kind) {
    case 'sc_cryptogram_mismatch':
    case 'nak':
    case 'sc_rmac_status':
    case 'sc_rmac_mismatch':
    case 'sc_key_indicator_mismatch':
    case 'sc_key_refused':
      return true;
    case 'no_reply':
    case 'bad_reply':
    case 'busy':
    case 'sc_bad_message':
    case 'sc_mac_mismatch':
    case 'sc_bad_padding':
    case 'sc_not_secured':
      return false;
  }
}

/** The awaited handshake's failure (anything but a handshake result reads as garbage on the line). */
function failureOf(r: OpResult): HandshakeFailure {
  if (r.kind === 'handshake_failed') return r.failure;
  return r.kind === 'no_reply' ? { kind: 'no_reply' } : { kind: 'bad_reply' };
}

/** The line spoilt a handshake (recovery already spent): find the PD again if it went silent, else run the stage again. */
function retryStage(ctx: Ctx, failure: HandshakeFailure['kind'], resume: Resume): Transition {
  if (failure === 'no_reply') return startRecover(ctx, resume);
  return resume === 'key_verify' ? startKeyVerify(ctx, []) : startInstall(ctx, []);
}

/** Remembers that the PD answered a CHLNG: later silence is the line's doing, not the PD's. */
function noteChlngAnswered(ctx: Ctx, r: OpResult): void {
  if (
    r.kind === 'handshake_ok' ||
    (r.kind === 'handshake_failed' && r.failure.kind !== 'no_reply') ||
    r.kind === 'bad_reply'
  )
    ctx.chlngAnswered = true;
}

export function onInstallScbkd(ctx: Ctx, r: OpResult): Transition {
  noteChlngAnswered(ctx, r);
  if (r.kind === 'handshake_ok') {
    ctx.session = 'scbk_d';
    return comsetPending(ctx) ? startComset(ctx, pass(ctx)) : startKeyset(ctx, pass(ctx));
  }
  const why = failureOf(r);
  if (!isRefusal(why) && spendRecovery(ctx)) return retryStage(ctx, why.kind, 'install_session');
  // Refused: maybe an earlier attempt of this very step keyed it already (guarantee 3).
  const at = reach(ctx);
  const ops = [...newLink(ctx, at.baud), handshake(at.address, 1, 'derived', exchangePolicy(ctx))];
  return go(ctx, { name: 'install_derived', scbkdFailure: why }, ops);
}

export function onInstallDerived(ctx: Ctx, ph: P<'install_derived'>, r: OpResult): Transition {
  noteChlngAnswered(ctx, r);
  if (r.kind === 'handshake_ok') {
    ctx.key = 'held';
    ctx.session = 'derived';
    // In-session COMSET still to do: it goes inside this session; key_verify follows the confirm.
    return comsetPending(ctx) ? startComset(ctx, pass(ctx)) : startKeyVerify(ctx, pass(ctx));
  }
  const why = failureOf(r);
  if (!isRefusal(why) && spendRecovery(ctx)) return retryStage(ctx, why.kind, 'install_session');
  if (isRefusal(ph.scbkdFailure) && isRefusal(why)) {
    return fail(
      ctx,
      'scbk_rejected',
      `${applied(ctx)}; PD holds a different SCBK (SCBK-D refused: ${scFailureText(ph.scbkdFailure)}) — put it in install mode and retry`,
    );
  }
  // Only if the PD never answered a CHLNG in this attempt: a retried stage on a noisy line can end
  // in silence twice after the PD did answer (guarantee 3: never blame its key for the line).
  if (ph.scbkdFailure.kind === 'no_reply' && why.kind === 'no_reply' && !ctx.chlngAnswered) {
    return fail(
      ctx,
      'scbk_rejected',
      `${applied(ctx)}; PD answers osdp_ID but not osdp_CHLNG — it may not support the secure channel, or is not in install mode`,
    );
  }
  // The line kept spoiling the handshake: say so rather than blame the key.
  const bad = isRefusal(ph.scbkdFailure) ? why : ph.scbkdFailure;
  return fail(
    ctx,
    scOutcome(bad),
    `${applied(ctx)}; the secure-channel handshake kept failing (${scFailureText(bad)}) — check termination, cabling and noise, then retry`,
  );
}

function startKeyset(ctx: Ctx, pre: Op[]): Transition {
  const ops = [
    ...pre,
    ...enter(ctx, 'keyset'),
    command(ctx.address, { code: 'KEYSET', key: 'derived' }, true, exchangePolicy(ctx)),
  ];
  return go(ctx, { name: 'keyset' }, ops);
}

export function onKeyset(ctx: Ctx, r: OpResult): Transition {
  if (r.kind === 'reply' && r.reply.code === 'ACK') {
    // SCS_16 or plaintext: both exist in the field (reference §5.9).
    ctx.key = 'acked';
    ctx.session = 'none';
    return startKeyVerify(ctx, pass(ctx));
  }
  if (r.kind === 'nak') {
    // 0x06: the session was gone (PD restarted, SC timeout). One fresh handshake, then give up.
    ctx.keysetNaks++;
    if (r.code === NAK_SC_COND && ctx.keysetNaks === 1 && spendRecovery(ctx))
      return startInstall(ctx, []);
    return fail(
      ctx,
      'keyset_failed',
      `${applied(ctx)}; PD refused osdp_KEYSET with ${nakText(r.code)} — key not set`,
    );
  }
  if (r.kind === 'reply') {
    const code = r.reply.code === 'OTHER' ? `0x${hex2(r.reply.replyCode)}` : `osdp_${r.reply.code}`;
    return fail(
      ctx,
      'keyset_failed',
      `${applied(ctx)}; PD answered osdp_KEYSET with ${code} instead of osdp_ACK — key not set`,
    );
  }
  // Silence or garbage: the key may or may not have landed. Find the PD again and let
  // install_session tell (SCBK-D still accepted → not keyed; this step's key accepted → keyed).
  if (spendRecovery(ctx)) return startRecover(ctx, 'install_session');
  return fail(
    ctx,
    'keyset_failed',
    `${applied(ctx)}; no valid reply to osdp_KEYSET (${r.kind === 'bad_reply' ? r.why : 'silence'}) — retry the step`,
  );
}

function startKeyVerify(ctx: Ctx, pre: Op[]): Transition {
  // Always a FRESH handshake with the derived key (kk 0x01, new link at SQN 0).
  const ops = [
    ...pre,
    ...enter(ctx, 'key_verify'),
    ...newLink(ctx, ctx.baud),
    handshake(ctx.address, 1, 'derived', exchangePolicy(ctx)),
  ];
  return go(ctx, { name: 'key_verify' }, ops);
}

export function onKeyVerify(ctx: Ctx, r: OpResult): Transition {
  if (r.kind === 'handshake_ok') {
    ctx.session = 'derived';
    if (ctx.key !== 'held') ctx.key = 'proven';
    if (ctx.autoVerify) return startVerify(ctx, pass(ctx));
    // Guarantee 2 holds without auto-verify too: the SCBK-D refusal check stays part of key_verify.
    return startScbkdCheck(ctx, false);
  }
  const why = failureOf(r);
  if (!isRefusal(why) && spendRecovery(ctx)) return retryStage(ctx, why.kind, 'key_verify');
  const before =
    ctx.key !== 'held'
      ? 'PD acknowledged osdp_KEYSET, but a fresh handshake with the new key failed'
      : 'PD accepted this step’s key during install session, but a fresh handshake with it failed';
  return fail(
    ctx,
    scOutcome(why),
    `${before}: ${scFailureText(why)} — the key is not proven; retry the step`,
  );
}

/** Looks for the PD where it should answer after it went silent (recovery already spent). */
function startRecover(ctx: Ctx, resume: Resume): Transition {
  const at = reach(ctx);
  const ops = [
    ...newLink(ctx, at.baud),
    command(at.address, { code: 'ID' }, false, patientPolicy()),
  ];
  return go(ctx, { name: 'recover', resume, lost: ctx.stage }, ops);
}

export function onRecover(ctx: Ctx, ph: P<'recover'>, r: OpResult): Transition {
  if ((r.kind === 'reply' || r.kind === 'nak') && r.from === reach(ctx).address) {
    return ph.resume === 'key_verify' ? startKeyVerify(ctx, []) : startInstall(ctx, []);
  }
  // Garbage means the PD is there behind a noisy line: ask again while the budget lasts.
  if (r.kind === 'bad_reply' && spendRecovery(ctx)) return startRecover(ctx, ph.resume);
  // True for a retry of this step in the same slot only: it derives the same key from the slot seed.
  const keyed =
    ctx.key === 'acked' || ctx.key === 'proven'
      ? '; osdp_KEYSET was acknowledged, so a retry of this step (same slot) verifies the key without re-keying'
      : '';
  if (r.kind === 'bad_reply') {
    return fail(
      ctx,
      'no_response',
      `PD at ${here(ctx)} answers only with garbled replies since ${stageText(ph.lost)} — check termination, cabling and noise${keyed}`,
    );
  }
  return fail(
    ctx,
    'no_response',
    `PD stopped answering at ${here(ctx)} during ${stageText(ph.lost)}${keyed}`,
  );
}

function startVerify(ctx: Ctx, pre: Op[]): Transition {
  // Re-read inside the new session: the PD at A/B answers under the new key.
  const ops = [
    ...pre,
    ...enter(ctx, 'verify'),
    command(ctx.address, { code: 'ID' }, true, exchangePolicy(ctx)),
  ];
  return go(ctx, { name: 'verify_id' }, ops);
}

export function onVerifyId(ctx: Ctx, r: OpResult): Transition {
  if (r.kind === 'reply' && r.reply.code === 'PDID' && r.from === ctx.address) {
    const was = ctx.found?.id;
    const now = r.reply.id;
    if (was && (was.serial !== now.serial || was.vendor !== now.vendor)) {
      return fail(
        ctx,
        'verify_failed',
        `PD at ${here(ctx)} reports vendor ${now.vendor} serial ${now.serial}, but discovery found vendor ${was.vendor} serial ${was.serial} — is more than one PD on the port?`,
      );
    }
    return startScbkdCheck(ctx, false);
  }
  // Lost on the way (PD restarted, line noise): find it again, re-prove the key, verify again.
  if ((r.kind === 'no_reply' || r.kind === 'bad_reply') && spendRecovery(ctx))
    return retryStage(ctx, r.kind, 'key_verify');
  const got =
    r.kind === 'nak'
      ? nakText(r.code)
      : r.kind === 'reply'
        ? `reply osdp_${r.reply.code}`
        : r.kind === 'bad_reply'
          ? `a bad reply (${r.why})`
          : 'no reply';
  return fail(
    ctx,
    'verify_failed',
    `key verified, but osdp_ID to ${here(ctx)} inside the new session drew ${got}`,
  );
}

/**
 * Install mode must be off now: a fresh handshake with SCBK-D (kk 0x00, new link at SQN 0) has to
 * fail. A PD out of install mode answers it with a CCRYPT whose cryptogram fails (libosdp), a NAK
 * or a rejected RMAC_I: one exchange, no timeout. Runs in `verify` with auto-verify, else in `key_verify`.
 */
function startScbkdCheck(ctx: Ctx, silentBefore: boolean): Transition {
  const ops = [...newLink(ctx, ctx.baud), handshake(ctx.address, 0, 'scbk_d', exchangePolicy(ctx))];
  return go(ctx, { name: 'verify_scbkd', silentBefore }, ops);
}

/** What is known about the key once key_verify succeeded. */
function keyText(ctx: Ctx): string {
  return ctx.key === 'held'
    ? 'this step’s key (held from an earlier attempt) proven'
    : 'key set and proven';
}

export function onVerifyScbkd(ctx: Ctx, ph: P<'verify_scbkd'>, r: OpResult): Transition {
  if (r.kind === 'handshake_ok') {
    return fail(
      ctx,
      'verify_failed',
      `${keyText(ctx)}, but the PD still accepts SCBK-D: it did not leave install mode — check the PD’s install-mode jumper or setting, then retry the step`,
    );
  }
  const why = failureOf(r);
  if (isRefusal(why)) {
    const ops = pass(ctx);
    if (ctx.expectedCapabilities.length) return startCaps(ctx, ops);
    return finish(ctx, ops);
  }
  // Silence is not a refusal: one more try on a fresh link, then say what is known.
  if (why.kind === 'no_reply') {
    if (!ph.silentBefore) return startScbkdCheck(ctx, true);
    return fail(
      ctx,
      'verify_failed',
      `${applied(ctx)}; ${keyText(ctx)}, but the PD stopped answering during verification (no reply to the SCBK-D handshake, twice), so install mode may still be on — check power and wiring, then retry the step`,
    );
  }
  // Garbage proves nothing either: try again while the budget lasts.
  if (spendRecovery(ctx)) return startScbkdCheck(ctx, ph.silentBefore);
  return fail(
    ctx,
    'verify_failed',
    `${keyText(ctx)}, but could not confirm install mode is off: the SCBK-D handshake kept failing (${scFailureText(why)})`,
  );
}

function capsSession(ctx: Ctx, retried: boolean, pre: Op[] = []): Transition {
  const ops = [
    ...pre,
    ...newLink(ctx, ctx.baud),
    handshake(ctx.address, 1, 'derived', exchangePolicy(ctx)),
  ];
  return go(ctx, { name: 'caps_session', retried }, ops);
}

function capsRead(ctx: Ctx, retried: boolean, pre: Op[] = []): Transition {
  return go(ctx, { name: 'caps_read', retried }, [
    ...pre,
    command(ctx.address, { code: 'CAP' }, true, exchangePolicy(ctx)),
  ]);
}

function startCaps(ctx: Ctx, pre: Op[]): Transition {
  const ops = [...pre, ...enter(ctx, 'capabilities')];
  return ctx.session === 'derived' ? capsRead(ctx, false, ops) : capsSession(ctx, false, ops);
}

export function onCapsSession(ctx: Ctx, ph: P<'caps_session'>, r: OpResult): Transition {
  if (r.kind === 'handshake_ok') {
    ctx.session = 'derived';
    return capsRead(ctx, ph.retried);
  }
  const why = failureOf(r);
  if (!isRefusal(why) && spendRecovery(ctx)) return capsSession(ctx, ph.retried);
  return fail(
    ctx,
    scOutcome(why),
    `key verified, but reopening the session to read osdp_CAP failed: ${scFailureText(why)}`,
  );
}

export function onCapsRead(ctx: Ctx, ph: P<'caps_read'>, r: OpResult): Transition {
  if (r.kind === 'reply' && r.reply.code === 'PDCAP') {
    const unmet = firstUnmetCapability(ctx.expectedCapabilities, r.reply.entries);
    if (unmet) return fail(ctx, 'capability_mismatch', `PD keyed and verified, but ${unmet}`);
    return finish(ctx, pass(ctx));
  }
  // No readable PDCAP is not a mismatch: one retry in a fresh session, then say it was unreadable.
  if (!ph.retried) return capsSession(ctx, true);
  const got =
    r.kind === 'nak'
      ? nakText(r.code)
      : r.kind === 'reply'
        ? `reply osdp_${r.reply.code}`
        : r.kind === 'bad_reply'
          ? `a garbled reply (${r.why})`
          : r.kind === 'no_reply'
            ? 'no reply'
            : r.kind;
  return fail(
    ctx,
    'verify_failed',
    `PD keyed and verified, but did not return a readable PDCAP to osdp_CAP at ${here(ctx)} (${got}, twice) — capabilities not checked; check the line, then retry the step`,
  );
}

function finish(ctx: Ctx, pre: Op[]): Transition {
  const parts = [`PD keyed with this step’s SCBK and verified at ${here(ctx)}`];
  parts.push('install mode is off (SCBK-D refused)');
  if (ctx.expectedCapabilities.length) parts.push('capabilities met');
  if (ctx.addressing === 'preset') parts.push('address and baud were already set');
  if (ctx.addressing === 'in_session') {
    parts.push(
      'the PD requires the secure channel (it refused plaintext osdp_COMSET with NAK 0x06), so the install session was opened first and address and baud were set inside it',
    );
  }
  if (ctx.key === 'held')
    parts.push('it already held this key from an earlier attempt, so it was not re-keyed');
  return succeed(ctx, parts.join('; '), pre);
}
