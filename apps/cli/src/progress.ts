// A progress bar on a terminal (cli-progress, loaded only then), plain lines otherwise — so a log
// file or a pipe gets readable text, not carriage returns.

import type { CliIo } from './io.ts';

export interface Progress {
  update(done: number, total: number, note?: string): void;
  /** A line printed above the bar (or as is, without one). */
  log(line: string): void;
  stop(): void;
}

type Bars = {
  bar: { update(v: number, p?: object): void; setTotal(t: number): void };
  multi: { log(s: string): void; update(): void; stop(): void };
};

export async function progress(
  io: CliIo,
  label: string,
  plainEvery: 'each' | 'changes' = 'changes',
): Promise<Progress> {
  if (!io.isTTY || !io.stream) {
    let last = '';
    return {
      update(done, total, note) {
        const line = `${label}: ${done}/${total}${note ? ` ${note}` : ''}`;
        if (plainEvery === 'each' || line !== last) io.out(line);
        last = line;
      },
      log: (l) => io.out(l),
      stop() {},
    };
  }
  const { default: cliProgress } = await import('cli-progress');
  const multi = new cliProgress.MultiBar(
    {
      stream: io.stream as NodeJS.WritableStream & { isTTY: boolean },
      format: `${label} [{bar}] {value}/{total} {note}`,
      hideCursor: true,
      clearOnComplete: false,
      autopadding: true,
    },
    cliProgress.Presets.shades_classic,
  );
  const bars: Bars = { multi, bar: multi.create(1, 0, { note: '' }) };
  return {
    update(done, total, note) {
      bars.bar.setTotal(Math.max(1, total));
      bars.bar.update(done, { note: note ?? '' });
    },
    log(l) {
      // Logged lines wait for the next redraw: redraw now, so none is lost when the bar stops.
      bars.multi.log(`${l}\n`);
      bars.multi.update();
    },
    stop: () => bars.multi.stop(),
  };
}
