// One meaning per exit code, across every `osprio` command (listed in every --help).

export const EXIT = {
  ok: 0,
  /** A step or slot failed, or the device refused what was asked (its reason is printed). */
  failed: 1,
  /** Bad usage: an option-parser error, a missing or malformed value, a bad profile. */
  usage: 2,
  /** The device or the bus could not be reached (or the link dropped for good). */
  unreachable: 3,
  /** The device is in use by another host (a workspace tab or another CLI). */
  inUse: 4,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export const EXIT_CODES_HELP = [
  'Exit codes (the same for every command):',
  '  0  ok',
  '  1  a step or slot failed, or the device refused the request (its reason is printed)',
  '  2  usage: unknown option, missing or bad value, invalid profile',
  '  3  device or bus unreachable',
  '  4  device in use by another host',
].join('\n');

/** A failure a command reports as one line and an exit code (never with key material in it). */
export class CliError extends Error {
  override name = 'CliError';
  constructor(
    readonly code: ExitCode,
    message: string,
  ) {
    super(message);
  }
}

export const usageError = (message: string) => new CliError(EXIT.usage, message);
