// The profile import/export file: versioned, key-free, with clear errors for anything else.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  parseProfileFile,
  profileFileName,
  serializeProfileFile,
  PROFILE_FILE_KIND,
} from '../src/profile-file.ts';
import { InvalidProfileError, formatProblems } from '../src/profile-schema.ts';
import { buildKeyExport, toCsv, toJson } from '../src/export.ts';
import type { Profile } from '../src/profile.ts';
import { fromHex } from '@osprio/osdp';
import { baseProfile, validProfileArb } from './profile-arbitrary.ts';

const KEYISH = '8d2e60365f17c7df1040d7501b4a7b5a';

function problems(text: string) {
  const r = parseProfileFile(text);
  if (r.ok) throw new Error('expected problems');
  return r.problems;
}

function fileWith(profile: unknown, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ kind: 'osprio-profile', version: 1, profile, ...extra });
}

describe('serializeProfileFile', () => {
  it('writes kind, version and exactly the profile fields, with a trailing newline', () => {
    const text = serializeProfileFile(baseProfile());
    expect(text.endsWith('}\n')).toBe(true);
    expect(JSON.parse(text)).toEqual({
      kind: PROFILE_FILE_KIND,
      version: 1,
      profile: baseProfile(),
    });
  });

  it('leaves out anything else the object carries, such as a seed or a session id', () => {
    const withSecrets = {
      ...baseProfile(),
      seed: Uint8Array.from({ length: 16 }, (_, i) => 0xa0 + i),
      seedHex: KEYISH,
      sessionId: 'x',
    } as unknown as Profile;
    const text = serializeProfileFile(withSecrets);
    expect(text).not.toMatch(/seed|session|scbk/i);
    expect(text).not.toContain(KEYISH);
    expect(text).not.toContain('160'); // 0xa0, the first seed byte as a JSON number
  });

  it('refuses an invalid profile rather than write a file that would not import', () => {
    expect(() => serializeProfileFile(baseProfile({ deviceCount: 0 }))).toThrow(
      InvalidProfileError,
    );
  });

  it('round-trips every valid profile', () => {
    fc.assert(
      fc.property(validProfileArb, (p) => {
        expect(parseProfileFile(serializeProfileFile(p))).toEqual({ ok: true, profile: p });
      }),
      { numRuns: 300 },
    );
  });

  it('suggests a safe file name', () => {
    expect(profileFileName({ name: ' Lobby / East #2 ' })).toBe('lobby-east-2.osprio-profile.json');
    expect(profileFileName({ name: '***' })).toBe('profile.osprio-profile.json');
  });
});

