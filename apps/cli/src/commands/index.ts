import type { Command } from 'commander';
import { SIM_PD_FAULT_HELP } from '@osprio/bus/fault-help';
import type { ProvisionOptions } from './provision.ts';
import type { SimPdCliOptions } from './sim-pd.ts';
import type { DeviceCommandOptions } from './device.ts';
import { helpFooter, type CommandContext } from '../help.ts';
import { registerHostCommands } from './register-host.ts';
import { registerStatus } from './register-status.ts';

const collect = (v: string, acc: string[]) => [...acc, v];

/** Registers every subcommand; implementations are imported lazily inside each action. */
// eslint-disable-next-line max-lines-per-function -- the command table: one flat commander registration per command, read top to bottom
export function registerCommands(program: Command, ctx: CommandContext): void {
  const { io } = ctx;
  const sim = program
    .command('sim')
    .description('simulated hardware for trying the tool without readers')
    .addHelpText('after', helpFooter('osprio sim pd --listen 127.0.0.1:4001 --fault slow'));
  sim
    .command('pd')
    .description('serve one simulated PD over a TCP serial bridge (ser2net-style) on loopback')
    .requiredOption('--listen <host:port>', 'where to listen, e.g. 127.0.0.1:4001 (loopback only)')
    .option('--address <n>', 'the PD address (default 0)')
    .option('--baud <n>', 'the PD baud (default 9600)')
    .option('--install-mode', 'in install mode even with --scbk (a PD without a key always is)')
    .option('--scbk <hex>', 'start already keyed with this SCBK (16 bytes)')
    .option('--fault <name>', 'a fault, repeatable (list below)', collect, [] as string[])
    .option('--rfc2217', 'speak RFC 2217 so a client can change the baud (default: raw TCP)')
    .option('--seed <n>', 'seed for the PD randoms and line noise (default 1)')
    .option('--reveal-keys', 'include key bytes in the KEYSET log line')
    .addHelpText(
      'after',
      helpFooter(
        'osprio sim pd --listen 127.0.0.1:4001 --address 3 --fault noisy:0.01',
        `Faults:\n${SIM_PD_FAULT_HELP.map(([f, h]) => `  ${f.padEnd(32)}${h}`).join('\n')}\n(keyed: a key derived from --seed; give --scbk for a chosen key)`,
      ),
    )
    .action(async (opts: SimPdCliOptions) => {
      const { startSimPd, SimPdUsageError } = await import('./sim-pd.ts');
      try {
        const server = await startSimPd(
          opts,
          (l) => io.err(l),
          (l) => io.err(`# ${l}`),
        );
        io.out(`simulated PD listening on ${server.url}`);
        const stop = () => void server.close().then(() => process.exit(0));
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      } catch (e) {
        const inUse = (e as NodeJS.ErrnoException).code === 'EADDRINUSE';
        if (!(e instanceof SimPdUsageError) && !inUse) throw e;
        io.err(`osprio sim pd: ${(e as Error).message}`);
        ctx.code = inUse ? 3 : 2; // the shared codes: a bus that cannot come up is unreachable
      }
    });
  program
    .command('provision')
    .description('run one live quick-step against the PD on a bus: address, baud, SCBK, verified')
    .requiredOption(
      '--bus <url>',
      'serial:/dev/ttyUSB0, tcp://host:port, rfc2217://host:port, or sim: (one simulated factory-fresh PD)',
    )
    .requiredOption('--address <n>', 'the PD address to assign (0-126)')
    .requiredOption('--baud <n>', 'the baud to assign (9600, 19200, 38400, 57600, 115200, 230400)')
    .option('--timeout <ms>', 'provisioning timeout for the step (0 = default)')
    .option('--auto-verify', 're-read the PD after programming: address, baud, install mode off')
    .option(
      '--expect-cap <fc:level:count>',
      'expected capability (repeatable)',
      collect,
      [] as string[],
    )
    .option('--export <file>', 'write the key export (.csv or .json) after a successful step')
    .option(
      '--discard-key',
      'run without keeping the derived key (trial runs only: the PD stays locked to it)',
    )
    .option('--json', 'print the result as one JSON line')
    .addHelpText(
      'after',
      helpFooter(
        'osprio provision --bus serial:/dev/ttyUSB0 --address 5 --baud 115200 --auto-verify --export keys.csv',
      ),
    )
    .action(async (opts: ProvisionOptions) => {
      const { runProvision } = await import('./provision.ts');
      ctx.code = await runProvision(opts, { out: (l) => io.out(l), err: (l) => io.err(l) });
    });
  program
    .command('decode')
    .description(
      'decode OSDP frames given as hex (one per argument, or several concatenated), field by field',
    )
    .argument(
      '<hex...>',
      'frame bytes as hex; spaces, colons and 0x prefixes are fine inside one quoted argument',
    )
    .option('--scbk <hex>', "the PD's SCBK (16 bytes), to follow kk=0x01 secure-channel sessions")
    .option('--reveal-keys', 'show key bytes carried by osdp_KEYSET (hidden by default)')
    .option('--json', 'machine-readable output')
    .addHelpText('after', helpFooter("osprio decode '53 00 08 00 04 60 ad 1f'"))
    .action(
      async (hex: string[], opts: { scbk?: string; json?: boolean; revealKeys?: boolean }) => {
        const { runDecode } = await import('./decode.ts');
        const r = runDecode(hex, opts);
        if (r.stdout) io.out(r.stdout.replace(/\n$/, ''));
        if (r.stderr) io.err(r.stderr.replace(/\n$/, ''));
        ctx.code = r.code;
      },
    );
  program
    .command('start')
    .description(
      'serve the Provisioner Workspace on loopback (the URL is printed first) with an emulated Osprio Pro and Osprio Mini, each on a simulated bus of PDs',
    )
    .option('--port <port>', 'loopback port of the workspace page (default: any free port)')
    .option('--pro-port <port>', 'loopback port for the Pro (default: any free port)')
    .option('--mini-port <port>', 'loopback port for the Mini (default: any free port)')
    .option('--speed <x>', 'bus time per wall time: 1 = real time (default), 10, 100 or max')
    .addHelpText('after', helpFooter('osprio start --speed 10'))
    .action(
      async (opts: { port?: string; proPort?: string; miniPort?: string; speed?: string }) => {
        const { startCommand } = await import('./start.ts');
        await startCommand(opts);
      },
    );
  program
    .command('device')
    .description(
      'run a provisioner device emulator (--sim): real commissioning engine on a simulated bus of readers',
    )
    .option('--sim', 'run the emulator (the only device this command can run)')
    .option(
      '--model <model>',
      'pro (slots, live, offline autonomous) or mini (live quick-step only)',
      'pro',
    )
    .option(
      '--modes <modes>',
      'quick-step, slots or both: what the firmware offers, so which opening screen a host shows (default: both on pro, quick-step on mini)',
    )
    .option(
      '--listen <addr>',
      'loopback address to listen on, 127.0.0.1:<port> (default: any free port)',
    )
    .option(
      '--state-dir <dir>',
      "the device's flash, private to you (default: $XDG_STATE_HOME/osprio/emulator-<model>, else ~/.local/state/osprio/…)",
    )
    .option(
      '--pds <n>',
      'readers on the simulated site (steps with a higher index find none)',
      '126',
    )
    .option(
      '--faults <spec>',
      'misbehaving readers, e.g. 3:absent,5:keyed,7:slow:400 or random:0.2 (see --faults help)',
    )
    .option('--speed <x>', 'bus time per wall time: 1 = real time, 10, 100, or max', '1')
    .option(
      '--origin <url>',
      'a workspace origin allowed to connect (repeatable)',
      collect,
      [] as string[],
    )
    .option('--seed <n>', 'seed of the simulated line and readers')
    .option(
      '--no-technician',
      'no technician walks the site: offline autonomous mode waits for readers that never come',
    )
    .option('--quiet', 'print only the banner')
    .addHelpText(
      'after',
      helpFooter('osprio device --sim --model pro --faults 3:absent,5:keyed --speed 10'),
    )
    .action(async (opts: DeviceCommandOptions) => {
      const { runDevice } = await import('./device.ts');
      ctx.code = await runDevice(opts, { out: (l) => io.out(l), err: (l) => io.err(l) });
    });
  registerStatus(program, ctx);
  registerHostCommands(program, ctx);
}
