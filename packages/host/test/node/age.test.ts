// The encrypted export, decrypted by Debian's own `age` (not by the library that made it).

import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildKeyFile, encryptKeyFile, parseAgeRecipient } from '../../src/index.ts';
import type { KeyFile } from '../../src/index.ts';
import { writeKeyFile } from '../../src/node/index.ts';
import { tmpDir } from '../support.ts';

const SEED = Uint8Array.from({ length: 16 }, (_, i) => 0x10 + i);
const SID = '0f8f1d2c-5b7a-4c1e-9d3e-2a6b8c4d1e0f';
const STEPS = [
  { index: 0, address: 1, baud: 9600, state: 'success' as const },
  { index: 1, address: 2, baud: 9600, state: 'skipped' as const },
  { index: 2, address: 3, baud: 115200, state: 'success' as const },
];

function identity(dir: string, name: string): { file: string; recipient: string } {
  const file = path.join(dir, name);
  execFileSync('age-keygen', ['-o', file], { stdio: 'ignore' });
  return { file, recipient: execFileSync('age-keygen', ['-y', file], { encoding: 'utf8' }).trim() };
}

const plain = (format: 'csv' | 'json'): KeyFile =>
  buildKeyFile({ sessionId: SID, seed: SEED, slotState: 'complete', steps: STEPS }, format);

describe('age export', () => {
  it('decrypts with the age command, for every recipient, to exactly the plain export', async () => {
    const dir = tmpDir('osprio-age-');
    const alice = identity(dir, 'alice.txt');
    const bob = identity(dir, 'bob.txt');
    for (const format of ['csv', 'json'] as const) {
      const want = Buffer.from(plain(format).bytes);
      const clear = plain(format);
      const enc = await encryptKeyFile(clear, [alice.recipient, bob.recipient]);
      expect(clear.bytes.every((b) => b === 0)).toBe(true); // the plain copy is wiped
      expect(enc).toMatchObject({
        fileName: `osprio-scbks-0f8f1d2c.${format}.age`,
        mediaType: 'application/octet-stream',
        entries: 2,
      });
      const out = path.join(dir, enc.fileName);
      await writeKeyFile(out, enc);
      expect(Buffer.from(fs.readFileSync(out)).includes(want.subarray(0, 40))).toBe(false);
      for (const who of [alice, bob]) {
        const got = execFileSync('age', ['--decrypt', '-i', who.file, out]);
        expect(got.equals(want)).toBe(true);
      }
    }
  });

  it('wipes the plain file even when a recipient is bad', async () => {
    const clear = plain('csv');
    await expect(encryptKeyFile(clear, ['age1nope'])).rejects.toMatchObject({
      code: 'bad_recipient',
    });
    expect(clear.bytes.every((b) => b === 0)).toBe(true);
    const again = plain('csv');
    await expect(encryptKeyFile(again, [])).rejects.toMatchObject({ code: 'bad_recipient' });
    expect(again.bytes.every((b) => b === 0)).toBe(true);
  });

  it('checks recipients without echoing what was given', () => {
    const dir = tmpDir('osprio-age-');
    const { file, recipient } = identity(dir, 'id.txt');
    expect(parseAgeRecipient(` ${recipient}\n`)).toEqual({ ok: true, recipient });
    const secret = fs
      .readFileSync(file, 'utf8')
      .split('\n')
      .find((l) => l.startsWith('AGE-SECRET-KEY-'))!;
    const r = parseAgeRecipient(secret);
    expect(r).toEqual({
      ok: false,
      message: expect.stringMatching(/identity \(a secret key\), not a recipient/),
    });
    expect(JSON.stringify(r)).not.toContain(secret.slice(15, 30));
    expect(parseAgeRecipient(recipient.slice(0, -3) + 'qqq')).toMatchObject({
      ok: false,
      message: expect.stringMatching(/malformed/),
    });
    expect(parseAgeRecipient('ssh-ed25519 AAAA')).toMatchObject({
      ok: false,
      message: expect.stringMatching(/starting with age1/),
    });
    expect(parseAgeRecipient('')).toMatchObject({ ok: false });
  });
});
