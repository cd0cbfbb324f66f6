import type { Command } from 'commander';

/** Registers every subcommand; implementations are imported lazily inside each action. */
export function registerCommands(program: Command): void {
  program
    .command('start')
    .description('start the emulated provisioner devices (and the workspace, once it exists)')
    .action(async () => {
      const { startCommand } = await import('./start.ts');
      await startCommand();
    });
}
