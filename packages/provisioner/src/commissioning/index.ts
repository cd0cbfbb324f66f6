export * from './ops.ts';
export {
  startStep,
  nextStep,
  isDone,
  deadlineOf,
  discoveryOrder,
  effectiveTimeoutMs,
  type StepConfig,
  type MachineState,
  type Transition,
} from './machine.ts';
export {
  DEFAULT_STEP_TIMEOUT_MS,
  REPLY_TIMEOUT_MS,
  PATIENT_REPLY_TIMEOUT_MS,
  MAX_RECOVERIES,
} from './context.ts';
export { createAcuStepLink, type StepLink } from './step-link.ts';
export { stageText } from './text.ts';
export { capToDeadline, redact } from './run-step.ts';
