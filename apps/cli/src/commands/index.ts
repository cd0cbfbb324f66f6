import type { Command } from 'commander';
import type { ProvisionOptions } from './provision.ts';

/** Registers every subcommand; implementations are imported lazily inside each action. */
export function registerCommands(program: Command): void {
  program
    .command('provision')
    .description('run one live quick-step against the PD on a bus: address, baud, SCBK, verified')
    .requiredOption('--bus <url>', 'serial:/dev/ttyUSB0, tcp://host:port, rfc2217://host:port or sim:')
    .requiredOption('--address <n>', 'the PD address to assign (0-126)')
    .requiredOption('--baud <n>', 'the baud to assign (9600, 19200, 38400, 57600, 115200, 230400)')
    .option('--timeout <ms>', 'provisioning timeout for the step (0 = default)')
    .option('--auto-verify', 're-read the PD after programming: address, baud, install mode off')
    .option('--expect-cap <fc:level:count>', 'expected capability (repeatable)', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--export <file>', 'write the key export (.csv or .json) after a successful step')
    .option('--discard-key', 'run without keeping the derived key (trial runs only: the PD stays locked to it)')
    .option('--json', 'print the result as one JSON line')
    .action(async (opts: ProvisionOptions) => {
      const { runProvision } = await import('./provision.ts');
      process.exitCode = await runProvision(opts, { out: (l) => console.log(l), err: (l) => console.error(l) });
    });
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
