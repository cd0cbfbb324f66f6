// The pieces createLinkServer is made of, each on its own: which edges a subscription lets through,
// the outbox that keeps a reply ahead of what it caused, and who holds a device.

import { describe, expect, it } from 'vitest';
import type { LinkConnection, ProgressEdge } from '../src/index.ts';
import { Outbox } from '../src/link-outbox.ts';
import { claimDevice, openSession, releaseDevice } from '../src/link-session.ts';
import { Subscriptions } from '../src/link-subscriptions.ts';
import { FakeDevice } from './fixtures.ts';

const LIVE = '0f8f1d2c-5b7a-4c1e-9d3e-2a6b8c4d1e0f';
const edge = (queue: ProgressEdge['queue'], seq: number) =>
  ({
    queue,
    seq,
    stepIndex: 0,
    state: 'pending',
    attempts: 0,
    outcome: null,
    detail: '',
    stage: null,
    stageStatus: null,
    at: 0,
  }) as ProgressEdge;

describe('Subscriptions', () => {
  it('lets through only followed queues, past sinceSeq, each seq once', () => {
    const s = new Subscriptions();
    expect(s.wants(edge({ slot: 1 }, 1))).toBe(false);
    s.follow({ slot: 1 }, 3);
    expect(s.wants(edge({ slot: 1 }, 3))).toBe(false);
    expect(s.wants(edge({ slot: 1 }, 4))).toBe(true);
    s.sent(edge({ slot: 1 }, 4));
    expect(s.wants(edge({ slot: 1 }, 4))).toBe(false);
    expect(s.wants(edge({ slot: 2 }, 9))).toBe(false);
    expect(s.drop({ slot: 1 })).toBe(true);
    expect(s.drop({ slot: 1 })).toBe(false);
    expect(s.wants(edge({ slot: 1 }, 5))).toBe(false);
  });

  it('follows one live queue from its start, whatever the case of its session id', () => {
    const s = new Subscriptions();
    s.followLive({ live: LIVE.toUpperCase() });
    expect(s.wants(edge({ live: LIVE }, 1))).toBe(true);
    s.followLive({ live: '1f8f1d2c-5b7a-4c1e-9d3e-2a6b8c4d1e0f' });
    expect(s.wants(edge({ live: LIVE }, 2))).toBe(false); // replaced
    s.dropLive();
    expect(s.wants(edge({ live: '1f8f1d2c-5b7a-4c1e-9d3e-2a6b8c4d1e0f' }, 1))).toBe(false);
  });
});

describe('Outbox', () => {
  it('sends at once when idle, holds while a request is served, flushes in order', () => {
    const sent: number[] = [];
    const o = new Outbox((e) => sent.push(e.seq));
    o.push(edge({ slot: 0 }, 1));
    o.hold();
    o.push(edge({ slot: 0 }, 2));
    o.push(edge({ slot: 0 }, 3));
    expect(sent).toEqual([1]);
    o.flush();
    expect(sent).toEqual([1, 2, 3]);
    o.push(edge({ slot: 0 }, 4));
    o.clear();
    o.release();
    expect(sent).toEqual([1, 2, 3]); // cleared edges are gone
    o.push(edge({ slot: 0 }, 5));
    expect(sent).toEqual([1, 2, 3, 5]);
  });
});

describe('device holder', () => {
  const conn = (closing = false) => ({ closing }) as unknown as LinkConnection;

  it('one holder per device; a holder whose link is closing is released for the next', () => {
    const device = new FakeDevice();
    const a = conn();
    let released = 0;
    expect(
      claimDevice(device, a, () => {
        released++;
        releaseDevice(device, a);
      }),
    ).toBe(true);
    expect(claimDevice(device, conn(), () => {})).toBe(false);
    (a as { closing: boolean }).closing = true;
    const b = conn();
    expect(claimDevice(device, b, () => releaseDevice(device, b))).toBe(true);
    expect(released).toBe(1);
    releaseDevice(device, a); // a late teardown of the old link does not free the new holder
    expect(claimDevice(device, conn(), () => {})).toBe(false);
    releaseDevice(device, b);
    expect(claimDevice(device, conn(), () => {})).toBe(true);
  });

  it('a session drops pushes once it is no longer alive', () => {
    const got: string[] = [];
    const s = openSession({
      edge: (e) => got.push(`edge ${e.seq}`),
      resync: (q) => got.push(`resync ${JSON.stringify(q)}`),
    });
    s.pushEdge(edge({ slot: 0 }, 1));
    s.pushResync({ slot: 0 }, 'trimmed');
    s.alive = false;
    s.pushEdge(edge({ slot: 0 }, 2));
    expect(got).toEqual(['edge 1', 'resync {"slot":0}']);
  });
});