describe('parseProfileFile', () => {
  it('reads a file written by hand, applying defaults and tolerating a BOM', () => {
    const text = `\uFEFF{"kind":"osprio-profile","version":1,"profile":{"name":"Gate","deviceCount":2,"addressStrategy":"manual","manualAddresses":[9,3],"baud":9600}}`;
    const r = parseProfileFile(text);
    expect(r.ok && r.profile).toMatchObject({
      name: 'Gate',
      manualAddresses: [9, 3],
      expectedCapabilities: [],
      timeoutMs: 0,
      autoVerify: false,
    });
  });

  it('not JSON: says so, where it breaks, and never quotes the text', () => {
    const ps = problems(`{"profile": {"name": "x", "note": "${KEYISH}" oops`);
    expect(ps).toHaveLength(1);
    expect(ps[0]!.message).toMatch(/^this file is not JSON/);
    expect(ps[0]!.message).not.toContain(KEYISH);
    expect(ps[0]!.message).not.toContain('oops');
    expect(problems('hello')[0]!.message).toMatch(/^this file is not JSON/);
  });

  it('an empty file', () => {
    expect(problems('  \n')[0]!.message).toBe('the file is empty; pick a profile .json file');
  });

  it('JSON that is not an object', () => {
    expect(problems('[1,2]')[0]!.message).toMatch(
      /^this file is not an Osprio profile: it holds a list/,
    );
    expect(problems('42')[0]!.message).toMatch(
      /^this file is not an Osprio profile: it holds a single value/,
    );
  });

  it('a file from another program: no kind, or another kind', () => {
    expect(problems(JSON.stringify({ name: 'x', deviceCount: 1 }))[0]!.message).toMatch(
      /^this looks like a bare profile without the file header/,
    );
    expect(problems(JSON.stringify({ editor: 'x' }))).toEqual([
      {
        path: 'kind',
        message:
          'this file is not an Osprio profile: it has no "kind" (expected "osprio-profile"); it may come from another program',
      },
    ]);
    expect(problems(JSON.stringify({ kind: 'vscode-settings' }))[0]!.message).toBe(
      'this file is not an Osprio profile: its kind is "vscode-settings", expected "osprio-profile"; it may come from another program',
    );
    expect(problems(JSON.stringify({ kind: KEYISH }))[0]!.message).toBe(
      'this file is not an Osprio profile: its kind is a long hex string, expected "osprio-profile"; it may come from another program',
    );
    expect(problems(JSON.stringify({ kind: 7 }))[0]!.message).toMatch(/its kind is 7, expected/);
  });

  it('our own key export, JSON or CSV, is recognised as such and its keys are not echoed', () => {
    const exp = buildKeyExport(
      {
        sessionId: 'c0ffee00-1234-4abc-8def-0123456789ab',
        seed: new Uint8Array(16),
        slotState: 'complete',
        steps: [{ index: 0, address: 1, baud: 9600, state: 'success' }],
      },
      () => fromHex(KEYISH),
    );
    const json = problems(toJson(exp));
    expect(json).toHaveLength(1);
    expect(json[0]!.message).toMatch(/^this is a key export, not a profile/);
    const csv = problems(toCsv(exp));
    expect(csv[0]!.message).toMatch(
      /^this is a key export \(CSV of provisioned SCBKs\), not a profile/,
    );
    expect(JSON.stringify([json, csv])).not.toContain(KEYISH);
  });

  it('a newer version is refused with both versions named', () => {
    expect(problems(fileWith(baseProfile(), { version: 2 }))).toEqual([
      {
        path: 'version',
        message:
          'version 2 is newer than this tool reads (1); update Osprio Provisioner to import it',
      },
    ]);
  });

  it('a missing or malformed version', () => {
    const { version: _v, ...noVersion } = JSON.parse(fileWith(baseProfile()));
    expect(problems(JSON.stringify(noVersion))).toEqual([
      { path: 'version', message: 'missing; this tool reads profile files of version 1' },
    ]);
    expect(problems(fileWith(baseProfile(), { version: '1' }))[0]!.message).toBe(
      'the text "1" is not a profile file version; this tool reads version 1',
    );
    expect(problems(fileWith(baseProfile(), { version: 0 }))[0]!.message).toBe(
      '0 is not a profile file version; this tool reads version 1',
    );
  });

  it('refuses a file carrying a seed or an SCBK anywhere, naming the field but never its value', () => {
    const cases = [
      [fileWith({ ...baseProfile(), seed: KEYISH }), 'profile.seed'],
      [fileWith(baseProfile(), { seedHex: KEYISH }), 'seedHex'],
      [fileWith(baseProfile(), { extra: [{ scbk: KEYISH }] }), 'extra[0].scbk'],
      [
        fileWith({ ...baseProfile(), expectedCapabilities: [{ functionCode: 9, SCBK: [1, 2] }] }),
        'profile.expectedCapabilities[0].SCBK',
      ],
    ] as const;
    for (const [text, path] of cases) {
      const ps = problems(text);
      expect(ps).toHaveLength(1);
      expect(ps[0]!.path).toBe(path);
      expect(ps[0]!.message).toMatch(
        /^profile files never carry key material \(seeds or SCBKs\); remove this field/,
      );
      expect(JSON.stringify(ps)).not.toContain(KEYISH);
    }
  });

  it('reports the profile problems with their place in the file, all at once', () => {
    const ps = problems(
      fileWith({
        ...baseProfile({
          addressStrategy: 'manual',
          deviceCount: 4,
          manualAddresses: [1, 2, 3, 130],
        }),
        baud: 1,
      }),
    );
    expect(formatProblems(ps)).toBe(
      'profile.manualAddresses[3]: 130 is above 126, the highest PD address; use 0–126\n' +
        'profile.baud: 1 is not a supported baud rate; use one of 9600, 19200, 38400, 57600, 115200, 230400',
    );
  });

  it('a missing profile, a profile that is not an object, unknown top-level fields', () => {
    expect(problems(JSON.stringify({ kind: 'osprio-profile', version: 1 }))).toEqual([
      { path: 'profile', message: 'missing; the file holds no profile' },
    ]);
    expect(problems(fileWith('x'))).toEqual([
      { path: 'profile', message: 'expected a profile object, got the text "x"' },
    ]);
    expect(problems(fileWith(baseProfile(), { profiles: [] }))).toEqual([
      { path: 'profiles', message: 'unknown field; remove it (did you mean "profile"?)' },
    ]);
  });

  it('an oversized text is refused without parsing', () => {
    expect(problems(' '.repeat(1_000_001))[0]!.message).toMatch(/far larger than a profile file/);
  });

  it('never throws on arbitrary text or JSON', () => {
    fc.assert(
      fc.property(fc.string(), (s) => void parseProfileFile(s)),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(fc.jsonValue(), (x) => {
        void parseProfileFile(JSON.stringify(x));
        void parseProfileFile(fileWith(x));
      }),
      { numRuns: 300 },
    );
  });
});
