// `osprio status` as commander sees it, apart from the other commands: the whole CLI registers it
// (commands/index.ts), and so does the status-only bundle the launcher starts for `osprio status`
// (status-main.ts), so both parse the same options and print the same help.
import type { Command } from 'commander';
import { helpFooter, type CommandContext } from '../help.ts';
import type { StatusOptions } from './status.ts';

export function registerStatus(program: Command, ctx: CommandContext): void {
  const { io } = ctx;
  program
    .command('status')
    .description(
      "print a device's identity, provisioner status (and the screen the workspace opens on) and slot summaries",
    )
    .option(
      '--device <url>',
      'the ws:// address the device (emulator) printed, with its token (default: the one device running here)',
    )
    .option('--json', 'machine-readable output')
    .option('--timeout <ms>', 'give up after this long (default 5000)')
    .option('--origin <url>', 'send this Origin header (as a browser would)')
    .addHelpText(
      'after',
      helpFooter("osprio status --device 'ws://127.0.0.1:40123/device?token=…'"),
    )
    .action(async (opts: StatusOptions) => {
      const { runStatus } = await import('./status.ts');
      ctx.code = await runStatus(opts, {
        out: (l) => io.out(l),
        err: (l) => io.err(l),
        env: io.env,
      });
    });
}
