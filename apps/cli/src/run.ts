// `run(argv, io)`: the whole CLI as a function — parses, runs one command, returns its exit code.
// main.ts calls it with the real process; tests call it in-process. Every option-parser error, in
// every command, is a usage error (exit 2).

import type { Command } from 'commander';
import { registerCommands } from './commands/index.ts';
import type { CliIo } from './io.ts';
import type { CommandContext } from './help.ts';
import { newContext, newProgram, parseToExitCode } from './program.ts';

export type { CommandContext };

/** What a command table calls on an unwanted command: every method returns the stand-in again. */
const INERT: Command = new Proxy(Object.create(null) as Command, { get: () => () => INERT });

/**
 * `program` as the command tables see it when only `wanted` will run: its `.command(name)` builds
 * that one command and hands the inert stand-in for the rest (building every command's options is
 * ≈6 ms of each start). `seen` collects the top-level names offered.
 */
function onlyCommand(program: Command, wanted: string, seen: Set<string>): Command {
  return new Proxy(program, {
    get(target, key, receiver) {
      if (key !== 'command') return Reflect.get(target, key, receiver) as unknown;
      return (nameAndArgs: string, ...rest: unknown[]) => {
        const name = nameAndArgs.split(' ')[0]!;
        seen.add(name);
        return name === wanted
          ? (target.command as (...a: unknown[]) => Command)(nameAndArgs, ...rest)
          : INERT;
      };
    },
  });
}

/**
 * The command tree, its output going to `ctx.io`. Given the argv about to be parsed, it builds
 * only the command that argv names; the whole tree when it names none (`--help`, `help`) or one
 * that does not exist, so commander can list them or suggest the nearest.
 */
export function buildProgram(ctx: CommandContext, argv?: readonly string[]): Command {
  const first = argv?.[0];
  if (first !== undefined && !first.startsWith('-') && first !== 'help') {
    const seen = new Set<string>();
    const program = newProgram(ctx);
    registerCommands(onlyCommand(program, first, seen), ctx);
    if (seen.has(first)) return program;
  }
  const program = newProgram(ctx);
  registerCommands(program, ctx);
  return program;
}

export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const ctx = newContext(io);
  return parseToExitCode(buildProgram(ctx, argv), argv, ctx);
}
