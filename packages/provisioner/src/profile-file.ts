// The profile file for import/export: `{ "kind": "osprio-profile", "version": 1, "profile": {...} }`.
// It carries the plan only — never a seed or a key (a fresh seed is made when a profile is written
// to a slot), and a file that carries one is refused. Parsing never throws and never echoes file
// content that could be key material.

import type { Profile } from './profile.ts';
import { assertValidProfile, validateProfile } from './profile-schema.ts';
import {
  capProblems,
  childPath,
  closestName,
  describe,
  isKeyMaterialName,
  type ProfileProblem,
} from './problems.ts';
import { KEY_EXPORT_KIND } from './export.ts';

export const PROFILE_FILE_KIND = 'osprio-profile';
export const PROFILE_FILE_VERSION = 1;
/** A profile file is a few kB at most; anything far larger is not one. */
export const MAX_PROFILE_FILE_CHARS = 1_000_000;

export interface ProfileFile {
  kind: typeof PROFILE_FILE_KIND;
  version: typeof PROFILE_FILE_VERSION;
  profile: Profile;
}

export type ProfileFileResult =
  { ok: true; profile: Profile } | { ok: false; problems: ProfileProblem[] };

const FILE_FIELDS = ['kind', 'version', 'profile'] as const;

function fail(message: string, path = ''): ProfileFileResult {
  return { ok: false, problems: [{ path, message }] };
}

/** Reads a profile file's text: the profile, or every problem with where it is and what to do. */
// eslint-disable-next-line max-lines-per-function -- the file checks in the order a person would fix them, each returning its own message
export function parseProfileFile(text: string): ProfileFileResult {
  if (typeof text !== 'string') return fail('expected the text of a profile file');
  if (text.length > MAX_PROFILE_FILE_CHARS) {
    return fail(
      `this file is ${text.length} characters long, far larger than a profile file; pick the .json file exported from a slot`,
    );
  }
  const body = text.replace(/^\uFEFF/, '');
  if (body.trim() === '') return fail('the file is empty; pick a profile .json file');
  if (/^\s*pd_address\s*,\s*baudrate\s*,\s*scbk/i.test(body)) {
    return fail(
      'this is a key export (CSV of provisioned SCBKs), not a profile; pick a profile .json file',
    );
  }
  let doc: unknown;
  try {
    doc = JSON.parse(body);
  } catch (e) {
    // The parser's message quotes the text around the error, which could be key material:
    // keep only where it stopped.
    const where =
      e instanceof Error ? /(line \d+ column \d+|position \d+)/.exec(e.message)?.[1] : undefined;
    return fail(
      `this file is not JSON${where ? ` (it breaks at ${where})` : ''}; pick a profile .json file exported from Osprio Provisioner`,
    );
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    return fail(
      `this file is not an Osprio profile: it holds ${Array.isArray(doc) ? 'a list' : 'a single value'}, not an object with kind "${PROFILE_FILE_KIND}"`,
    );
  }
  const file = doc as Record<string, unknown>;

  const kind = file['kind'];
  if (kind === KEY_EXPORT_KIND) {
    return fail(
      `this is a key export, not a profile ("${KEY_EXPORT_KIND}"); pick a profile .json file`,
      'kind',
    );
  }
  if (
    kind === undefined &&
    (Object.hasOwn(file, 'deviceCount') || Object.hasOwn(file, 'addressStrategy'))
  ) {
    return fail(
      `this looks like a bare profile without the file header; a profile file is { "kind": "${PROFILE_FILE_KIND}", "version": ${PROFILE_FILE_VERSION}, "profile": { … } }`,
      'kind',
    );
  }
  if (kind === undefined) {
    return fail(
      `this file is not an Osprio profile: it has no "kind" (expected "${PROFILE_FILE_KIND}"); it may come from another program`,
      'kind',
    );
  }
  if (kind !== PROFILE_FILE_KIND) {
    const shown =
      typeof kind === 'string' && kind.length <= 40 && !/^[\s0-9a-fx:,-]{16,}$/i.test(kind)
        ? JSON.stringify(kind)
        : describe(kind);
    return fail(
      `this file is not an Osprio profile: its kind is ${shown}, expected "${PROFILE_FILE_KIND}"; it may come from another program`,
      'kind',
    );
  }

  const problems: ProfileProblem[] = [];
  // Key material anywhere in the file refuses it outright, before anything else is read.
  findKeyMaterial(file, '', problems, 0);
  if (problems.length > 0) return { ok: false, problems: capProblems(problems) };

  const version = file['version'];
  if (version === undefined) {
    problems.push({
      path: 'version',
      message: `missing; this tool reads profile files of version ${PROFILE_FILE_VERSION}`,
    });
  } else if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
    problems.push({
      path: 'version',
      message: `${describe(version)} is not a profile file version; this tool reads version ${PROFILE_FILE_VERSION}`,
    });
  } else if (version > PROFILE_FILE_VERSION) {
    return fail(
      `version ${version} is newer than this tool reads (${PROFILE_FILE_VERSION}); update Osprio Provisioner to import it`,
      'version',
    );
  }
  for (const key of Object.keys(file)) {
    if ((FILE_FIELDS as readonly string[]).includes(key)) continue;
    const guess = closestName(key, FILE_FIELDS);
    problems.push({
      path: childPath('', key),
      message: `unknown field; remove it${guess ? ` (did you mean "${guess}"?)` : ''}`,
    });
  }
  if (!Object.hasOwn(file, 'profile')) {
    problems.push({ path: 'profile', message: 'missing; the file holds no profile' });
  } else {
    const r = validateProfile(file['profile']);
    if (!r.ok) {
      for (const p of r.problems)
        problems.push({
          path: p.path === '' ? 'profile' : `profile${p.path.startsWith('[') ? '' : '.'}${p.path}`,
          message: p.message,
        });
    } else if (problems.length === 0) {
      return { ok: true, profile: r.profile };
    }
  }
  return { ok: false, problems: capProblems(problems) };
}

