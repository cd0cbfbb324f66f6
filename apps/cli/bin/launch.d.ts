export function chooseEntry(
  dist: URL,
  root: URL,
  env: Record<string, string | undefined>,
): 'bundle' | 'sources';
