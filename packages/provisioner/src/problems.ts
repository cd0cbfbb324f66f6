// Problems found in a profile or a profile file: where (a JSON path like `manualAddresses[3]`) and
// what to do. Shared by profile-schema.ts and profile-file.ts. Messages never echo key material:
// values are only described for fields that cannot carry it.

export interface ProfileProblem {
  /** Where the problem is: `name`, `manualAddresses[3]`, `profile.baud`; '' for the whole input. */
  path: string;
  /** What is wrong and what to do, in one line. */
  message: string;
}

/** The longest problem list reported; past it a final "…more problems" entry stands for the rest. */
export const MAX_PROBLEMS = 100;

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** `parent.key`, `parent[3]`, or `parent["odd key"]` for keys that are not identifiers. */
export function childPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  if (IDENTIFIER.test(key)) return parent === '' ? key : `${parent}.${key}`;
  return `${parent}[${JSON.stringify(clip(key, 40))}]`;
}

function clip(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n)}…` : s;
}

/** A short description of a value for "got …" messages; strings are clipped. */
export function describe(x: unknown): string {
  if (x === undefined) return 'nothing';
  if (x === null) return 'null';
  // A long run of hex could be key material pasted into the wrong field: never echo it.
  if (typeof x === 'string')
    return /^[\s0-9a-fx:,-]{16,}$/i.test(x)
      ? 'a long hex string'
      : `the text ${JSON.stringify(clip(x, 24))}`;
  if (typeof x === 'number' || typeof x === 'boolean' || typeof x === 'bigint') return String(x);
  if (Array.isArray(x)) return 'a list';
  if (typeof x === 'object') return 'an object';
  return `a ${typeof x}`;
}

/** One problem per line: `path: message` (just the message for the whole input). */
export function formatProblems(problems: readonly ProfileProblem[]): string {
  return problems.map((p) => (p.path === '' ? p.message : `${p.path}: ${p.message}`)).join('\n');
}

/** Caps a problem list at MAX_PROBLEMS so a hostile input cannot make an unbounded report. */
export function capProblems(problems: ProfileProblem[]): ProfileProblem[] {
  if (problems.length <= MAX_PROBLEMS) return problems;
  const rest = problems.length - (MAX_PROBLEMS - 1);
  return [
    ...problems.slice(0, MAX_PROBLEMS - 1),
    { path: '', message: `…and ${rest} more problems` },
  ];
}

/** Field names that would carry key material; a profile never holds a seed or an SCBK. */
export function isKeyMaterialName(key: string): boolean {
  return /seed|scbk/i.test(key);
}

/** The closest known name to a misspelt one (case slips, ≤2 edits), for "did you mean" hints. */
export function closestName(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = 3;
  for (const k of known) {
    const d = k.toLowerCase() === key.toLowerCase() ? 0 : editDistance(key, k, bestD);
    if (d < bestD) {
      best = k;
      bestD = d;
    }
  }
  return best;
}

/** Levenshtein distance, giving up (returning `limit`) once it must exceed `limit - 1`. */
function editDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) >= limit || a.length > 64 || b.length > 64) return limit;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const d = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      cur.push(d);
      rowMin = Math.min(rowMin, d);
    }
    if (rowMin >= limit) return limit;
    prev = cur;
  }
  return Math.min(prev[b.length]!, limit);
}
