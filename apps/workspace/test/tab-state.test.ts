// A Provisioner tab's states: the device's session state alone decides connected/pairing and the
// notice; a lost session is held for a reattach, an incompatible one is not.
import { describe, expect, it } from 'vitest';
import type { DeviceSession, SessionState } from '@osprio/host';
import {
  INITIAL_TAB_STATE,
  plainMessage,
  tabReducer,
  type TabState,
} from '../src/shell/tab-state.ts';

const session = {} as DeviceSession;
const other = {} as DeviceSession;
const identity = {
  protocolVersion: 1,
  model: 'osprio-pro',
  serialNumber: 'OPP-1',
  firmwareVersion: '1',
} as const;
const status = {
  liveQuickStep: true,
  slots: true,
  offlineAutonomous: true,
  slotCount: 4,
  maxStepsPerSlot: 126,
};
const attached: SessionState = { kind: 'attached', identity, status, screen: 'mode-picker' };
const ev = (state: SessionState, s: DeviceSession = session) => ({
  type: 'session' as const,
  deviceKey: 'emu:pro',
  deviceName: 'Osprio Pro',
  session: s,
  state,
});

function connected(): TabState {
  const s = tabReducer(INITIAL_TAB_STATE, {
    type: 'connect',
    deviceName: 'Osprio Pro',
    reattach: false,
  });
  return tabReducer(s, ev(attached));
}

describe('Provisioner tab state', () => {
  it('Connect → connecting → connected on the screen the status chose', () => {
    const s1 = tabReducer(INITIAL_TAB_STATE, {
      type: 'connect',
      deviceName: 'Osprio Pro',
      reattach: false,
    });
    expect(s1).toEqual({ kind: 'connecting', deviceName: 'Osprio Pro', held: null });
    const s2 = tabReducer(s1, ev(attached));
    expect(s2).toEqual({
      kind: 'connected',
      held: { deviceKey: 'emu:pro', deviceName: 'Osprio Pro', session, screen: 'mode-picker' },
    });
  });

  it('each refusal is its own notice, and only a held session survives it', () => {
    const base = tabReducer(INITIAL_TAB_STATE, {
      type: 'connect',
      deviceName: 'Osprio Pro',
      reattach: false,
    });
    expect(tabReducer(base, ev({ kind: 'in_use', message: 'x' }))).toMatchObject({
      kind: 'pairing',
      notice: { kind: 'in_use', message: /in use by another host/ },
      held: null,
    });
    expect(
      tabReducer(base, ev({ kind: 'incompatible', message: 'protocol version 1 is not served' })),
    ).toMatchObject({
      kind: 'pairing',
      notice: { kind: 'incompatible', message: /protocol version 1 is not served/ },
    });
    expect(tabReducer(base, ev({ kind: 'unreachable', message: 'timeout' }))).toMatchObject({
      notice: { kind: 'unreachable' },
    });
    expect(tabReducer(base, { type: 'locked_elsewhere', deviceName: 'Osprio Pro' })).toMatchObject({
      notice: { kind: 'in_use', message: /another Provisioner tab or window/ },
    });
  });

  it('lost: back to pairing with the message and without transport codes; the session is held for a reattach', () => {
    const lost = tabReducer(
      connected(),
      ev({ kind: 'lost', message: 'the link to the device dropped (1006 stream ended)' }),
    );
    expect(lost).toMatchObject({
      kind: 'pairing',
      notice: { kind: 'lost' },
      held: { session, screen: 'mode-picker' },
    });
    expect(lost.kind === 'pairing' && lost.notice?.message).toBe(
      'The connection to Osprio Pro was lost: the link to the device dropped. Reconnect the device and Connect again.',
    );
    const re = tabReducer(lost, { type: 'connect', deviceName: 'Osprio Pro', reattach: true });
    expect(re).toMatchObject({ kind: 'connecting', held: { session } });
    expect(tabReducer(re, ev(attached))).toMatchObject({ kind: 'connected', held: { session } });
    // Connecting to another device lets the held session go.
    expect(
      tabReducer(lost, { type: 'connect', deviceName: 'Osprio Mini', reattach: false }),
    ).toMatchObject({ kind: 'connecting', held: null });
    // A reattach refused as incompatible has nothing to come back to.
    expect(tabReducer(re, ev({ kind: 'incompatible', message: 'v' }))).toMatchObject({
      held: null,
    });
  });

  it('a state of a session the tab no longer shows changes nothing; disconnect forgets the session', () => {
    const c = connected();
    expect(tabReducer(c, ev({ kind: 'lost', message: 'm' }, other))).toBe(c);
    expect(tabReducer(c, { type: 'disconnect' })).toEqual(INITIAL_TAB_STATE);
    expect(tabReducer(c, ev({ kind: 'closed' }))).toEqual(INITIAL_TAB_STATE);
  });

  it('plainMessage drops close codes only', () => {
    expect(plainMessage('the device refused the connection (4409 device in use).')).toBe(
      'the device refused the connection',
    );
    expect(plainMessage('protocol version 1 is not served; this device speaks 2')).toBe(
      'protocol version 1 is not served; this device speaks 2',
    );
  });
});
