// Attaching the CLI to a device through @osprio/host, and turning what can go wrong into one line
// and an exit code: a session state (in use, unreachable, incompatible) or a refused request.

import { DeviceSession, HostError } from '@osprio/host';
import type { SessionState } from '@osprio/host';
import { LinkError } from '@osprio/link';
import { CliError, EXIT } from './exit-codes.ts';
import { refind, resolveDevice, type DeviceNeed, type DeviceTarget } from './device-target.ts';

export const HOST_NAME = 'osprio-cli/0.1';
const IN_USE_RETRIES = 15;

export interface Attached {
  session: DeviceSession;
  target: DeviceTarget;
}

/** The exit code and line for a session that is not attached. */
export function stateFailure(s: SessionState, where: string): CliError {
  switch (s.kind) {
    case 'in_use':
      return new CliError(
        EXIT.inUse,
        `the device at ${where} is in use: another host (a workspace tab or another CLI) holds it; close that session and try again`,
      );
    case 'incompatible':
      return new CliError(
        EXIT.unreachable,
        `the device at ${where} cannot serve this CLI: ${s.message}`,
      );
    case 'unreachable':
      return new CliError(EXIT.unreachable, `cannot reach the device at ${where}: ${s.message}`);
    case 'lost':
      return new CliError(
        EXIT.unreachable,
        `lost the link to the device at ${where}: ${s.message}`,
      );
    default:
      return new CliError(EXIT.unreachable, `the device at ${where} is not attached (${s.kind})`);
  }
}

/** Resolves --device (or the one running device), connects and attaches. */
export async function attach(
  device: string | undefined,
  need: DeviceNeed,
  env: Record<string, string | undefined>,
): Promise<Attached> {
  const target = resolveDevice(device, need, env);
  const { connectNode } = await import('@osprio/host/node');
  const session = await DeviceSession.attach({
    connect: () => connectNode(refind(target, env)),
    hostName: HOST_NAME,
  });
  // A device may take a moment to free the session of a host that just closed (the previous
  // command of a script): ask again for a short while before calling it in use.
  for (let i = 0; i < IN_USE_RETRIES && session.state.kind === 'in_use'; i++) {
    await new Promise((r) => setTimeout(r, 100));
    await session.reattach();
  }
  if (session.state.kind !== 'attached') {
    const failure = stateFailure(session.state, target.where);
    session.close();
    throw failure;
  }
  const status = session.state.status;
  if ((need === 'slots' && !status.slots) || (need === 'live' && !status.liveQuickStep)) {
    const model = session.state.identity.model;
    session.close();
    throw new CliError(
      EXIT.failed,
      `the device at ${target.where} (${model}) offers no ${need === 'slots' ? 'slots (quick-step only: use osprio live)' : 'live quick-step (slots only)'}`,
    );
  }
  return { session, target };
}

const UNREACHABLE = new Set([
  'link_closed',
  'timeout',
  'bad_reply',
  'lost',
  'unreachable',
  'not_attached',
]);
const USAGE = new Set([
  'unknown_slot',
  'unknown_step',
  'bad_request',
  'invalid_params',
  'file_exists',
  'bad_recipient',
  'bad_plan',
]);

/** A refused or failed request as a CliError: the device's reason, the code it means. */
export function requestFailure(e: unknown, what: string): CliError {
  if (e instanceof CliError) return e;
  if (e instanceof HostError || e instanceof LinkError) {
    const code = e.code;
    if (code === 'device_in_use')
      return new CliError(EXIT.inUse, `${what}: the device is in use by another host`);
    if (UNREACHABLE.has(code)) return new CliError(EXIT.unreachable, `${what}: ${e.message}`);
    if (USAGE.has(code)) return new CliError(EXIT.usage, `${what}: ${e.message}`);
    return new CliError(EXIT.failed, `${what}: ${e.message}`);
  }
  const err = e as NodeJS.ErrnoException;
  if (err?.code === 'EEXIST')
    return new CliError(
      EXIT.usage,
      `${what}: the file already exists (an export never overwrites one)`,
    );
  return new CliError(EXIT.failed, `${what}: ${e instanceof Error ? e.message : String(e)}`);
}
