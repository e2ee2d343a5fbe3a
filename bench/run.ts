/**
 * `npm run bench [name...] [--smoke] [--reps N]`: runs the named benchmarks (all when none is named)
 * against the PostgreSQL server of BENCH_DATABASE_URL (default the local server), prints one table
 * of figures and ratios, and writes them to bench/results/latest.json. Exits 1 when a target failed.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchContext, BenchResult } from './bench-result.ts';
import { benches } from './benches.ts';
import { formatResults } from './format-results.ts';

const args = process.argv.slice(2);
const smoke = args.includes('--smoke');
const repsAt = args.indexOf('--reps');
const reps = repsAt >= 0 ? Number(args[repsAt + 1]) : smoke ? 1 : 3;
const names = args.filter((a, i) => !a.startsWith('--') && args[i - 1] !== '--reps');
const unknown = names.filter((n) => !benches.some((b) => b.name === n));
if (unknown.length > 0 || !Number.isInteger(reps) || reps < 1) {
  console.error(unknown.length > 0 ? `unknown benchmark(s): ${unknown.join(', ')}` : '--reps must be a positive integer');
  console.error(`benchmarks: ${benches.map((b) => `${b.name} (${b.describe})`).join('; ')}`);
  process.exit(2);
}

const ctx: BenchContext = {
  databaseUrl: process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
  size: smoke ? 'smoke' : 'full',
  reps,
  suite: names.length === 0,
  log: (line) => console.log(`  ${line}`),
};

const results: BenchResult[] = [];
const started = performance.now();
for (const bench of benches.filter((b) => names.length === 0 || names.includes(b.name))) {
  console.log(`\n# ${bench.name}: ${bench.describe}`);
  const t0 = performance.now();
  try {
    const rows = await bench.run(ctx);
    results.push(...rows);
    console.log(formatResults(rows));
  } catch (err) {
    console.error(`  ${bench.name} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    results.push({ bench: bench.name, metric: 'run', value: 0, unit: 'error', baseline: null, baseline_value: null, ratio: null, target: 'completes', pass: false });
  }
  console.log(`  (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
}

const out = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results', 'latest.json');
await mkdir(path.dirname(out), { recursive: true });
await writeFile(out, `${JSON.stringify(results, null, 2)}\n`);
console.log(`\n# all results (${((performance.now() - started) / 1000).toFixed(0)} s), written to ${path.relative(process.cwd(), out)}`);
console.log(formatResults(results));
const failed = results.filter((r) => r.pass === false);
console.log(failed.length === 0 ? 'every target passed' : `${failed.length} target(s) missed: ${failed.map((r) => `${r.bench}/${r.metric}`).join(', ')}`);
process.exit(failed.length === 0 ? 0 : 1);
