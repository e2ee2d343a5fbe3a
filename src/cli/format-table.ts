/**
 * Plain aligned columns for terminal listings: no box drawing, so the output greps and diffs well.
 */
export type Cell = string | number | Date | null | undefined;

function cellText(value: Cell): string {
  if (value === null || value === undefined) return '-';
  if (value instanceof Date) return value.toISOString().replace(/\.\d{3}Z$/, 'Z');
  // One row per line: a stray newline or tab in data (a subject, a name) must not break the layout.
  return String(value).replace(/[\r\n\t]+/g, ' ');
}

export function formatTable(header: string[], rows: Cell[][]): string {
  const text = [header, ...rows.map((r) => r.map(cellText))];
  const widths = header.map((_, i) => Math.max(...text.map((r) => (r[i] ?? '').length)));
  return text
    .map((r) => r.map((c, i) => (i === r.length - 1 ? c : (c ?? '').padEnd(widths[i] ?? 0))).join('  ').trimEnd())
    .join('\n');
}
