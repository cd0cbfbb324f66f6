// What an entry point does with the process: run the CLI on its arguments, set the exit code, and
// turn an unexpected throw (a bug, not bad input) into one line and exit 70.
import { processIo, type CliIo } from './io.ts';

export async function runAsMain(
  run: (argv: readonly string[], io: CliIo) => Promise<number>,
): Promise<void> {
  try {
    process.exitCode = await run(process.argv.slice(2), processIo());
  } catch (err) {
    console.error(`osprio: ${err instanceof Error ? err.message : String(err)}`);
    if (process.env.OSPRIO_DEBUG) console.error(err);
    process.exitCode = 70;
  }
}
