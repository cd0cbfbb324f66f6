// The commands that drive a device through @osprio/host: devices, slots, slot create|show|delete,
// the verbs, watch, export and live. Each implementation is imported when its command runs.

import type { Command } from 'commander';
import { helpFooter, type CommandContext } from '../help.ts';
import type { VerbName } from './verbs.ts';
import type { SlotCreateOptions } from './slot-create.ts';
import type { LiveOptions } from './live.ts';

const collect = (v: string, acc: string[]) => [...acc, v];
const DEVICE_HELP =
  'the device: the ws://… address it printed, with its token (default: the one device running on this computer)';
const EXAMPLE_URL = "'ws://127.0.0.1:40123/device?token=…'";

/** The profile fields as flags (slot create) and the step options (live). */
function stepOptionFlags(cmd: Command): Command {
  return cmd
    .option('--timeout <ms>', 'per-step provisioning timeout in ms (0 = the firmware default)')
    .option('--auto-verify', 're-read each PD after programming: address, baud, install mode off')
    .option(
      '--expect-cap <fc:level:count>',
      'expected capability, repeatable (function code : min compliance : min count)',
      collect,
      [] as string[],
    );
}

// eslint-disable-next-line max-lines-per-function -- the host command table: one flat commander registration per command, read top to bottom
export function registerHostCommands(program: Command, ctx: CommandContext): void {
  const { io } = ctx;
  program
    .command('devices')
    .description(
      'the devices running on this computer (emulators started by `osprio device` or `osprio start`)',
    )
    .option('--json', 'machine-readable output')
    .addHelpText('after', helpFooter('osprio devices --json'))
    .action(async (opts: { json?: boolean }) => {
      const { runDevices } = await import('./devices.ts');
      await ctx.guard('devices', () => runDevices(opts, io));
    });

  program
    .command('slots')
    .description('every slot of the device in one round trip: state, profile name, counters')
    .option('--device <url>', DEVICE_HELP)
    .option('--json', 'machine-readable output')
    .addHelpText('after', helpFooter(`osprio slots --device ${EXAMPLE_URL}`))
    .action(async (opts: { device?: string; json?: boolean }) => {
      const { runSlots } = await import('./slots.ts');
      await ctx.guard('slots', () => runSlots(opts, io));
    });

  const slot = program
    .command('slot')
    .description('create, show or delete one slot')
    .addHelpText('after', helpFooter('osprio slot create 0 --profile site.json'));
  stepOptionFlags(
    slot
      .command('create')
      .description(
        'validate a profile, review its steps, write it to slot N (asks first), upload with progress, seal',
      )
      .argument('<slot>', 'slot number')
      .option(
        '--profile <file>',
        'a profile file ({ "kind": "osprio-profile", "version": 1, "profile": {…} }); or give the fields below',
      )
      .option('--name <name>', 'profile name (shown in the slot list)')
      .option('--count <n>', 'how many PDs the plan provisions (1..126)')
      .option(
        '--strategy <s>',
        'address strategy: sequential (default), random or manual (with --addresses)',
      )
      .option('--start-address <n>', 'first address for sequential and random (default 1)')
      .option('--addresses <list>', 'manual strategy: one address per PD, comma-separated')
      .option(
        '--baud <n>',
        'the baud the PDs are driven to: 9600 (default), 19200, 38400, 57600, 115200, 230400',
      ),
  )
    .option('--device <url>', DEVICE_HELP)
    .option('-y, --yes', 'write without asking')
    .option('--json', 'machine-readable output (the review and the slot summary)')
    .addHelpText(
      'after',
      helpFooter([
        'osprio slot create 0 --profile site.json --yes',
        'osprio slot create 1 --name "North wing" --count 20 --start-address 1 --baud 115200 --auto-verify',
      ]),
    )
    .action(async (n: string, opts: SlotCreateOptions) => {
      const { runSlotCreate } = await import('./slot-create.ts');
      await ctx.guard('slot create', () => runSlotCreate(n, opts, io));
    });
  slot
    .command('show')
    .description(
      "a slot's rows: address, baud, state, attempts, last outcome and its detail, stage",
    )
    .argument('<slot>', 'slot number')
    .option('--device <url>', DEVICE_HELP)
    .option('--json', 'machine-readable output')
    .addHelpText('after', helpFooter('osprio slot show 0'))
    .action(async (n: string, opts: { device?: string; json?: boolean }) => {
      const { runSlotShow } = await import('./slot-show.ts');
      await ctx.guard('slot show', () => runSlotShow(n, opts, io));
    });
  slot
    .command('delete')
    .description('delete slot N (legal in any state; asks first)')
    .argument('<slot>', 'slot number')
    .option('--device <url>', DEVICE_HELP)
    .option('-y, --yes', 'delete without asking')
    .option('--json', 'machine-readable output')
    .addHelpText('after', helpFooter('osprio slot delete 2 --yes'))
    .action(async (n: string, opts: { device?: string; yes?: boolean; json?: boolean }) => {
      const { runSlotDelete } = await import('./slot-delete.ts');
      await ctx.guard('slot delete', () => runSlotDelete(n, opts, io));
    });

  const VERB_TEXT: Record<VerbName, string> = {
    try: 'attempt pending steps',
    retry: 'attempt failed steps again',
    skip: 'skip pending or failed steps (they are left out of the export)',
    reset: 'set steps back to pending, from any state',
  };
  for (const verb of ['try', 'retry', 'skip', 'reset'] as const) {
    program
      .command(verb)
      .description(`${VERB_TEXT[verb]} in slot N; a rejected verb prints the device's reason`)
      .argument('<slot>', 'slot number')
      .argument('[steps...]', 'step indexes (0-based, as `osprio slot show` lists them)')
      .option('--all-pending', 'every pending step')
      .option('--all-failed', 'every failed step')
      .option('--wait', 'wait for the attempts to end and print each result (exit 1 if any failed)')
      .option('--device <url>', DEVICE_HELP)
      .option('--json', 'machine-readable output')
      .addHelpText(
        'after',
        helpFooter(
          verb === 'try'
            ? 'osprio try 0 --all-pending --wait'
            : verb === 'retry'
              ? 'osprio retry 0 --all-failed --wait'
              : verb === 'skip'
                ? 'osprio skip 0 3 7'
                : 'osprio reset 0 4',
        ),
      )
      .action(
        async (
          n: string,
          steps: string[],
          opts: {
            allPending?: boolean;
            allFailed?: boolean;
            wait?: boolean;
            device?: string;
            json?: boolean;
          },
        ) => {
          const { runVerb } = await import('./verbs.ts');
          await ctx.guard(verb, () => runVerb(verb, n, steps, opts, io));
        },
      );
  }

  program
    .command('watch')
    .description(
      'live rows of slot N with a progress bar and each stage as it happens; rides out a device restart or a dropped link; ends at complete or on Ctrl-C',
    )
    .argument('<slot>', 'slot number')
    .option('--device <url>', DEVICE_HELP)
    .option('--json', 'NDJSON: one JSON object per line (snapshot, row, link, complete)')
    .addHelpText('after', helpFooter('osprio watch 0 --json > slot0.ndjson'))
    .action(async (n: string, opts: { device?: string; json?: boolean }) => {
      const { runWatch } = await import('./watch.ts');
      await ctx.guard('watch', () => runWatch(n, opts, io));
    });

  program
    .command('export')
    .description(
      'the key export of a complete slot: one entry per provisioned PD (address, baud, SCBK); created 0600, never overwritten',
    )
    .argument('<slot>', 'slot number')
    .requiredOption('--format <format>', 'csv or json')
    .requiredOption('--out <file>', 'the file to create (.age is expected with --age-recipient)')
    .option(
      '--age-recipient <recipient>',
      'encrypt to this age recipient (age1…), repeatable',
      collect,
      [] as string[],
    )
    .option('--device <url>', DEVICE_HELP)
    .option('--json', 'machine-readable output')
    .addHelpText(
      'after',
      helpFooter([
        'osprio export 0 --format json --out keys.json',
        'osprio export 0 --format csv --age-recipient "$(age-keygen -y key.txt)" --out keys.csv.age',
      ]),
    )
    .action(
      async (
        n: string,
        opts: {
          format: string;
          out: string;
          ageRecipient: string[];
          device?: string;
          json?: boolean;
        },
      ) => {
        const { runExport } = await import('./export.ts');
        await ctx.guard('export', () => runExport(n, opts, io));
      },
    );

  stepOptionFlags(
    program
      .command('live')
      .description(
        "one quick-step through the device's live queue, streamed like a row; --out writes its key export (required unless --discard-key)",
      )
      .requiredOption('--address <n>', 'the PD address to assign (0-126)')
      .requiredOption(
        '--baud <n>',
        'the baud to assign (9600, 19200, 38400, 57600, 115200, 230400)',
      ),
  )
    .option(
      '--out <file>',
      'after success, write the key export of the live session here (0600, never overwritten)',
    )
    .option('--format <format>', 'export format: csv or json (default: from --out, else csv)')
    .option(
      '--age-recipient <recipient>',
      'encrypt the export to this age recipient, repeatable',
      collect,
      [] as string[],
    )
    .option(
      '--discard-key',
      'run without keeping the key (trial runs only: the PD stays locked to it)',
    )
    .option('--device <url>', DEVICE_HELP)
    .option('--json', 'NDJSON rows and the result')
    .addHelpText(
      'after',
      helpFooter('osprio live --address 5 --baud 115200 --auto-verify --out pd5.csv'),
    )
    .action(async (opts: LiveOptions) => {
      const { runLive } = await import('./live.ts');
      await ctx.guard('live', () => runLive(opts, io));
    });
}
