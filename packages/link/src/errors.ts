// Stable error codes of the link. A code is API: hosts branch on it, so never rename one.
// Messages are for humans and never carry key material or echo what the peer sent.

/** Codes a device puts on the wire in an error reply. */
export const ERROR_CODES = [
  'bad_request', // not a well-formed message, or params that fail the schema
  'invalid_params', // well-formed params the device refuses on their meaning (steps not the slot header's expansion, a weak seed)
  'unknown_type', // a well-formed request of a type this device does not know
  'too_large', // frame over MAX_FRAME_BYTES (checked before parsing)
  'version_unsupported', // hello with a protocol version the device cannot serve
  'hello_required', // a request other than hello before the session was opened
  'device_in_use', // another host holds the session
  'busy', // too many requests outstanding on this link
  'not_found', // no such thing (generic; the specific codes below are preferred)
  'unknown_slot', // no slot with that index on this device
  'illegal_state', // the slot (or live session) is not in a state that allows this request
  'slot_not_empty', // createSlot on a slot that holds a plan
  'slot_not_staging', // uploadSteps / sealSlot on a slot that is not staging
  'verb_illegal', // the verb is not legal from the step's current state
  'unknown_step', // no step with that index in the queue
  'slot_not_ready', // verbs need a ready or complete slot
  'no_live_session', // quickStep / a live verb without an open live session (or another one's id)
  'queue_full', // the live queue holds as many quick-steps as the device keeps
  'not_supported', // this firmware does not offer the feature (e.g. slots on a Mini)
  'internal', // the device failed; the message is generic on purpose
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** Codes only the host side produces (nothing on the wire carries them). */
export const CLIENT_ERROR_CODES = ['timeout', 'link_closed', 'bad_reply'] as const;
export type ClientErrorCode = (typeof CLIENT_ERROR_CODES)[number];

export type AnyErrorCode = ErrorCode | ClientErrorCode;

export function isErrorCode(s: unknown): s is ErrorCode {
  return typeof s === 'string' && (ERROR_CODES as readonly string[]).includes(s);
}

/** The error of the link: thrown by DeviceHandler methods to reject a request, and by the RPC client. */
export class LinkError extends Error {
  override name = 'LinkError';
  constructor(
    readonly code: AnyErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** The error object as it travels in a reply. */
export interface WireError {
  code: ErrorCode;
  message: string;
}

/** Longest human message put on the wire. */
export const MAX_ERROR_MESSAGE = 200;
