import { describe, expect, it } from 'vitest';
import { STEP_STATES } from '@osprio/provisioner';
import {
  addressingNote,
  chipView,
  outcomeView,
  trackStages,
  trackView,
} from '../../src/ops/row-view.ts';

describe('chipView', () => {
  it('gives every state its own spec word and its own glyph (readable without colour)', () => {
    const chips = STEP_STATES.map(chipView);
    expect(chips.map((c) => c.word)).toEqual([
      'pending',
      'attempting',
      'success',
      'failure',
      'skipped',
    ]);
    expect(new Set(chips.map((c) => c.glyph)).size).toBe(5);
  });
});

describe('outcomeView', () => {
  it('shows the outcome and the detail verbatim', () => {
    const v = outcomeView({
      state: 'failure',
      outcome: 'sc_cryptogram_mismatch',
      detail: 'PD refused the key (cryptogram mismatch)',
    });
    expect(v.code).toBe('sc_cryptogram_mismatch');
    expect(v.full).toBe('sc_cryptogram_mismatch: PD refused the key (cryptogram mismatch)');
    expect(v.addressing).toBeNull();
  });
  it('says for scbk_rejected whether address and baud were applied', () => {
    const applied = outcomeView({
      state: 'failure',
      outcome: 'scbk_rejected',
      detail:
        'address and baud applied (address 5 @ 9600); PD holds a different SCBK — put it in install mode and retry',
    });
    expect(applied.addressing).toBe('address and baud applied');
    const preset = outcomeView({
      state: 'failure',
      outcome: 'scbk_rejected',
      detail: 'address and baud were already set (address 5 @ 9600); PD holds a different SCBK',
    });
    expect(preset.addressing).toBe('address and baud were already set');
    const unsaid = outcomeView({ state: 'failure', outcome: 'scbk_rejected', detail: '' });
    expect(unsaid.addressing).toMatch(/did not say/);
  });
  it('only scbk_rejected carries the addressing line', () => {
    expect(
      outcomeView({
        state: 'failure',
        outcome: 'keyset_failed',
        detail: 'address and baud applied (x); NAK',
      }).addressing,
    ).toBeNull();
    expect(addressingNote('address and baud not applied')).toBe('address and baud not applied');
  });
  it('explains an empty outcome by the state', () => {
    expect(outcomeView({ state: 'pending', outcome: null, detail: '' }).full).toBe(
      'no attempt yet',
    );
    expect(outcomeView({ state: 'attempting', outcome: null, detail: '' }).full).toBe(
      'attempt in progress',
    );
  });
});

describe('trackView', () => {
  it('has the six core stages, plus verify and capabilities when the options ask for them', () => {
    expect(trackStages({})).toEqual([
      'discover',
      'comset',
      'confirm',
      'install_session',
      'keyset',
      'key_verify',
    ]);
    expect(trackStages({ verify: true, capabilities: true }).slice(6)).toEqual([
      'verify',
      'capabilities',
    ]);
    expect(trackStages({}, 'capabilities')).toContain('capabilities');
  });
  it('marks stages before the last attempted one as passed and the last one with its status', () => {
    const t = trackView({ state: 'failure', stage: 'keyset', stageStatus: 'stalled' });
    expect(t.milestones.map((m) => m.mark)).toEqual([
      'passed',
      'passed',
      'passed',
      'passed',
      'stalled',
      'todo',
    ]);
    expect(t.summary).toBe('keyset stalled');
  });
  it('shows the stage in flight while attempting', () => {
    const t = trackView({
      state: 'attempting',
      stage: 'install_session',
      stageStatus: 'in_flight',
    });
    expect(t.milestones[3]!.mark).toBe('in_flight');
    expect(t.summary).toBe('install session in flight');
  });
  it('shows a queued attempt and a fresh step without any mark', () => {
    expect(trackView({ state: 'attempting', stage: 'queued', stageStatus: null }).summary).toBe(
      'queued for the bus',
    );
    const fresh = trackView({ state: 'pending', stage: null, stageStatus: null });
    expect(fresh.summary).toBe('not attempted');
    expect(fresh.milestones.every((m) => m.mark === 'todo')).toBe(true);
  });
  it('a success marks every stage up to the last as reached', () => {
    const t = trackView(
      { state: 'success', stage: 'verify', stageStatus: 'done' },
      { verify: true },
    );
    expect(t.milestones.map((m) => m.mark)).toEqual([
      'passed',
      'passed',
      'passed',
      'passed',
      'passed',
      'passed',
      'done',
    ]);
  });
});
