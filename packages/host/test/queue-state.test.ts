import { describe, expect, it } from 'vitest';
import type { ProgressEdge, StepRecord } from '@osprio/link';
import { countSteps } from '@osprio/link';
import { emptyQueue, openingScreen, queueReducer } from '../src/index.ts';

const step = (index: number): StepRecord => ({
  index, address: index + 1, baud: 9600, state: 'pending', attempts: 0, outcome: null, detail: '', stage: null, stageStatus: null,
});
const edge = (seq: number, stepIndex: number, patch: Partial<ProgressEdge>): ProgressEdge => ({
  queue: { slot: 0 }, seq, stepIndex, state: 'attempting', attempts: 1, outcome: null, detail: '', stage: 'discover',
  stageStatus: 'in_flight', at: 0, ...patch,
});

describe('opening screen', () => {
  it('follows the device status alone', () => {
    const base = { offlineAutonomous: false, slotCount: 4, maxStepsPerSlot: 126 };
    expect(openingScreen({ ...base, liveQuickStep: true, slots: false })).toBe('quick-step');
    expect(openingScreen({ ...base, liveQuickStep: false, slots: true })).toBe('slot-list');
    expect(openingScreen({ ...base, liveQuickStep: true, slots: true })).toBe('mode-picker');
    expect(openingScreen({ ...base, liveQuickStep: false, slots: false })).toBe('unsupported');
  });
});

describe('queue reducer', () => {
  it('applies each edge once, even when a reconnect replays it', () => {
    let v = queueReducer(emptyQueue, { type: 'read', slot: { steps: [step(0), step(1)], lastSeq: 3 } });
    v = queueReducer(v, { type: 'edge', edge: edge(3, 0, { state: 'failure' }) }); // covered by the read
    expect(v.steps[0]!.state).toBe('pending');
    v = queueReducer(v, { type: 'edge', edge: edge(4, 0, {}) });
    v = queueReducer(v, { type: 'edge', edge: edge(5, 0, { state: 'success', outcome: 'ok', stage: 'key_verify', stageStatus: 'done' }) });
    const replayed = queueReducer(v, { type: 'edge', edge: edge(4, 0, {}) });
    expect(replayed).toBe(v);
    expect(v.steps[0]).toMatchObject({ state: 'success', outcome: 'ok', attempts: 1 });
    expect(v.lastSeq).toBe(5);
    expect(countSteps(v.steps)).toEqual({ total: 2, provisioned: 1, failed: 0, skipped: 0, pending: 1 });
  });
  it('asks for a re-read on resync or an unknown step', () => {
    const v = queueReducer(emptyQueue, { type: 'read', slot: { steps: [step(0)], lastSeq: 0 } });
    expect(queueReducer(v, { type: 'resync' }).needsRead).toBe(true);
    expect(queueReducer(v, { type: 'edge', edge: edge(1, 7, {}) }).needsRead).toBe(true);
  });
});
