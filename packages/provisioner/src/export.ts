// The post-completion key export of the product spec ("Exporting the provisioned keys"): one entry
// per successfully provisioned PD (address, baud, derived SCBK), as CSV or JSON. Failed, skipped and
// unattempted steps are left out; the seed never appears.
//
// Availability: the export exists only once the slot is `complete`. buildKeyExport takes the slot
// state and refuses (KeyExportError 'slot_not_complete') otherwise; exportAvailable() is the same
// test for a UI that decides whether to offer the control.
//
// The derivation is passed in (normally kdf.ts deriveScbk) so this module depends on no crypto.

import { toHex, wipe, type Bytes } from '@osprio/osdp';
import { isUuid } from './uuid.ts';
import { MAX_PD_ADDRESS, PROFILE_BAUDS } from './profile.ts';
import type { StepState } from './stages.ts';

export const KEY_EXPORT_KIND = 'osprio-provisioned-scbks';
export const KEY_EXPORT_VERSION = 1;
export const KEY_EXPORT_CSV_HEADER = 'pd_address,baudrate,scbk';
const SCBK_LEN = 16;

/** The slot lifecycle (same values as @osprio/link SlotState, which depends on this package). */
export type KeyExportSlotState = 'empty' | 'staging' | 'ready' | 'complete';

/** Whether the key export may be offered for a slot in this state: only once it is complete. */
export function exportAvailable(slotState: string): boolean {
  return slotState === 'complete';
}

export type DeriveScbk = (
  seed: Bytes,
  sessionId: string,
  stepIndex: number,
  pdAddress: number,
) => Bytes;

export interface KeyExportStep {
  index: number;
  address: number;
  baud: number;
  state: StepState;
}

export interface KeyExportInput {
  sessionId: string;
  /** The slot's 16-byte seed, as re-read from the device. Not kept, not wiped (the caller owns it). */
  seed: Bytes;
  /** Must be 'complete'. */
  slotState: KeyExportSlotState;
  steps: readonly KeyExportStep[];
}

export interface ScbkEntry {
  pdAddress: number;
  baudrate: number;
  /** 32 lowercase hex digits. */
  scbkHex: string;
}

/** The key set of one slot; sensitive — hold it only while exporting. */
export interface KeyExport {
  /** The slot's session id, lowercase. */
  sessionId: string;
  /** In step order. */
  scbks: ScbkEntry[];
}

export type KeyExportErrorCode =
  'slot_not_complete' | 'bad_session_id' | 'bad_seed' | 'bad_step' | 'bad_key';

/** A typed error; its message never carries key material. */
export class KeyExportError extends Error {
  override name = 'KeyExportError';
  constructor(
    readonly code: KeyExportErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Derives the SCBK of every `success` step and returns the export. Throws KeyExportError when the
 * slot is not complete or the input is inconsistent (bad session id or seed, a step with an
 * impossible index/address/baud, repeated step indexes, two provisioned PDs at one address, a
 * derived key that is not 16 bytes); errors `derive` throws (e.g. KdfError) pass through. The bytes
 * `derive` returns are wiped once hex-encoded.
 */
export function buildKeyExport(input: KeyExportInput, derive: DeriveScbk): KeyExport {
  if (!exportAvailable(input.slotState)) {
    throw new KeyExportError(
      'slot_not_complete',
      `the key export is available once the slot is complete; it is ${String(input.slotState)}`,
    );
  }
  if (!isUuid(input.sessionId)) {
    throw new KeyExportError('bad_session_id', 'the session id is not a UUID');
  }
  if (!(input.seed instanceof Uint8Array) || input.seed.length !== SCBK_LEN) {
    throw new KeyExportError('bad_seed', `the seed must be ${SCBK_LEN} bytes`);
  }
  const seenIndex = new Set<number>();
  const addressOf = new Map<number, number>();
  for (const s of input.steps) {
    if (!Number.isInteger(s.index) || s.index < 0 || seenIndex.has(s.index)) {
      throw new KeyExportError('bad_step', `step index ${String(s.index)} is invalid or repeated`);
    }
    seenIndex.add(s.index);
    if (!Number.isInteger(s.address) || s.address < 0 || s.address > MAX_PD_ADDRESS) {
      throw new KeyExportError(
        'bad_step',
        `step ${s.index}: address ${String(s.address)} is not a PD address (0–${MAX_PD_ADDRESS})`,
      );
    }
    if (!(PROFILE_BAUDS as readonly number[]).includes(s.baud)) {
      throw new KeyExportError(
        'bad_step',
        `step ${s.index}: ${String(s.baud)} is not a supported baud rate`,
      );
    }
    if (s.state !== 'success') continue;
    const other = addressOf.get(s.address);
    if (other !== undefined) {
      throw new KeyExportError(
        'bad_step',
        `steps ${other} and ${s.index} were both provisioned at address ${s.address}`,
      );
    }
    addressOf.set(s.address, s.index);
  }

  const sessionId = input.sessionId.toLowerCase();
  const scbks: ScbkEntry[] = [];
  for (const s of [...input.steps].sort((a, b) => a.index - b.index)) {
    if (s.state !== 'success') continue;
    const key = derive(input.seed, sessionId, s.index, s.address);
    try {
      if (!(key instanceof Uint8Array) || key.length !== SCBK_LEN) {
        throw new KeyExportError(
          'bad_key',
          `step ${s.index}: the derived key is not ${SCBK_LEN} bytes`,
        );
      }
      scbks.push({ pdAddress: s.address, baudrate: s.baud, scbkHex: toHex(key) });
    } finally {
      if (key instanceof Uint8Array) wipe(key);
    }
  }
  return { sessionId, scbks };
}

/** CSV: the `pd_address,baudrate,scbk` header, one row per PD, `\n` line ends (also after the last). */
export function toCsv(e: KeyExport): string {
  const rows = e.scbks.map((s) => `${s.pdAddress},${s.baudrate},${s.scbkHex}`);
  return `${[KEY_EXPORT_CSV_HEADER, ...rows].join('\n')}\n`;
}

/** JSON: `{ kind, version, session_id, scbks: [{ pdAddress, baudrate, scbkHex }] }`, 2-space indent. */
export function toJson(e: KeyExport): string {
  const doc = {
    kind: KEY_EXPORT_KIND,
    version: KEY_EXPORT_VERSION,
    session_id: e.sessionId,
    scbks: e.scbks.map((s) => ({
      pdAddress: s.pdAddress,
      baudrate: s.baudrate,
      scbkHex: s.scbkHex,
    })),
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

/** A file name for the export, e.g. `osprio-scbks-6f1c7a52.csv` (first group of the session id). */
export function keyExportFileName(e: Pick<KeyExport, 'sessionId'>, format: 'csv' | 'json'): string {
  const short = /^[0-9a-f]{8}/i.exec(e.sessionId)?.[0]?.toLowerCase() ?? 'slot';
  return `osprio-scbks-${short}.${format}`;
}
