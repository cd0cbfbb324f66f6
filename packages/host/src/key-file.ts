// The key export as bytes (spec "Exporting the provisioned keys"). The format, its validation and
// its file name are @osprio/provisioner's export.ts: buildKeyExport/toCsv/toJson run over a
// placeholder key, and only then is each real SCBK derived and written, as hex digits, straight
// into the byte buffer over its placeholder and wiped. So no JS string ever holds a key (strings
// cannot be zeroed) and the bytes can be wiped once the file is handed over.

import { buildKeyExport, deriveScbk, keyExportFileName, toCsv, toJson } from '@osprio/provisioner';
import type { KeyExportStep } from '@osprio/provisioner';
import { wipe } from '@osprio/osdp';
import type { Bytes } from '@osprio/osdp';

export type ExportFormat = 'csv' | 'json';

/** The export as bytes, so it can be zeroed after it is handed over (written, downloaded). */
export interface KeyFile {
  /** e.g. 'osprio-scbks-6f1c7a52.csv'; '.age' appended when encrypted. */
  fileName: string;
  mediaType: string;
  bytes: Uint8Array;
  /** How many PDs (successful steps) it lists. */
  entries: number;
  /** Zeroes `bytes`. */
  wipe(): void;
}

export const MEDIA_TYPES: Readonly<Record<ExportFormat, string>> = {
  csv: 'text/csv',
  json: 'application/json',
};

export function keyFile(
  fileName: string,
  mediaType: string,
  bytes: Uint8Array,
  entries: number,
): KeyFile {
  return { fileName, mediaType, bytes, entries, wipe: () => wipe(bytes) };
}

export interface KeyFileInput {
  sessionId: string;
  /** The 16-byte seed; read, never kept, never wiped here (the caller owns and wipes it). */
  seed: Bytes;
  /** 'complete' for a slot; a live queue passes 'complete' for its successful steps so far. */
  slotState: 'empty' | 'staging' | 'ready' | 'complete';
  steps: readonly KeyExportStep[];
}

/** 32 hex digits that cannot occur elsewhere in either format (no other field is 32 hex digits). */
const PLACEHOLDER_BYTE = 0xa5;
const PLACEHOLDER = new TextEncoder().encode('a5'.repeat(16));
const HEX = new TextEncoder().encode('0123456789abcdef');

/**
 * Builds the CSV or JSON export. Throws KeyExportError (not complete, inconsistent steps) or
 * KdfError; every derived key is wiped before this returns or throws.
 */
export function buildKeyFile(input: KeyFileInput, format: ExportFormat): KeyFile {
  const shape = buildKeyExport(input, () => new Uint8Array(16).fill(PLACEHOLDER_BYTE));
  const bytes = new TextEncoder().encode(format === 'csv' ? toCsv(shape) : toJson(shape));
  // The same steps, in the same order, as buildKeyExport lists them.
  const provisioned = [...input.steps]
    .filter((s) => s.state === 'success')
    .sort((a, b) => a.index - b.index);
  let at = 0;
  try {
    for (const s of provisioned) {
      at = indexOf(bytes, PLACEHOLDER, at);
      if (at < 0) throw new Error('key export layout changed');
      const key = deriveScbk(input.seed, shape.sessionId, s.index, s.address);
      try {
        for (let i = 0; i < 16; i++) {
          bytes[at + 2 * i] = HEX[key[i]! >> 4]!;
          bytes[at + 2 * i + 1] = HEX[key[i]! & 15]!;
        }
      } finally {
        wipe(key);
      }
      at += PLACEHOLDER.length;
    }
  } catch (e) {
    wipe(bytes);
    throw e;
  }
  return keyFile(keyExportFileName(shape, format), MEDIA_TYPES[format], bytes, provisioned.length);
}

function indexOf(hay: Uint8Array, needle: Uint8Array, from: number): number {
  outer: for (let i = from; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}
