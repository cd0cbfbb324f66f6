// The one place the shell gets its DeviceSession from.
export {
  DeviceSession,
  type SessionState,
  type DeviceSessionOptions,
  type OpeningScreen,
} from '@osprio/host';
