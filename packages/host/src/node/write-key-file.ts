// Writes a key export: created exclusively (an existing file is never overwritten) with mode 0600
// from the first byte, then the in-memory bytes are wiped. A half-written file is removed.

import { promises as fs } from 'node:fs';
import { HostError } from '../errors.ts';
import type { KeyFile } from '../key-file.ts';

export async function writeKeyFile(path: string, file: KeyFile): Promise<void> {
  let fh: fs.FileHandle;
  try {
    fh = await fs.open(path, 'wx', 0o600);
  } catch (e) {
    file.wipe();
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST')
      throw new HostError(
        'file_exists',
        `${path} already exists; the key export never overwrites a file, choose another name`,
      );
    throw new HostError('write_failed', `cannot create ${path}${code ? ` (${code})` : ''}`);
  }
  try {
    await fh.chmod(0o600); // whatever the umask did
    await fh.writeFile(file.bytes);
    await fh.sync();
  } catch (e) {
    await fh.close().catch(() => {});
    await fs.unlink(path).catch(() => {});
    const code = (e as NodeJS.ErrnoException).code;
    throw new HostError('write_failed', `cannot write ${path}${code ? ` (${code})` : ''}`);
  } finally {
    file.wipe();
  }
  await fh.close();
}
