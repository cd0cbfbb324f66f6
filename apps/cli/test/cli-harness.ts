// Runs the CLI in-process through run(argv, io) with captured output, a fake terminal and an
// environment that points every per-user location at a temp dir.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../src/run.ts';
import type { CliIo } from '../src/io.ts';

export interface CliResult {
  code: number;
  out: string;
  err: string;
  lines: string[];
}

export interface Harness {
  dir: string;
  env: Record<string, string | undefined>;
  cli(
    argv: string[],
    opts?: { answer?: boolean | null; signal?: AbortSignal; onOut?: (line: string) => void },
  ): Promise<CliResult>;
  cleanup(): void;
}

export function harness(): Harness {
  const dir = mkdtempSync(join(tmpdir(), 'osprio-cli-'));
  const env = {
    OSPRIO_RUNTIME_DIR: join(dir, 'run'),
    HOME: dir,
    XDG_STATE_HOME: join(dir, 'state'),
  };
  return {
    dir,
    env,
    async cli(argv, opts = {}) {
      const out: string[] = [];
      const err: string[] = [];
      const io: CliIo = {
        out: (l) => {
          out.push(l);
          opts.onOut?.(l);
        },
        err: (l) => err.push(l),
        isTTY: false,
        env,
        signal: opts.signal ?? new AbortController().signal,
        confirm: async () => (opts.answer === undefined ? null : opts.answer),
      };
      const code = await run(argv, io);
      return { code, out: out.join('\n'), err: err.join('\n'), lines: out };
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
