// A Provisioner tab's connection state, as a reducer: pairing (with what happened last, if
// anything), connecting, or connected with the screen the device's status chose. A lost link
// returns to pairing with its message; the tab itself stays.

import type { DeviceSession, OpeningScreen, SessionState } from './session.ts';

export type NoticeKind = 'in_use' | 'incompatible' | 'lost' | 'unreachable' | 'no_device' | 'usb';

export interface Notice {
  kind: NoticeKind;
  message: string;
}

export type TabState =
  | { kind: 'pairing'; notice: Notice | null }
  | { kind: 'connecting'; deviceName: string }
  | { kind: 'connected'; deviceName: string; session: DeviceSession; screen: OpeningScreen };

export type TabAction =
  | { type: 'connect'; deviceName: string }
  | { type: 'locked_elsewhere'; deviceName: string }
  | { type: 'session'; deviceName: string; session: DeviceSession; state: SessionState }
  | { type: 'notice'; notice: Notice }
  | { type: 'disconnect' };

export const INITIAL_TAB_STATE: TabState = { kind: 'pairing', notice: null };

export function tabReducer(s: TabState, a: TabAction): TabState {
  switch (a.type) {
    case 'connect':
      return s.kind === 'pairing' ? { kind: 'connecting', deviceName: a.deviceName } : s;
    case 'locked_elsewhere':
      return {
        kind: 'pairing',
        notice: { kind: 'in_use', message: `${a.deviceName} is in use in another Provisioner tab or window. Close it there, or pick another device.` },
      };
    case 'notice':
      return { kind: 'pairing', notice: a.notice };
    case 'disconnect':
      return { kind: 'pairing', notice: null };
    case 'session':
      return fromSession(s, a.deviceName, a.session, a.state);
  }
}

function fromSession(s: TabState, name: string, session: DeviceSession, st: SessionState): TabState {
  switch (st.kind) {
    case 'connecting':
      return { kind: 'connecting', deviceName: name };
    case 'attached':
      return { kind: 'connected', deviceName: name, session, screen: st.screen };
    case 'in_use':
      return { kind: 'pairing', notice: { kind: 'in_use', message: `${name} is in use by another host (another browser or the CLI). Close that session and try again.` } };
    case 'incompatible':
      return { kind: 'pairing', notice: { kind: 'incompatible', message: `${name} runs firmware this workspace cannot talk to (${st.message}). Update the firmware or the workspace.` } };
    case 'unreachable':
      return { kind: 'pairing', notice: { kind: 'unreachable', message: `Cannot reach ${name}: ${st.message}. Check it is plugged in and running, then Connect again.` } };
    case 'lost':
      return { kind: 'pairing', notice: { kind: 'lost', message: `Connection to ${name} lost: ${st.message}. Reconnect it and Connect again.` } };
    case 'closed':
      return s.kind === 'pairing' ? s : { kind: 'pairing', notice: null };
  }
}
