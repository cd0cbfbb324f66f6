// valibot schemas of the device data model in wire form (model.ts; seeds as lowercase hex).
// Bounds here are structural (what a frame may hold); the device checks meaning (e.g. a profile
// that cannot be expanded) and answers with a stable code.

import * as v from 'valibot';
import {
  ADDRESS_STRATEGIES,
  MAX_PD_ADDRESS,
  MAX_STEPS_PER_SLOT,
} from '@osprio/provisioner/profile';
import { STAGES, STAGE_STATUSES, STEP_STATES, isOutcome } from '@osprio/provisioner/stages';
import { SLOT_STATES } from './model.ts';
import { MAX_DETAIL_LENGTH } from './messages.ts';

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** A string that is valid Unicode (no lone surrogates, which JSON escapes can smuggle in). */
export function text(max: number) {
  return v.pipe(
    v.string(),
    v.maxLength(max),
    v.check((s) => !LONE_SURROGATE.test(s), 'not valid Unicode'),
  );
}

export function int(min: number, max: number) {
  return v.pipe(v.number(), v.integer(), v.minValue(min), v.maxValue(max));
}

export const SLOT_INDEX_MAX = 255;
export const slotIndex = int(0, SLOT_INDEX_MAX);
export const seq = int(0, Number.MAX_SAFE_INTEGER);
export const count = int(0, 0xffff_ffff);
export const pdAddress = int(0, MAX_PD_ADDRESS);
export const baud = int(1, 10_000_000);
export const slotStepIndex = int(0, MAX_STEPS_PER_SLOT - 1);
/** Live queues have no step limit; their indexes just grow. */
export const anyStepIndex = int(0, 0x7fff_ffff);
// Lowercased once, here: the link keys live queues by this id and the device stores it lowercased, so
// an uppercase id from a host would otherwise route the live queue's edges to nobody.
export const uuid = v.pipe(
  v.string(),
  v.maxLength(36),
  v.uuid('expected a UUID'),
  v.transform((s) => s.toLowerCase()),
);
export const seedHex = v.pipe(
  v.string(),
  v.regex(/^[0-9a-f]{32}$/, 'expected 32 lowercase hex digits'),
);

export const expectedCapability = v.strictObject({
  functionCode: int(0, 255),
  minCompliance: int(0, 255),
  minCount: int(0, 255),
});

export const profile = v.strictObject({
  name: text(64),
  deviceCount: int(1, MAX_STEPS_PER_SLOT),
  addressStrategy: v.picklist(ADDRESS_STRATEGIES),
  startAddress: pdAddress,
  manualAddresses: v.pipe(v.array(pdAddress), v.maxLength(MAX_STEPS_PER_SLOT)),
  baud,
  expectedCapabilities: v.pipe(v.array(expectedCapability), v.maxLength(32)),
  timeoutMs: int(0, 3_600_000),
  autoVerify: v.boolean(),
});

export const stepOptions = v.strictObject({
  timeoutMs: int(0, 3_600_000),
  autoVerify: v.boolean(),
  expectedCapabilities: v.pipe(v.array(expectedCapability), v.maxLength(32)),
});

export const stepTarget = v.strictObject({ index: slotStepIndex, address: pdAddress, baud });

export const outcome = v.pipe(
  v.string(),
  v.maxLength(43),
  v.check(isOutcome, 'expected an outcome'),
);
export const stageOrQueued = v.picklist([...STAGES, 'queued'] as const);
export const stageStatus = v.picklist(STAGE_STATUSES);
export const stepState = v.picklist(STEP_STATES);
function noControlChars(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return false;
  }
  return true;
}
/** One line a technician reads; no control characters (they also cost 6 bytes each in JSON). */
export const detail = v.pipe(
  text(MAX_DETAIL_LENGTH),
  v.check(noControlChars, 'no control characters'),
);

// Replies are parsed with v.object (unknown keys are dropped, never passed on): a record that
// the device happens to keep with extra fields cannot leak them, and an older host ignores new ones.
export const stepRecord = v.object({
  index: slotStepIndex,
  address: pdAddress,
  baud,
  state: stepState,
  attempts: count,
  outcome: v.nullable(outcome),
  detail,
  stage: v.nullable(stageOrQueued),
  stageStatus: v.nullable(stageStatus),
});

export const slotCounters = v.object({
  total: count,
  provisioned: count,
  failed: count,
  skipped: count,
  pending: count,
});

const summaryEntries = {
  index: slotIndex,
  state: v.picklist(SLOT_STATES),
  profileName: v.nullable(text(64)),
  sessionId: v.nullable(uuid),
  counters: slotCounters,
  lastSeq: seq,
};
export const slotSummary = v.object(summaryEntries);

export const slotDetail = v.object({
  ...summaryEntries,
  header: v.nullable(v.object(profile.entries)),
  seed: v.nullable(seedHex),
  steps: v.pipe(v.array(stepRecord), v.maxLength(MAX_STEPS_PER_SLOT)),
});

export const queueRef = v.union([
  v.strictObject({ slot: slotIndex }),
  v.strictObject({ live: uuid }),
]);

export const progressEdge = v.object({
  queue: queueRef,
  seq,
  stepIndex: anyStepIndex,
  state: stepState,
  attempts: count,
  outcome: v.nullable(outcome),
  detail,
  stage: v.nullable(stageOrQueued),
  stageStatus: v.nullable(stageStatus),
  at: int(0, Number.MAX_SAFE_INTEGER),
});

export const deviceIdentity = v.object({
  protocolVersion: int(0, 0xffff),
  model: v.picklist(['osprio-pro', 'osprio-mini'] as const),
  serialNumber: text(64),
  firmwareVersion: text(64),
});

export const provisionerStatus = v.object({
  liveQuickStep: v.boolean(),
  slots: v.boolean(),
  offlineAutonomous: v.boolean(),
  slotCount: int(0, SLOT_INDEX_MAX + 1),
  maxStepsPerSlot: int(0, MAX_STEPS_PER_SLOT),
});
