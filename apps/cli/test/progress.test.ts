// Progress: a bar (cli-progress) only on a terminal; plain lines, one per change, otherwise.
import { describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { progress } from '../src/progress.ts';
import type { CliIo } from '../src/io.ts';

function io(tty: boolean) {
  const lines: string[] = [];
  let raw = '';
  const stream = Object.assign(
    new Writable({
      write(chunk: Buffer, _enc, cb) {
        raw += chunk.toString();
        cb();
      },
    }),
    { isTTY: tty, columns: 100 },
  );
  const cliIo: CliIo = {
    out: (l) => lines.push(l),
    err: () => {},
    stream,
    isTTY: tty,
    env: {},
    signal: new AbortController().signal,
    confirm: async () => null,
  };
  return { cliIo, lines, raw: () => raw };
}

describe('progress', () => {
  it('not a terminal: a plain line per change, nothing drawn', async () => {
    const t = io(false);
    const p = await progress(t.cliIo, 'uploading steps');
    p.update(32, 100);
    p.update(32, 100);
    p.log('a row');
    p.update(100, 100);
    p.stop();
    expect(t.lines).toEqual(['uploading steps: 32/100', 'a row', 'uploading steps: 100/100']);
    expect(t.raw()).toBe('');
  });

  it('a terminal: a bar on the stream, rows logged above it', async () => {
    const t = io(true);
    const p = await progress(t.cliIo, 'slot 0');
    p.update(5, 20, '(1 failed)');
    p.log('step 3 failed');
    p.stop();
    expect(t.lines).toEqual([]);
    expect(t.raw()).toMatch(/slot 0 \[[█░]+\] {1,2}5\/20 \(1 failed\)/);
    expect(t.raw()).toContain('step 3 failed\n');
  });
});
