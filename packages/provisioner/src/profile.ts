// The provisioning profile of the product spec (Stage 2, "Profile configuration"), shared by host
// and device. Validation lives in profile-schema.ts; expansion into steps in expand.ts.

export const ADDRESS_STRATEGIES = ['sequential', 'random', 'manual'] as const;
export type AddressStrategy = (typeof ADDRESS_STRATEGIES)[number];

/** Highest assignable PD address; 0x7F is broadcast. */
export const MAX_PD_ADDRESS = 126;
export const MAX_STEPS_PER_SLOT = 126;

/** An expected capability: PDCAP must list `functionCode` with at least these compliance and count. */
export interface ExpectedCapability {
  functionCode: number;
  minCompliance: number;
  minCount: number;
}

export interface Profile {
  name: string;
  /** How many PDs this plan provisions, 1..126. */
  deviceCount: number;
  addressStrategy: AddressStrategy;
  /** Used by the sequential and random strategies. */
  startAddress: number;
  /** Used by the manual strategy: one address per device. */
  manualAddresses: number[];
  /** The bus baud the PDs are driven to; one of the standard OSDP rates. */
  baud: number;
  /** Empty: skip the capability check. */
  expectedCapabilities: ExpectedCapability[];
  /** Per-step provisioning timeout in ms; 0 = firmware default. */
  timeoutMs: number;
  autoVerify: boolean;
}

/** What one step needs besides its address and baud (also the options of a live quick-step). */
export interface StepOptions {
  timeoutMs: number;
  autoVerify: boolean;
  expectedCapabilities: ExpectedCapability[];
}

/** One target PD of a plan. */
export interface PlannedStep {
  index: number;
  address: number;
  baud: number;
}
