import type { BenchResult } from './bench-result.ts';

const num = (v: number | null) => (v === null ? '' : Math.abs(v) >= 100 ? Math.round(v).toString() : v.toFixed(Math.abs(v) >= 10 ? 1 : 2));

/** A Markdown table of results, so a run's output pastes into bench/README.md as it is. */
export function formatResults(rows: BenchResult[]): string {
  const lines = ['| bench | metric | value | unit | baseline | baseline value | ratio | target | pass |', '|---|---|---|---|---|---|---|---|---|'];
  for (const r of rows) {
    const pass = r.pass === null ? '' : r.pass ? 'yes' : 'NO';
    lines.push(`| ${r.bench} | ${r.metric} | ${num(r.value)} | ${r.unit} | ${r.baseline ?? ''} | ${num(r.baseline_value)} | ${r.ratio === null ? '' : r.ratio.toFixed(2)} | ${r.target ?? ''} | ${pass} |`);
  }
  return lines.join('\n');
}
