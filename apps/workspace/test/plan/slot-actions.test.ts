import { describe, expect, it } from 'vitest';
import type { SlotState, SlotSummary } from '@osprio/link';
import { parseProfileFile } from '@osprio/provisioner';
import { deleteQuestion, slotActions, stateNote } from '../../src/plan/slot-actions.ts';
import { fileProblemRows } from '../../src/plan/file-problems.ts';

function summary(state: SlotState, over: Partial<SlotSummary['counters']> = {}): SlotSummary {
  return {
    index: 2,
    state,
    profileName: state === 'empty' ? null : 'Site A',
    sessionId: null,
    counters: { total: 10, provisioned: 4, failed: 1, skipped: 2, pending: 3, ...over },
    lastSeq: 0,
  };
}

describe('slotActions', () => {
  it('offers Create and Import only on an empty slot, Open only on a sealed one', () => {
    expect(slotActions('empty')).toEqual({
      create: true,
      import: true,
      open: false,
      delete: false,
    });
    expect(slotActions('staging')).toEqual({
      create: false,
      import: false,
      open: false,
      delete: true,
    });
    expect(slotActions('ready')).toEqual({
      create: false,
      import: false,
      open: true,
      delete: true,
    });
    expect(slotActions('complete')).toEqual({
      create: false,
      import: false,
      open: true,
      delete: true,
    });
  });
});

describe('plain words', () => {
  it('a staging slot reads as an unfinished upload', () => {
    expect(stateNote(summary('staging', { total: 32 }))).toBe(
      'Unfinished upload (32 steps so far)',
    );
    expect(deleteQuestion(summary('staging')).body).toMatch(/unfinished upload is discarded/);
  });
  it('deleting a complete slot warns that its keys can no longer be exported', () => {
    const q = deleteQuestion(summary('complete'));
    expect(q.title).toBe('Delete slot 2 (“Site A”)?');
    expect(q.body).toMatch(/Export the keys of the 4 provisioned PDs first if you still need them/);
    expect(deleteQuestion(summary('complete', { provisioned: 1 })).body).toMatch(
      /Export the key of the 1 provisioned PD first if you still need it/,
    );
    expect(deleteQuestion(summary('complete', { provisioned: 0 })).body).toMatch(
      /no keys to export/,
    );
  });
  it('deleting a ready slot states its progress', () => {
    expect(deleteQuestion(summary('ready')).body).toMatch(
      /4 provisioned, 1 failed, 2 skipped, 3 still to run/,
    );
  });
});

describe('fileProblemRows', () => {
  it('places each problem of a bad file against its JSON path and form label', () => {
    const text = JSON.stringify({
      kind: 'osprio-profile',
      version: 1,
      profile: {
        name: '',
        deviceCount: 200,
        addressStrategy: 'sequential',
        startAddress: 1,
        baud: 9601,
        colour: 'red',
      },
    });
    const r = parseProfileFile(text);
    expect(r.ok).toBe(false);
    const rows = fileProblemRows(r.ok ? [] : r.problems);
    const by = (path: string) => rows.find((x) => x.path === path);
    expect(by('profile.deviceCount')).toMatchObject({ where: 'Device count' });
    expect(by('profile.deviceCount')?.message).toMatch(/^200 is more than 126/);
    expect(by('profile.baud')).toMatchObject({ where: 'Baud rate' });
    expect(by('profile.name')).toMatchObject({ where: 'Profile name' });
    expect(by('profile.colour')).toMatchObject({
      where: 'Unknown field',
      message: 'Unknown field; remove it.',
    });
  });
  it('a file that is not a profile is a whole-file or header problem', () => {
    const notJson = parseProfileFile('{');
    expect(fileProblemRows(notJson.ok ? [] : notJson.problems)[0]).toMatchObject({
      path: '',
      where: 'Whole file',
    });
    const wrongKind = parseProfileFile('{"kind":"other"}');
    expect(fileProblemRows(wrongKind.ok ? [] : wrongKind.problems)[0]).toMatchObject({
      path: 'kind',
      where: 'File header',
    });
  });
});
