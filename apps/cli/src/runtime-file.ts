// The per-user runtime file: which devices (emulators) run on this computer and how to reach them.
// `osprio device` and `osprio start` add an entry on start and remove it on exit; `osprio devices`
// lists the entries whose process still runs; a command without --device uses the only one.
//
// The address carries the device's token, so the file is the user's alone: a 0700 directory,
// a 0600 file, replaced atomically (write a temp file, rename). OSPRIO_RUNTIME_DIR overrides the
// place (tests); else $XDG_RUNTIME_DIR/osprio; else a uid-named directory under the temp dir.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export interface RuntimeEntry {
  pid: number;
  /** ws://127.0.0.1:<port>/device?token=… (secret: shown only by `osprio devices --show-token`). */
  url: string;
  model: string;
  serialNumber: string;
  /** What the firmware offers, so a command can pick the one device able to serve it. */
  slots: boolean;
  liveQuickStep: boolean;
  startedAt: string;
}

type Env = Record<string, string | undefined>;

export function runtimeDir(env: Env = process.env): string {
  if (env.OSPRIO_RUNTIME_DIR) return env.OSPRIO_RUNTIME_DIR;
  if (env.XDG_RUNTIME_DIR) return path.join(env.XDG_RUNTIME_DIR, 'osprio');
  const uid = typeof process.getuid === 'function' ? process.getuid() : 'user';
  return path.join(os.tmpdir(), `osprio-${uid}`);
}

export function runtimeFile(env: Env = process.env): string {
  return path.join(runtimeDir(env), 'devices.json');
}

/** Whether a process with this id is alive (EPERM: alive, someone else's). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function isEntry(x: unknown): x is RuntimeEntry {
  const e = x as RuntimeEntry;
  return (
    typeof x === 'object' &&
    x !== null &&
    Number.isInteger(e.pid) &&
    e.pid > 0 &&
    typeof e.url === 'string' &&
    /^wss?:\/\//.test(e.url) &&
    typeof e.model === 'string' &&
    typeof e.serialNumber === 'string' &&
    typeof e.slots === 'boolean' &&
    typeof e.liveQuickStep === 'boolean'
  );
}

/** A directory we own and nobody else can read; refuses one that another user could have planted. */
function ensurePrivateDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = fs.statSync(dir);
  if (typeof process.getuid === 'function' && st.uid !== process.getuid()) {
    throw new Error(`runtime directory ${dir} belongs to another user; set OSPRIO_RUNTIME_DIR`);
  }
  if ((st.mode & 0o077) !== 0) fs.chmodSync(dir, 0o700);
}

function readRaw(file: string): RuntimeEntry[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  try {
    const doc = JSON.parse(text) as { devices?: unknown };
    return Array.isArray(doc.devices) ? doc.devices.filter(isEntry) : [];
  } catch {
    return []; // a torn or foreign file: start over rather than fail every command
  }
}

function writeRaw(file: string, entries: RuntimeEntry[]): void {
  ensurePrivateDir(path.dirname(file));
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify({ devices: entries }, null, 2)}\n`, { mode: 0o600 });
  fs.chmodSync(tmp, 0o600);
  fs.renameSync(tmp, file);
}

/** The running devices (entries of dead processes are left out, and pruned when we write). */
export function listDevices(env: Env = process.env): RuntimeEntry[] {
  return readRaw(runtimeFile(env)).filter((e) => pidAlive(e.pid));
}

/** Adds this device; returns a function that removes it again (call it on exit). Never throws:
 *  a device runs fine without the file, it only cannot be found without --device. */
export function recordDevice(
  entry: Omit<RuntimeEntry, 'pid' | 'startedAt'>,
  env: Env = process.env,
  warn: (l: string) => void = () => {},
): () => void {
  const file = runtimeFile(env);
  const full: RuntimeEntry = { pid: process.pid, startedAt: new Date().toISOString(), ...entry };
  try {
    writeRaw(file, [...readRaw(file).filter((e) => pidAlive(e.pid) && e.url !== full.url), full]);
  } catch (e) {
    warn(`cannot record the device in ${file}: ${e instanceof Error ? e.message : String(e)}`);
    return () => {};
  }
  let removed = false;
  const remove = () => {
    if (removed) return;
    removed = true;
    process.off('exit', remove);
    try {
      const rest = readRaw(file).filter(
        (e) => pidAlive(e.pid) && !(e.pid === full.pid && e.url === full.url),
      );
      if (rest.length === 0) fs.rmSync(file, { force: true });
      else writeRaw(file, rest);
    } catch {
      // best effort on the way out: a stale entry is ignored once its pid is gone
    }
  };
  process.once('exit', remove);
  return remove;
}
