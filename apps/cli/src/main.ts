// `osprio`: the command-line face of the host side. Each subcommand lives in its own module and
// is loaded only when run, so `osprio decode` never loads serial-port bindings.
import { processIo } from './io.ts';
import { run } from './run.ts';

try {
  process.exitCode = await run(process.argv.slice(2), processIo());
} catch (err) {
  // A bug, not bad input: say so in one line, without a stack unless asked for.
  console.error(`osprio: ${err instanceof Error ? err.message : String(err)}`);
  if (process.env.OSPRIO_DEBUG) console.error(err);
  process.exitCode = 70;
}
