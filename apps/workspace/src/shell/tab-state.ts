// A Provisioner tab's connection state, as a reducer: pairing (with what happened last, if
// anything), connecting, or connected with the screen the device's status chose. A lost link
// returns to pairing with its message; the tab stays, and so does the lost session (`held`), so
// Connect on the same device reattaches it and its open views pick up where they were.

import type { DeviceSession, OpeningScreen, SessionState } from './session.ts';

export type NoticeKind = 'in_use' | 'incompatible' | 'lost' | 'unreachable' | 'usb';

export interface Notice {
  kind: NoticeKind;
  message: string;
}

/** A session this tab has had attached: its device and the screen its status chose. */
export interface Held {
  deviceKey: string;
  deviceName: string;
  session: DeviceSession;
  screen: OpeningScreen;
}

export type TabState =
  | { kind: 'pairing'; notice: Notice | null; held: Held | null }
  | { kind: 'connecting'; deviceName: string; held: Held | null }
  | { kind: 'connected'; held: Held };

export type TabAction =
  /** Connect was clicked; `reattach` when it is the held session's device. */
  | { type: 'connect'; deviceName: string; reattach: boolean }
  | { type: 'locked_elsewhere'; deviceName: string }
  | {
      type: 'session';
      deviceKey: string;
      deviceName: string;
      session: DeviceSession;
      state: SessionState;
    }
  | { type: 'notice'; notice: Notice }
  /** The person disconnected (or picked another device): the held session is gone. */
  | { type: 'disconnect' };

export const INITIAL_TAB_STATE: TabState = { kind: 'pairing', notice: null, held: null };

function heldOf(s: TabState): Held | null {
  return s.held;
}

export function tabReducer(s: TabState, a: TabAction): TabState {
  switch (a.type) {
    case 'connect':
      if (s.kind !== 'pairing') return s;
      return { kind: 'connecting', deviceName: a.deviceName, held: a.reattach ? s.held : null };
    case 'locked_elsewhere':
      return {
        kind: 'pairing',
        notice: {
          kind: 'in_use',
          message: `${a.deviceName} is in use in another Provisioner tab or window. Use it there, or close it there and Connect again.`,
        },
        held: heldOf(s),
      };
    case 'notice':
      return { kind: 'pairing', notice: a.notice, held: s.kind === 'connected' ? null : heldOf(s) };
    case 'disconnect':
      return { kind: 'pairing', notice: null, held: null };
    case 'session':
      return fromSession(s, a);
  }
}

/** A session message without transport codes ("(1006 stream ended)"): a person can't act on them. */
export function plainMessage(m: string): string {
  return m.replace(/\s*\(\d{4}\b[^)]*\)/g, '').replace(/[.\s]+$/, '');
}

function fromSession(s: TabState, a: Extract<TabAction, { type: 'session' }>): TabState {
  const name = a.deviceName;
  const st = a.state;
  // A state of a session this tab no longer holds (it picked another device) changes nothing.
  if (s.held && s.held.session !== a.session && s.kind === 'connected') return s;
  const keep = s.held?.session === a.session ? s.held : null;
  switch (st.kind) {
    case 'connecting':
      return { kind: 'connecting', deviceName: name, held: keep };
    case 'attached':
      return {
        kind: 'connected',
        held: { deviceKey: a.deviceKey, deviceName: name, session: a.session, screen: st.screen },
      };
    case 'in_use':
      return {
        kind: 'pairing',
        notice: {
          kind: 'in_use',
          message: `${name} is in use by another host (another browser or the CLI). Close that session, then Connect again.`,
        },
        held: keep,
      };
    case 'incompatible':
      return {
        kind: 'pairing',
        notice: {
          kind: 'incompatible',
          message: `${name} runs firmware this workspace cannot talk to (${plainMessage(st.message)}). Update the device's firmware, then Connect again.`,
        },
        held: null,
      };
    case 'unreachable':
      return {
        kind: 'pairing',
        notice: {
          kind: 'unreachable',
          message: `Cannot reach ${name}: ${plainMessage(st.message)}. Check that it is plugged in and running, then Connect again.`,
        },
        held: keep,
      };
    case 'lost':
      return {
        kind: 'pairing',
        notice: {
          kind: 'lost',
          message: `The connection to ${name} was lost: ${plainMessage(st.message)}. Reconnect the device and Connect again.`,
        },
        held: keep,
      };
    case 'closed':
      return { kind: 'pairing', notice: null, held: null };
  }
}
