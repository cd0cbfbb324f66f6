// The one error type of the host library. Its message is for humans and never carries key
// material; `code` is stable (a device's wire code passes through unchanged).

import { LinkError } from '@osprio/link';

export type HostErrorCode =
  | string // a device / link code (verb_illegal, slot_not_ready, timeout, link_closed, …)
  | 'not_attached' // no link right now (lost, in use, closed)
  | 'export_unavailable' // the slot is not complete (or the live queue has no successful step)
  | 'bad_plan' // the plan does not fit the device (too many steps, wrong slot)
  | 'bad_recipient' // an age recipient that cannot be parsed
  | 'file_exists' // writeKeyFile never overwrites
  | 'view_closed'; // a view used after close()

export class HostError extends Error {
  override name = 'HostError';
  constructor(
    readonly code: HostErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Any failure as a HostError: a LinkError keeps the device's code and message, anything else
 *  becomes a generic message (its own text could carry anything). */
export function toHostError(e: unknown, what: string): HostError {
  if (e instanceof HostError) return e;
  if (e instanceof LinkError) return new HostError(e.code, e.message);
  return new HostError('internal', `${what} failed`);
}
