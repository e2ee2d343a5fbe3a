/**
 * The benchmark harness must not rot: every registered benchmark runs here at its smoke size against
 * the test PostgreSQL server and must report well-formed figures. Timings are not asserted (shared,
 * noisy machines); `npm run bench` is where they are judged.
 */
import { describe, expect, it } from 'vitest';
import type { BenchResult } from './bench-result.ts';
import { benches } from './benches.ts';
import { runBatchLoop } from './ingest/batch-loop.ts';

const serverUrl = process.env.TEST_DATABASE_URL;

describe.skipIf(!serverUrl)('benchmarks at smoke size', () => {
  it.each(benches.map((b) => [b.name, b] as const))('%s reports well-formed figures', async (_name, bench) => {
    const results: BenchResult[] = await bench.run({ databaseUrl: serverUrl!, size: 'smoke', reps: 1, suite: true, log: () => {} });
    expect(results.length).toBeGreaterThan(0);
    for (const r of results) {
      expect(r.bench).toBe(bench.name);
      expect(r.metric).not.toBe('');
      expect(Number.isFinite(r.value) && r.value >= 0, `${r.metric} = ${r.value}`).toBe(true);
      if (r.baseline !== null) {
        expect(Number.isFinite(r.baseline_value) && r.baseline_value! > 0, `${r.metric} baseline = ${r.baseline_value}`).toBe(true);
        expect(r.ratio).toBeCloseTo(r.value / r.baseline_value!, 6);
      }
      if (r.target !== null) expect(typeof r.pass).toBe('boolean');
    }
  }, 600_000);

  it('the batch loop (bench/ingest/batch-loop.ts) reports its figures, and no statement planned again', async () => {
    const figures = await runBatchLoop(serverUrl!, [1, 3], 12);
    expect(figures.map((f) => f.size)).toEqual([1, 3]);
    for (const f of figures) {
      expect(f.orders).toBe(12);
      expect(f.wallMsPerBatch).toBeGreaterThan(0);
      expect(f.pgCpuUsPerOrder === null || f.pgCpuUsPerOrder >= 0).toBe(true);
      expect(f.plannedAgain).toEqual([]);
    }
  }, 120_000);
});
