// The state dir is the device's flash and holds slot seeds. Before anything in it is read or locked,
// it must be ours alone: a directory another local user owns, or can write to, could hold a journal
// they planted (a seed they know) or could be read by them.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { fsyncDir } from './journal.ts';

export class StateDirUnsafeError extends Error {
  override name = 'StateDirUnsafeError';
}

/** Creates `dir` (and missing parents) private to this user, or checks an existing one is. */
export function openStateDir(dir: string, durable: boolean): void {
  const created = fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (created && durable) fsyncDir(path.dirname(created)); // the new directory's own entry
  checkPrivate(dir);
}

function checkPrivate(dir: string): void {
  const st = fs.statSync(dir);
  const uid = typeof process.getuid === 'function' ? process.getuid() : null;
  if (uid === null) return; // no POSIX owners/modes to check (Windows)
  if (st.uid !== uid) {
    throw new StateDirUnsafeError(
      `state dir ${dir} is owned by uid ${st.uid}, not by you (uid ${uid}): choose another state dir`,
    );
  }
  if ((st.mode & 0o077) !== 0) {
    const mode = (st.mode & 0o777).toString(8).padStart(3, '0');
    throw new StateDirUnsafeError(
      `state dir ${dir} is open to group/others (mode ${mode}): run chmod 700 on it, or choose another state dir`,
    );
  }
}
