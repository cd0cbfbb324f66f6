// The parts of a CLI run that do not depend on which commands exist: the `osprio` program with its
// output wired to the io, the context a command's action reports through, and parsing to an exit
// code. run.ts builds the whole CLI from them; status-main.ts builds `osprio status` alone.

import { Command, CommanderError } from 'commander';
import { CliError, EXIT } from './exit-codes.ts';
import { helpFooter, type CommandContext } from './help.ts';
import type { CliIo } from './io.ts';

export function newContext(io: CliIo): CommandContext {
  const ctx: CommandContext = {
    io,
    code: EXIT.ok,
    async guard(name, body) {
      try {
        ctx.code = await body();
      } catch (e) {
        if (!(e instanceof CliError)) throw e;
        io.err(`osprio ${name}: ${e.message}`);
        ctx.code = e.code;
      }
    },
  };
  return ctx;
}

export function newProgram(ctx: CommandContext): Command {
  const { io } = ctx;
  const trim = (s: string) => s.replace(/\n$/, '');
  return new Command()
    .name('osprio')
    .description('Osprio Provisioner: commission OSDP PDs with per-PD secure-channel keys')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: (s) => io.out(trim(s)), writeErr: (s) => io.err(trim(s)) })
    .exitOverride()
    .addHelpText(
      'after',
      helpFooter([
        'osprio device --sim &                     # an emulated Osprio Pro',
        'osprio slot create 0 --profile site.json   # then: osprio try 0 --all-pending; osprio watch 0',
      ]),
    );
}

/** Parses and runs; every option-parser error, in every command, is a usage error (exit 2). */
export async function parseToExitCode(
  program: Command,
  argv: readonly string[],
  ctx: CommandContext,
): Promise<number> {
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    throw err;
  }
  return ctx.code;
}
