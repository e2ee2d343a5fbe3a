/**
 * What every benchmark reports: one row per figure, compared with the baseline measured in the same run.
 * `ratio` is ours / baseline for throughputs (higher is better) and baseline-free figures carry their
 * target instead; `pass` says whether the target holds. bench/run.ts writes these rows to
 * bench/results/latest.json.
 */
export type BenchResult = {
  bench: string;
  metric: string;
  value: number;
  unit: string;
  baseline: string | null;
  baseline_value: number | null;
  ratio: number | null;
  /** Human-readable target, e.g. "≥ 1.0 × graphile-worker" or "≤ 50 ms". */
  target: string | null;
  pass: boolean | null;
};

export type BenchSize = 'smoke' | 'full';

export type BenchContext = {
  /** A PostgreSQL server URL (any database on it); benchmarks create and drop their own databases. */
  databaseUrl: string;
  /** `smoke` = tiny sizes, so the harness is tested in npm test; `full` = the sizes the issue names. */
  size: BenchSize;
  /** Runs per side; medians are reported. At least 3 in full size. */
  reps: number;
  /**
   * The whole suite is running (`npm run bench` with no names): it must finish within 15 minutes, so
   * the benchmarks whose issue sizes would break that (queue, import) run smaller ones, and say so.
   */
  suite: boolean;
  log(line: string): void;
};

export type Bench = { name: string; describe: string; run(ctx: BenchContext): Promise<BenchResult[]> };

export function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/**
 * Runs each side `reps` times, alternating (ours, baseline, ours, ...) so drift on a shared machine
 * hits both alike, and returns the medians of what each run measured.
 */
export async function alternate(reps: number, sides: Record<string, () => Promise<number>>): Promise<Record<string, number>> {
  const samples: Record<string, number[]> = Object.fromEntries(Object.keys(sides).map((k) => [k, []]));
  for (let i = 0; i < reps; i++) {
    for (const [name, run] of Object.entries(sides)) samples[name]!.push(await run());
  }
  return Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)]));
}

/** A throughput compared with a baseline: passes when ours ≥ minRatio × baseline. */
export function ratioResult(bench: string, metric: string, unit: string, value: number, baseline: string, baselineValue: number, minRatio: number): BenchResult {
  const ratio = value / baselineValue;
  return { bench, metric, value, unit, baseline, baseline_value: baselineValue, ratio, target: `≥ ${minRatio} × ${baseline}`, pass: ratio >= minRatio };
}

/** A throughput compared with a reference measured in the same run, for information: a ratio, no target. */
export function comparisonResult(bench: string, metric: string, unit: string, value: number, baseline: string, baselineValue: number): BenchResult {
  return { bench, metric, value, unit, baseline, baseline_value: baselineValue, ratio: value / baselineValue, target: null, pass: null };
}

/** A figure with a ceiling and no baseline: passes when value ≤ max. */
export function ceilingResult(bench: string, metric: string, unit: string, value: number, max: number): BenchResult {
  return { bench, metric, value, unit, baseline: null, baseline_value: null, ratio: null, target: `≤ ${max} ${unit}`, pass: value <= max };
}

/** A figure reported for information (e.g. a peer's own rate), with no target. */
export function infoResult(bench: string, metric: string, unit: string, value: number): BenchResult {
  return { bench, metric, value, unit, baseline: null, baseline_value: null, ratio: null, target: null, pass: null };
}
