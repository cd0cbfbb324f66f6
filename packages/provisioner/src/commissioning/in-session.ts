// A PD that enforces the secure channel (libosdp ENFORCE_SECURE) takes only osdp_ID, osdp_CAP,
// osdp_CHLNG and osdp_SCRYPT in plaintext and refuses osdp_COMSET with NAK 0x06. Its install session
// is opened first, at its old settings, and COMSET goes inside it (addressing 'in_session'). A
// session needs the PD's own address (none runs on broadcast, reference §2.5): when discovery only
// heard it as 0xFF, plaintext osdp_ID finds the address first.
import { MAX_PD_ADDRESS } from '../profile.ts';
import type { OpResult } from './ops.ts';
import {
  command,
  fail,
  go,
  newLink,
  probePolicy,
  type Ctx,
  type Phase,
  type Transition,
} from './context.ts';
import { startInstall } from './keying.ts';
import { confirmed } from './addressing.ts';

type P<N extends Phase['name']> = Extract<Phase, { name: N }>;

/**
 * Cheapest likely order: found at B where this step saw it before, an earlier attempt probably moved
 * it to A; otherwise the factory address 0 (a fresh PD costs no timed-out probe), then A, then the rest.
 */
export function addressOrder(ctx: Ctx): number[] {
  const movedBefore = ctx.found?.baud === ctx.baud && ctx.lastSeenBaud === ctx.baud;
  const first = movedBefore ? [ctx.address, 0] : [0, ctx.address];
  const rest = Array.from({ length: MAX_PD_ADDRESS + 1 }, (_, a) => a);
  return [...new Set([...first, ...rest])];
}

export function startFindAddress(ctx: Ctx): Transition {
  return ask(ctx, { name: 'find_address', addrs: addressOrder(ctx), i: 0 });
}

function ask(ctx: Ctx, ph: P<'find_address'>): Transition {
  const baud = ctx.found!.baud;
  return go(ctx, ph, [
    ...newLink(ctx, baud),
    command(ph.addrs[ph.i]!, { code: 'ID' }, false, probePolicy(ctx)),
  ]);
}

export function onFindAddress(ctx: Ctx, ph: P<'find_address'>, r: OpResult): Transition {
  const found = ctx.found!;
  const addr = ph.addrs[ph.i]!;
  if ((r.kind === 'reply' || r.kind === 'nak') && r.from === addr) {
    ctx.found = { ...found, from: addr };
    if (addr === ctx.address && found.baud === ctx.baud) {
      // Already at A/B (an earlier attempt moved it): nothing for COMSET to do.
      ctx.addressing = 'preset';
      return confirmed(ctx);
    }
    return startInstall(ctx, []);
  }
  if (ph.i + 1 < ph.addrs.length) return ask(ctx, { ...ph, i: ph.i + 1 });
  return fail(
    ctx,
    'wrong_address',
    `PD refused osdp_COMSET in plaintext with NAK 0x06 (it requires the secure channel), but answers osdp_ID at ${found.baud} baud only at the broadcast address (0x7F), and no secure channel runs there — set its address by the vendor's means and retry`,
  );
}