/** Paths of fields named like a seed or an SCBK, anywhere in the document (never their values). */
function findKeyMaterial(x: unknown, path: string, out: ProfileProblem[], depth: number): void {
  if (depth > 32 || typeof x !== 'object' || x === null) return;
  if (Array.isArray(x)) {
    x.forEach((e, i) => findKeyMaterial(e, childPath(path, i), out, depth + 1));
    return;
  }
  for (const [k, val] of Object.entries(x)) {
    const p = childPath(path, k);
    if (isKeyMaterialName(k)) {
      out.push({
        path: p,
        message:
          'profile files never carry key material (seeds or SCBKs); remove this field — a fresh seed is made when the profile is written to a slot',
      });
    } else {
      findKeyMaterial(val, p, out, depth + 1);
    }
  }
}

/**
 * The file text for a profile: validated (throws InvalidProfileError if not valid), with exactly
 * the Profile fields — whatever else the object carries (a seed, a session id) is left out.
 */
export function serializeProfileFile(profile: Profile): string {
  const p = assertValidProfile(pickProfileFields(profile));
  const file: ProfileFile = { kind: PROFILE_FILE_KIND, version: PROFILE_FILE_VERSION, profile: p };
  return `${JSON.stringify(file, null, 2)}\n`;
}

function pickProfileFields(p: Profile): Profile {
  return {
    name: p.name,
    deviceCount: p.deviceCount,
    addressStrategy: p.addressStrategy,
    startAddress: p.startAddress,
    manualAddresses: p.manualAddresses,
    baud: p.baud,
    expectedCapabilities: p.expectedCapabilities?.map((c) => ({
      functionCode: c.functionCode,
      minCompliance: c.minCompliance,
      minCount: c.minCount,
    })),
    timeoutMs: p.timeoutMs,
    autoVerify: p.autoVerify,
  };
}

/** A file name for a profile export: the name reduced to safe characters. */
export function profileFileName(profile: Pick<Profile, 'name'>): string {
  const base = profile.name
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 48);
  return `${base || 'profile'}.osprio-profile.json`;
}
