// The provisioning profile of the product spec (Stage 2, "Profile configuration"), shared by host
// and device. Validation lives in profile-schema.ts; expansion into steps in expand.ts.
import { OSDP_BAUDS, type OsdpBaud } from '@osprio/osdp/codes';
import { BROADCAST } from '@osprio/osdp/frame';

export const ADDRESS_STRATEGIES = ['sequential', 'random', 'manual'] as const;
export type AddressStrategy = (typeof ADDRESS_STRATEGIES)[number];

/** Highest assignable PD address; 0x7F is broadcast. */
export const MAX_PD_ADDRESS = 126;
export const MIN_PD_ADDRESS = 0;
export const BROADCAST_ADDRESS = BROADCAST;
export const MAX_STEPS_PER_SLOT = 126;

/** The standard OSDP baud rates a profile may drive PDs to. */
export const PROFILE_BAUDS = OSDP_BAUDS;
export type ProfileBaud = OsdpBaud;

/** Longest profile name (after trimming), in characters: it is shown in the slot list. */
export const MAX_PROFILE_NAME_LENGTH = 64;
/** Upper bound of the per-step timeout: 10 minutes; 0 means the firmware default. */
export const MAX_TIMEOUT_MS = 600_000;
/** The PDCAP function codes OSDP 2.2 defines (reference.md 3.4); others cannot be checked. */
export const MIN_FUNCTION_CODE = 1;
export const MAX_FUNCTION_CODE = 16;

/** An expected capability: PDCAP must list `functionCode` with at least these compliance and count. */
export interface ExpectedCapability {
  functionCode: number;
  minCompliance: number;
  minCount: number;
}

/**
 * A validated profile (see validateProfile). `startAddress` is ignored by the manual strategy and
 * `manualAddresses` by the others; both are always present so the shape is one flat record.
 */
export interface Profile {
  /** Trimmed, 1..64 characters, no control characters. */
  name: string;
  /** How many PDs this plan provisions, 1..126. */
  deviceCount: number;
  addressStrategy: AddressStrategy;
  /** Used by the sequential and random strategies: the first (lowest) address, 0..126. */
  startAddress: number;
  /** Used by the manual strategy: one address per device. */
  manualAddresses: number[];
  /** The bus baud the PDs are driven to; one of the standard OSDP rates. */
  baud: number;
  /** Empty: skip the capability check. Function codes are unique. */
  expectedCapabilities: ExpectedCapability[];
  /** Per-step provisioning timeout in ms, 0..600000; 0 = firmware default. */
  timeoutMs: number;
  autoVerify: boolean;
}

/** What one step needs besides its address and baud (also the options of a live quick-step). */
export interface StepOptions {
  timeoutMs: number;
  autoVerify: boolean;
  expectedCapabilities: ExpectedCapability[];
}

/** One target PD of a plan; `index` is its 0-based position in the slot (the KDF's step index). */
export interface PlannedStep {
  index: number;
  address: number;
  baud: number;
}
