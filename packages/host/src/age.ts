// Beyond the spec: the key export encrypted with age (age-encryption.org/v1) to one or more
// recipients, so key material need not sit in plain text on a technician's laptop.

import { Encrypter } from 'age-encryption';
import { HostError } from './errors.ts';
import { keyFile } from './key-file.ts';
import type { KeyFile } from './key-file.ts';

export type AgeRecipientResult = { ok: true; recipient: string } | { ok: false; message: string };

/** Checks one recipient (`age1…`, also `age1pq1…`/`age1tag1…`). Never echoes what was given: a
 *  pasted identity is a secret key. */
export function parseAgeRecipient(text: string): AgeRecipientResult {
  const s = typeof text === 'string' ? text.trim() : '';
  if (s === '')
    return {
      ok: false,
      message: 'an age recipient is empty; give a public key starting with age1',
    };
  if (/^AGE-SECRET-KEY-/i.test(s)) {
    return {
      ok: false,
      message:
        'that is an age identity (a secret key), not a recipient; give its public key (age-keygen -y FILE prints it)',
    };
  }
  if (!/^age1/.test(s))
    return {
      ok: false,
      message:
        'an age recipient is a public key starting with age1 (ssh keys and passphrases are not supported)',
    };
  try {
    new Encrypter().addRecipient(s);
  } catch {
    return { ok: false, message: 'this age recipient is malformed (check it was copied whole)' };
  }
  return { ok: true, recipient: s };
}

/** Encrypts the export to every recipient; wipes the plain file whether or not it succeeds. */
export async function encryptKeyFile(
  file: KeyFile,
  recipients: readonly string[],
): Promise<KeyFile> {
  try {
    if (recipients.length === 0)
      throw new HostError('bad_recipient', 'give at least one age recipient');
    const e = new Encrypter();
    for (const r of recipients) {
      const p = parseAgeRecipient(r);
      if (!p.ok) throw new HostError('bad_recipient', p.message);
      e.addRecipient(p.recipient);
    }
    const bytes = await e.encrypt(file.bytes).catch(() => {
      throw new HostError('encrypt_failed', 'age encryption failed');
    });
    return keyFile(`${file.fileName}.age`, 'application/octet-stream', bytes, file.entries);
  } finally {
    file.wipe();
  }
}
