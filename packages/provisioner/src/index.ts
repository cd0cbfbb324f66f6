export * from './stages.ts';
export * from './profile.ts';
export * from './kdf.ts';
export * from './profile-schema.ts';
export * from './expand.ts';
export * from './profile-file.ts';
export * from './export.ts';
export * from './commissioning/index.ts';
export { runStep, type RunStepArgs, type StepKey } from './commissioning/run-step.ts';
