// An imported profile file's problems, each placed against the file's field it is about: the JSON
// path as written in the file, and the form label it corresponds to (so a person can find it in
// either place).

import type { ProfileProblem } from '@osprio/provisioner';
import { FIELD_LABELS, fieldOf, formMessage } from './form-state.ts';

export interface FileProblemRow {
  /** The JSON path in the file (`profile.manualAddresses[3]`), or '' for the file as a whole. */
  path: string;
  /** Where a person sees it: a form label ("Device count"), "File header", or "Whole file". */
  where: string;
  message: string;
}

export function fileProblemRows(problems: readonly ProfileProblem[]): FileProblemRow[] {
  return problems.map((p) => ({ path: p.path, where: whereOf(p.path), message: formMessage(p) }));
}

function whereOf(path: string): string {
  if (path === '') return 'Whole file';
  if (path === 'kind' || path === 'version') return 'File header';
  if (path === 'profile') return 'Profile';
  const f = fieldOf(path);
  return f === null ? 'Unknown field' : FIELD_LABELS[f];
}
