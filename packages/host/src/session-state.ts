// Where a device session stands. Every failure to reach or keep the device is one of these states,
// never an exception the caller must catch.

import type { DeviceIdentity, ProvisionerStatus } from '@osprio/link';
import type { OpeningScreen } from './opening-screen.ts';

export type SessionState =
  | { kind: 'connecting' }
  | { kind: 'attached'; identity: DeviceIdentity; status: ProvisionerStatus; screen: OpeningScreen }
  /** device_in_use: another host holds the device. */
  | { kind: 'in_use'; message: string }
  /** hello refused (version not served) or the device answered with another protocol version. */
  | { kind: 'incompatible'; message: string }
  /** Could not open the link at all (or it broke before hello was answered). */
  | { kind: 'unreachable'; message: string }
  /** Was attached; the link dropped. reattach() tries again. */
  | { kind: 'lost'; message: string }
  /** This host closed it. */
  | { kind: 'closed' };

export type SessionStateKind = SessionState['kind'];
