// One Device per state dir: two processes (or two Devices in one process) appending to the same
// journals would interleave records. A pid file guards across processes; a stale one (its process
// is gone, e.g. after SIGKILL) is taken over.

import * as fs from 'node:fs';
import * as path from 'node:path';

const openHere = new Set<string>();

export class StateDirInUseError extends Error {
  override name = 'StateDirInUseError';
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the state dir; returns the release function. Throws StateDirInUseError when it is held. */
export function lockStateDir(dir: string): () => void {
  const key = fs.realpathSync(dir);
  if (openHere.has(key)) throw new StateDirInUseError('state dir is already open in this process');
  const file = path.join(dir, 'device.lock');
  for (let tries = 0; ; tries++) {
    try {
      fs.writeFileSync(file, String(process.pid), { flag: 'wx', mode: 0o600 });
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || tries > 0) throw e;
      const pid = Number(fs.readFileSync(file, 'utf8'));
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid))
        throw new StateDirInUseError(`state dir is in use by process ${pid}`);
      fs.rmSync(file, { force: true }); // stale
    }
  }
  openHere.add(key);
  return () => {
    openHere.delete(key);
    fs.rmSync(file, { force: true });
  };
}
