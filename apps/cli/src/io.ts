// What a command may touch of its process: output lines, the terminal, a yes/no question, the
// environment and Ctrl-C. `run(argv, io)` takes it so tests drive the CLI in-process.

export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  /** Raw stdout for a progress bar; only used when `isTTY`. */
  stream?: NodeJS.WritableStream;
  /** stdout is a terminal: progress bars and colours are allowed. */
  isTTY: boolean;
  /** Asks a yes/no question on the terminal; null when there is no terminal to ask on. */
  confirm(question: string): Promise<boolean | null>;
  env: Record<string, string | undefined>;
  /** Aborted on Ctrl-C (SIGINT/SIGTERM): long-running commands end cleanly. */
  signal: AbortSignal;
}

/** The real process: stdout/stderr, a readline question on a TTY, SIGINT/SIGTERM → abort. */
export function processIo(): CliIo {
  // Installed only when a command asks for it: a SIGINT listener stops Node's default exit.
  let abort: AbortController | null = null;
  // `osprio status | head -1`: the reader has gone, so stop quietly as other Unix tools do, not
  // with an EPIPE stack trace.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
    process.exit(process.exitCode ?? 0);
  });
  return {
    out: (l) => process.stdout.write(`${l}\n`),
    err: (l) => process.stderr.write(`${l}\n`),
    stream: process.stdout,
    isTTY: process.stdout.isTTY === true,
    env: process.env,
    get signal() {
      if (!abort) {
        const a = (abort = new AbortController());
        process.once('SIGINT', () => a.abort());
        process.once('SIGTERM', () => a.abort());
      }
      return abort.signal;
    },
    async confirm(question) {
      if (!process.stdin.isTTY) return null;
      const { createInterface } = await import('node:readline/promises');
      const rl = createInterface({ input: process.stdin, output: process.stderr });
      try {
        const answer = await rl.question(`${question} [y/N] `);
        return /^y(es)?$/i.test(answer.trim());
      } finally {
        rl.close();
      }
    },
  };
}
