// `run(argv, io)`: the whole CLI as a function — parses, runs one command, returns its exit code.
// main.ts calls it with the real process; tests call it in-process. Every option-parser error, in
// every command, is a usage error (exit 2).

import { Command, CommanderError } from 'commander';
import { registerCommands } from './commands/index.ts';
import { CliError, EXIT } from './exit-codes.ts';
import { helpFooter } from './help.ts';
import type { CliIo } from './io.ts';
import type { CommandContext } from './help.ts';

export type { CommandContext };

/** The whole command tree, its output going to `ctx.io`. */
export function buildProgram(ctx: CommandContext): Command {
  const { io } = ctx;
  const trim = (s: string) => s.replace(/\n$/, '');
  const program = new Command();
  program
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
  registerCommands(program, ctx);
  return program;
}

export async function run(argv: readonly string[], io: CliIo): Promise<number> {
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
  const program = buildProgram(ctx);
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    throw err;
  }
  return ctx.code;
}
