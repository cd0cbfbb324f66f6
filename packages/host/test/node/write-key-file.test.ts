import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { keyFile } from '../../src/index.ts';
import { writeKeyFile } from '../../src/node/index.ts';
import { tmpDir } from '../support.ts';

const file = () =>
  keyFile(
    'k.csv',
    'text/csv',
    new TextEncoder().encode('pd_address,baudrate,scbk\n1,9600,00112233445566778899aabbccddeeff\n'),
    1,
  );

describe('writeKeyFile', () => {
  it('creates the file mode 0600 whatever the umask, then wipes the bytes', async () => {
    const out = path.join(tmpDir('osprio-write-'), 'keys.csv');
    const f = file();
    const old = process.umask(0);
    try {
      await writeKeyFile(out, f);
    } finally {
      process.umask(old);
    }
    expect(fs.statSync(out).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(out, 'utf8')).toMatch(/^pd_address,baudrate,scbk\n1,9600,00112233/);
    expect(f.bytes.every((b) => b === 0)).toBe(true);
  });

  it('never overwrites an existing file (HostError file_exists), and still wipes the bytes', async () => {
    const out = path.join(tmpDir('osprio-write-'), 'keys.csv');
    fs.writeFileSync(out, 'precious');
    const f = file();
    await expect(writeKeyFile(out, f)).rejects.toMatchObject({
      name: 'HostError',
      code: 'file_exists',
      message: expect.stringMatching(/never overwrites/),
    });
    expect(fs.readFileSync(out, 'utf8')).toBe('precious');
    expect(f.bytes.every((b) => b === 0)).toBe(true);
    // nor through a symlink planted at the path
    const link = path.join(path.dirname(out), 'link.csv');
    fs.symlinkSync(out, link);
    await expect(writeKeyFile(link, file())).rejects.toMatchObject({ code: 'file_exists' });
    expect(fs.readFileSync(out, 'utf8')).toBe('precious');
  });

  it('reports a directory it cannot write to as one clear error', async () => {
    await expect(
      writeKeyFile(path.join(tmpDir('osprio-write-'), 'no', 'such', 'dir.csv'), file()),
    ).rejects.toMatchObject({
      code: 'write_failed',
      message: expect.stringMatching(/cannot create .*ENOENT/),
    });
  });
});
