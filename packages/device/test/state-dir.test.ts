// The state dir holds slot seeds: a directory another local user owns or can write to (e.g. one
// planted in a shared /tmp with a journal whose seed they know) is refused, and the emulator's
// default is per-user rather than shared.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { StateDirUnsafeError } from '../src/index.ts';
import type { Device } from '../src/index.ts';
import { defaultStateDir } from '../src/emulator/index.ts';
import { header, manualExecutor, openDevice, SEED, SESSION, tmpDir } from './helpers.ts';

const opened: Device[] = [];
afterEach(async () => {
  for (const d of opened.splice(0)) await d.close();
});

const uid = typeof process.getuid === 'function' ? process.getuid() : null;

describe('state dir safety', () => {
  it('refuses a state dir with group or other permissions, naming the fix', () => {
    const dir = tmpDir();
    fs.chmodSync(dir, 0o755);
    expect(() => openDevice(dir, manualExecutor().exec)).toThrow(StateDirUnsafeError);
    expect(() => openDevice(dir, manualExecutor().exec)).toThrow(/chmod 700/);
    expect(fs.readdirSync(dir)).toEqual([]); // nothing was read, locked or written
    fs.chmodSync(dir, 0o700);
    opened.push(openDevice(dir, manualExecutor().exec));
  });

  it.skipIf(uid === null)(
    'a pre-existing journal with mode 0644 is made 0600 before the seed goes into it',
    () => {
      const dir = tmpDir();
      fs.chmodSync(dir, 0o700);
      const journal = path.join(dir, 'slot-0.journal');
      fs.writeFileSync(journal, '');
      fs.chmodSync(journal, 0o644);
      const d = openDevice(dir, manualExecutor().exec);
      opened.push(d);
      expect(fs.statSync(journal).mode & 0o777).toBe(0o600);
      expect(d.createSlot(0, header(1), SESSION, SEED)).toEqual({ ok: true });
      expect(fs.statSync(journal).mode & 0o777).toBe(0o600);
    },
  );

  // Needs a uid that may chown (root, as in CI containers); an ordinary user cannot make a directory
  // owned by someone else, so there the case is skipped.
  it.skipIf(uid !== 0)('refuses a state dir owned by another user', () => {
    const dir = tmpDir();
    fs.chownSync(dir, 65534, 65534);
    expect(() => openDevice(dir, manualExecutor().exec)).toThrow(StateDirUnsafeError);
    expect(() => openDevice(dir, manualExecutor().exec)).toThrow(/owned by uid 65534/);
  });

  it('a newly created state dir (and its parents) are private', () => {
    const base = tmpDir();
    const dir = path.join(base, 'a', 'b');
    opened.push(openDevice(dir, manualExecutor().exec));
    expect(fs.statSync(dir).mode & 0o777).toBe(0o700);
    expect(fs.statSync(path.join(base, 'a')).mode & 0o777).toBe(0o700);
  });

  it('the emulator default is per user, not a shared temp dir', () => {
    const saved = process.env.XDG_STATE_HOME;
    try {
      process.env.XDG_STATE_HOME = '/srv/state-of-alice';
      expect(defaultStateDir('pro')).toBe('/srv/state-of-alice/osprio/emulator-pro');
      delete process.env.XDG_STATE_HOME;
      expect(defaultStateDir('pro')).toBe(
        path.join(os.homedir(), '.local', 'state', 'osprio', 'emulator-pro'),
      );
      expect(defaultStateDir('pro').startsWith(os.tmpdir() + path.sep)).toBe(false);
    } finally {
      if (saved === undefined) delete process.env.XDG_STATE_HOME;
      else process.env.XDG_STATE_HOME = saved;
    }
  });
});
