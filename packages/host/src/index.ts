// @osprio/host — the host side of a device, for the CLI and the workspace alike. Browser-safe
// (no node: imports); Node-only pieces are in '@osprio/host/node'.
export * from './opening-screen.ts';
export * from './errors.ts';
export * from './session-state.ts';
export * from './rows.ts';
export * from './plan.ts';
export * from './slot-label.ts';
export * from './key-file.ts';
export * from './age.ts';
export type { QueueView, SlotView, LiveView, VerbAllResult } from './views.ts';
export * from './device-session.ts';
export * from './reattach.ts';
