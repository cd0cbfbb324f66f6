// `osprio status` alone: the same program, context and status registration as the whole CLI, with
// no other command registered. The launcher runs its bundle (status-main.ts → dist/status.cjs, plain
// CommonJS in one file) for `osprio status`, so the most-run check on a device starts without the
// ES module loader, commander's other command tables or any chunk (see scripts/build-cli.mjs).
import { registerStatus } from './commands/register-status.ts';
import type { CliIo } from './io.ts';
import { newContext, newProgram, parseToExitCode } from './program.ts';

/** `run` for argv that starts with `status`. */
export function runStatusOnly(argv: readonly string[], io: CliIo): Promise<number> {
  const ctx = newContext(io);
  const program = newProgram(ctx);
  registerStatus(program, ctx);
  return parseToExitCode(program, argv, ctx);
}
