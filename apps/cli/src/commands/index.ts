import type { Command } from 'commander';

/** Registers every subcommand; implementations are imported lazily inside each action. */
export function registerCommands(program: Command): void {
  program
    .command('decode')
    .description('decode OSDP frames given as hex (one per argument, or several concatenated), field by field')
    .argument('<hex...>', 'frame bytes as hex; spaces, colons and 0x prefixes are fine inside one quoted argument')
    .option('--scbk <hex>', "the PD's SCBK (16 bytes), to follow kk=0x01 secure-channel sessions")
    .option('--reveal-keys', 'show key bytes carried by osdp_KEYSET (hidden by default)')
    .option('--json', 'machine-readable output')
    .action(async (hex: string[], opts: { scbk?: string; json?: boolean; revealKeys?: boolean }) => {
      const { runDecode } = await import('./decode.ts');
      const r = runDecode(hex, opts);
      process.stdout.write(r.stdout);
      process.stderr.write(r.stderr);
      process.exitCode = r.code;
    });
  program
    .command('start')
    .description('start the emulated provisioner devices (and the workspace, once it exists)')
    .action(async () => {
      const { startCommand } = await import('./start.ts');
      await startCommand();
    });
}
