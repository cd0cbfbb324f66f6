// The one place the shell gets its DeviceSession from (see temp-device-session.ts).
export { DeviceSession, type SessionState, type DeviceSessionOptions } from './temp-device-session.ts';
export type { OpeningScreen } from '@osprio/host';
