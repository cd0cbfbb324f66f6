// What a Device is opened with, and what it announces.

import type { ProgressEdge, SlotSummary } from '@osprio/link';
import type { PresenceProbe } from './autonomous.ts';
import type { Clock } from './clock.ts';
import type { DeviceConfig } from './models.ts';
import type { StepExecutor } from './scheduler.ts';

export interface DeviceOptions {
  config: DeviceConfig;
  executor: StepExecutor;
  /** The device's flash; required when the model has slots. */
  stateDir?: string;
  /** Presence probe for the offline-autonomous runner (required for it to run). */
  probe?: PresenceProbe;
  clock?: Clock;
  /** Edges kept per slot (and for the live queue). Default 1024. */
  edgeLimit?: number;
  /** Journal records between compactions. Default 256. */
  compactEvery?: number;
  /** fsync journals (default true). */
  durable?: boolean;
  /** Step timeout (bus ms) when a profile says 0. Default: the engine's DEFAULT_STEP_TIMEOUT_MS (30 s). */
  defaultTimeoutMs?: number;
  /** Watchdog grace beyond the step timeout, and again after its abort before giving up. Default 10 s. */
  watchdogGraceMs?: number;
  /** Bus ms per wall ms of the executor's bus (the emulator's pacing); the watchdog scales by it when < 1. Default 1. */
  busSpeed?: number;
  /** Autonomous runner poll interval. Default 500 ms. */
  pollMs?: number;
  /** Quick-steps kept per live session. Default 1024. */
  maxLiveSteps?: number;
  /** Where the device reports what it copes with on its own (e.g. a failed compaction). Never key material. */
  log?: (line: string) => void;
  /** Whether a host is attached when the device opens (default false: the runner may start). */
  hostAttached?: boolean;
}

export type DeviceEvent =
  | { type: 'edge'; edge: ProgressEdge }
  | { type: 'slot'; slot: SlotSummary }
  | { type: 'live'; sessionId: string | null };

/** `oldestSeq`: the oldest edge still kept (lastSeq + 1 when none is). */
export type SinceResult =
  { resync: false; edges: ProgressEdge[] } | { resync: true; oldestSeq: number; lastSeq: number };
