// `osprio`: the command-line face of the host side. Each subcommand lives in its own module and
// is loaded only when run, so `osprio decode` never loads serial-port bindings.
import { Command, CommanderError } from 'commander';
import { registerCommands } from './commands/index.ts';

const program = new Command();
program
  .name('osprio')
  .description('Osprio Provisioner: commission OSDP PDs with per-PD secure-channel keys')
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride();
registerCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) process.exit(err.exitCode);
  // A bug, not bad input: say so in one line, without a stack unless asked for.
  console.error(`osprio: ${err instanceof Error ? err.message : String(err)}`);
  if (process.env.OSPRIO_DEBUG) console.error(err);
  process.exit(70);
}
