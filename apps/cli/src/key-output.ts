// Writing a key export the one allowed way: checked before the device is asked, optionally
// age-encrypted, created 0600 and never over an existing file, and wiped from memory afterwards.

import { existsSync } from 'node:fs';
import { encryptKeyFile, parseAgeRecipient, type ExportFormat, type KeyFile } from '@osprio/host';
import { usageError } from './exit-codes.ts';
import { requestFailure } from './session.ts';

export interface KeyOutput {
  format: ExportFormat;
  out: string;
  recipients: string[];
}

export function formatFrom(format: string | undefined, out: string | undefined): ExportFormat {
  const f = format ?? (out && /\.json(\.age)?$/i.test(out) ? 'json' : 'csv');
  if (f !== 'csv' && f !== 'json')
    throw usageError(`--format must be csv or json (got ${JSON.stringify(f.slice(0, 20))})`);
  return f;
}

/** Checks the options before anything touches the device. */
export function keyOutput(
  format: string | undefined,
  out: string,
  recipients: readonly string[],
): KeyOutput {
  const f = formatFrom(format, out);
  const parsed = recipients.map((r) => {
    const p = parseAgeRecipient(r);
    if (!p.ok) throw usageError(`--age-recipient: ${p.message}`);
    return p.recipient;
  });
  if (out.trim() === '') throw usageError('--out must name a file');
  if (existsSync(out))
    throw usageError(
      `${out} already exists; a key export never overwrites a file: choose another --out`,
    );
  return { format: f, out, recipients: parsed };
}

/** Encrypts (when asked) and writes; the plain and written bytes are wiped either way. */
export async function writeExport(
  file: KeyFile,
  k: KeyOutput,
): Promise<{ entries: number; encrypted: boolean }> {
  const { writeKeyFile } = await import('@osprio/host/node');
  let toWrite = file;
  try {
    if (k.recipients.length > 0) toWrite = await encryptKeyFile(file, k.recipients);
    await writeKeyFile(k.out, toWrite);
    return { entries: file.entries, encrypted: k.recipients.length > 0 };
  } catch (e) {
    throw requestFailure(e, `writing ${k.out}`);
  } finally {
    file.wipe();
    toWrite.wipe();
  }
}
