// The one place the shell gets its DeviceSession from.
export { DeviceSession, type SessionState, type DeviceSessionOptions } from '@osprio/host';
export type { OpeningScreen } from '@osprio/host';
