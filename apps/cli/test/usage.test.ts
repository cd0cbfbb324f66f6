// Every command: --help lists the exit codes and ends with an example; every option-parser error
// (unknown option, missing value, missing required option, extra argument) exits 2 (issue 8 #11).
import { afterEach, describe, expect, it } from 'vitest';
import type { Command } from 'commander';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildProgram, type CommandContext } from '../src/run.ts';
import { harness, type Harness } from './cli-harness.ts';

let h: Harness;
afterEach(() => h?.cleanup());

/** Every command path in the tree, e.g. ['slot', 'create']. */
function commandPaths(): string[][] {
  const ctx = {
    io: { out() {}, err() {} },
    code: 0,
    guard: async () => {},
  } as unknown as CommandContext;
  const walk = (c: Command, prefix: string[]): string[][] =>
    c.commands.flatMap((sub) => [[...prefix, sub.name()], ...walk(sub, [...prefix, sub.name()])]);
  return walk(buildProgram(ctx), []);
}

describe('osprio --help and usage errors', () => {
  const paths = commandPaths();

  it('knows every command of issue 9 besides the earlier ones', () => {
    const names = paths.map((p) => p.join(' '));
    for (const c of [
      'devices',
      'slots',
      'slot create',
      'slot show',
      'slot delete',
      'try',
      'retry',
      'skip',
      'reset',
      'watch',
      'export',
      'live',
      'status',
      'device',
      'start',
      'provision',
      'decode',
      'sim pd',
    ]) {
      expect(names).toContain(c);
    }
  });

  it('every --help lists the exit codes and ends with an example', async () => {
    h = harness();
    for (const p of [[], ...paths]) {
      const r = await h.cli([...p, '--help']);
      expect(r.code, p.join(' ')).toBe(0);
      expect(r.out, p.join(' ')).toMatch(
        /Exit codes[\s\S]*0 {2}ok[\s\S]*1 {2}a step or slot failed[\s\S]*2 {2}usage[\s\S]*3 {2}device or bus unreachable[\s\S]*4 {2}device in use/,
      );
      const tail = r.out.trimEnd().split('\n').slice(-3).join('\n');
      expect(tail, p.join(' ')).toMatch(/Example:\n(\s+osprio .+\n?)+$/);
    }
  });

  it('an unknown option exits 2 in every command', async () => {
    h = harness();
    for (const p of paths) {
      const r = await h.cli([...p, '--no-such-option']);
      expect(r.code, p.join(' ')).toBe(2);
      // (commander reports a missing required option first, where a command has one)
      expect(r.err, p.join(' ')).toMatch(/unknown option '--no-such-option'|required option/);
    }
  });

  it('a missing value, a missing required option, a missing argument, an unknown command: exit 2', async () => {
    h = harness();
    const cases: string[][] = [
      ['provision', '--address', '5', '--baud', '9600'], // no --bus
      ['provision', '--bus'], // no value
      ['export', '0', '--out', 'x.csv'], // no --format
      ['export', '--format', 'csv', '--out', 'x.csv'], // no slot
      ['live', '--baud', '9600'], // no --address
      ['slot', 'show'], // no slot
      ['try'],
      ['watch', '0', 'extra'],
      ['decode'],
      ['no-such-command'],
      [],
    ];
    for (const c of cases) expect((await h.cli(c)).code, c.join(' ')).toBe(2);
  });

  it('bad values are usage errors too (exit 2) and name the fix, before any device is asked', async () => {
    h = harness();
    const bad = join(h.dir, 'bad-profile.json');
    writeFileSync(
      bad,
      JSON.stringify({
        kind: 'osprio-profile',
        version: 1,
        profile: {
          name: 'Bad',
          deviceCount: 0,
          addressStrategy: 'sequential',
          startAddress: 1,
          manualAddresses: [],
          baud: 9600,
          expectedCapabilities: [],
          timeoutMs: 0,
          autoVerify: false,
        },
      }),
    );
    const cases: [string[], RegExp][] = [
      [['slot', 'show', 'x'], /slot number must be a whole number/],
      [['try', '0'], /name the steps .* or use --all-pending/],
      [['try', '0', 'seven'], /step index must be a whole number/],
      [['export', '0', '--format', 'xml', '--out', 'k'], /--format must be csv or json/],
      [
        ['export', '0', '--format', 'csv', '--out', 'k', '--age-recipient', 'nope'],
        /--age-recipient/,
      ],
      [['slots', '--device', 'http://127.0.0.1:1/'], /--device must be a ws:\/\/ address/],
      [
        ['live', '--address', '200', '--baud', '9600', '--discard-key'],
        /--address must be a whole number 0\.\.126/,
      ],
      [['live', '--address', '5', '--baud', '9600'], /give --out FILE/],
      [
        ['live', '--address', '5', '--baud', '9600', '--discard-key', '--expect-cap', '4-1-1'],
        /--expect-cap "4-1-1": expected FC:LEVEL:COUNT/,
      ],
      [['slot', 'create', '0'], /give --profile FILE, or at least --name and --count/],
      [['slot', 'create', '0', '--name', 'x', '--count', '500'], /--count: /],
      [['slot', 'create', '0', '--profile', '/nonexistent/p.json'], /cannot read the profile file/],
      [
        ['slot', 'create', '0', '--profile', bad],
        /bad-profile\.json: .*deviceCount.*: [\s\S]*the profile is not valid \(\d problems? above\); nothing was written/,
      ],
      [
        ['slot', 'create', '0', '--profile', bad, '--name', 'x'],
        /give --profile FILE or the profile fields as flags, not both/,
      ],
    ];
    for (const [argv, msg] of cases) {
      const r = await h.cli(argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.err, argv.join(' ')).toMatch(msg);
    }
  });

  it('builds only the command the argv names, and the whole tree when it names none or a wrong one', async () => {
    const ctx = {
      io: { out() {}, err() {} },
      code: 0,
      guard: async () => {},
    } as unknown as CommandContext;
    const names = (argv?: string[]) => buildProgram(ctx, argv).commands.map((c) => c.name());
    expect(names(['status', '--json'])).toEqual(['status']);
    expect(names(['slot', 'create', '0'])).toEqual(['slot']);
    expect(buildProgram(ctx, ['slot']).commands[0]!.commands.map((c) => c.name())).toEqual([
      'create',
      'show',
      'delete',
    ]);
    const all = names();
    expect(all.length).toBeGreaterThan(15);
    for (const argv of [[], ['--help'], ['help', 'status'], ['stauts']])
      expect(names(argv)).toEqual(all);
    // …so commander still lists every command and suggests the nearest for a typo.
    h = harness();
    const typo = await h.cli(['stauts']);
    expect(typo.code).toBe(2);
    expect(typo.err).toMatch(/unknown command 'stauts'[\s\S]*Did you mean status\?/);
    const help = await h.cli(['help']);
    for (const c of ['status', 'slot', 'watch', 'live', 'provision']) expect(help.out).toContain(c);
  });
});
