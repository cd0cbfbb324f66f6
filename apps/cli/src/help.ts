// What every command shares while it is registered: its --help footer and the context its action
// reports through (kept apart from run.ts so the command modules do not import the entry point).

import { EXIT_CODES_HELP } from './exit-codes.ts';
import type { CliIo } from './io.ts';

export interface CommandContext {
  io: CliIo;
  /** The exit code the command set. */
  code: number;
  /** Runs a command body: a CliError becomes its line on stderr and its exit code. */
  guard(name: string, body: () => Promise<number>): Promise<void>;
}

/** `--help` text after the options: the exit codes, then (last) an example. */
export function helpFooter(example: string | string[], extra?: string): string {
  const ex = (Array.isArray(example) ? example : [example]).map((l) => `  ${l}`).join('\n');
  return `${extra ? `\n${extra}\n` : ''}\n${EXIT_CODES_HELP}\n\nExample:\n${ex}`;
}
