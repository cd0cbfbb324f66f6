// One emulator per state dir: two processes appending to the same journals would corrupt the
// device's flash. A lock file names the owner's pid; a lock whose process is gone (SIGKILL, crash)
// is stale and taken over.

import * as fs from 'node:fs';
import * as path from 'node:path';

export class StateDirBusyError extends Error {
  override name = 'StateDirBusyError';
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the lock of `dir` (creating the dir); returns its release. */
export function lockStateDir(dir: string): () => void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = path.join(dir, 'emulator.lock');
  for (let tries = 0; tries < 3; tries++) {
    try {
      const fd = fs.openSync(file, 'wx', 0o600);
      fs.writeSync(fd, String(process.pid));
      fs.closeSync(fd);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        try {
          if (fs.readFileSync(file, 'utf8') === String(process.pid)) fs.unlinkSync(file);
        } catch {
          // already gone
        }
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    let owner = NaN;
    try {
      owner = Number(fs.readFileSync(file, 'utf8').trim());
    } catch {
      continue; // released meanwhile
    }
    if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && alive(owner)) {
      throw new StateDirBusyError(`state dir ${dir} is in use by another emulator (pid ${owner})`);
    }
    if (owner === process.pid) throw new StateDirBusyError(`state dir ${dir} is already in use by an emulator in this process`);
    fs.rmSync(file, { force: true }); // stale: its process is gone
  }
  throw new StateDirBusyError(`cannot lock state dir ${dir}`);
}
