export function chooseEntry(
  dist: URL,
  root: URL,
  argv: readonly string[],
  env: Record<string, string | undefined>,
): 'status.cjs' | 'main.js' | 'sources';
