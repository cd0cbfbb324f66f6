// `osprio`: the command-line face of the host side. Each subcommand lives in its own module and
// is loaded only when run, so `osprio decode` never loads serial-port bindings.
import { runAsMain } from './as-main.ts';
import { run } from './run.ts';

await runAsMain(run);
