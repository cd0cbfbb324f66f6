// Plain-text tables for terminal output: columns padded to their widest cell, numbers right-aligned.

export interface TableOptions {
  /** Column indexes to right-align (numbers). */
  right?: readonly number[];
  indent?: string;
}

/** Lines of a table: a header row, then one line per row; trailing spaces trimmed. */
export function table(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  opts: TableOptions = {},
): string[] {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  const right = new Set(opts.right ?? []);
  const indent = opts.indent ?? '';
  return all.map((r) =>
    `${indent}${widths.map((w, i) => (right.has(i) ? (r[i] ?? '').padStart(w) : (r[i] ?? '').padEnd(w))).join('  ')}`.trimEnd(),
  );
}
