// @osprio/device/emulator — the device emulator (Node only): startEmulator, its --faults grammar,
// the paced simulated bus and the reader bench.
export { startEmulator, defaultStateDir, parseSpeed } from './emulator.ts';
export type { Emulator, EmulatorModel, EmulatorOptions } from './emulator.ts';
export {
  parseFaultSpec,
  faultsFor,
  describePlan,
  FaultSpecError,
  FAULT_NAMES,
  FAULT_SPEC_HELP,
  NO_FAULTS,
} from './faults.ts';
export type { FaultPlan, FaultItem } from './faults.ts';
export { Bench, readerKey, PROBE_WINDOW_MS } from './bench.ts';
export type { Reader, ReaderState, ReaderFlashStore } from './bench.ts';
export { PacedBus } from './paced-bus.ts';
export { Technician, DEFAULT_TIMING } from './technician.ts';
export type { TechnicianTiming } from './technician.ts';
