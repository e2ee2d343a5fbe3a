/**
 * The "grid" benchmark (issue 5): p50/p95 of one grid page (50 rows, exactly what
 * GET /api/v1/invitations runs) for each filter combination over ROWS invitations on PostgreSQL,
 * with the index each plan uses. Target: p95 ≤ 50 ms each.
 *
 *   node --import tsx bench/grid/grid-bench.ts [rows=1000000] [runs=40]
 *
 * BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres) names the server; the
 * benchmark creates its own database there and drops it at the end.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createLinkTokens } from '../../src/app/link-tokens.ts';
import { resolveInvitationFilter } from '../../src/app/invitation-filter.ts';
import { isNarrowRange } from '../../src/app/grid-range-hint.ts';
import { gridRangeQuery, readGridPage } from '../../src/app/list-invitations.ts';
import { createTenant } from '../../src/app/tenants.ts';
import { createDatabase } from '../../src/db/create-database.ts';
import { migrate } from '../../src/db/migrate.ts';
import { cursorAt, gridCombinations } from './grid-combinations.ts';
import { seedGrid } from './seed-grid.ts';

export type GridBenchRow = { name: string; p50: number; p95: number; rows: number; index: string; pass: boolean };

const TARGET_P95_MS = 50;

function serverUrl(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

type PlanNode = { 'Node Type': string; 'Index Name'?: string; Plans?: PlanNode[] };
const indexNames = (n: PlanNode): string[] => [...(n['Index Name']?.startsWith('invitations') ? [n['Index Name']] : []), ...(n.Plans ?? []).flatMap(indexNames)];

export async function runGridBench(baseUrl: string, rows: number, runs: number, log: (line: string) => void): Promise<GridBenchRow[]> {
  const name = `ri_bench_grid_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl(baseUrl, 'postgres') });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  const database = await createDatabase({ kind: 'postgres', url: serverUrl(baseUrl, name), poolSize: 2 });
  try {
    await migrate(database.pool);
    const now = new Date();
    const deps = { db: database.db, clock: { now: () => now }, links: createLinkTokens('bench-secret'), publicUrl: 'https://bench.example' };
    const small = await createTenant(deps, { name: 'Small Shop' });
    await seedGrid(database.db, small.tenant.id, Math.max(1, Math.floor(rows / 50)), now);
    const big = await createTenant(deps, { name: 'Big Shop' });
    const started = performance.now();
    await seedGrid(database.db, big.tenant.id, rows, now);
    log(`seeded ${rows} invitations in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    await database.pool.query('VACUUM ANALYZE invitations');
    await database.pool.query('VACUUM ANALYZE orders');

    const results: GridBenchRow[] = [];
    for (const combo of gridCombinations(now)) {
      const filter = await resolveInvitationFilter(database.db, big.tenant.id, combo.filter);
      const cursor = combo.deep === undefined ? undefined : await cursorAt(deps, big.tenant.id, filter, combo.sort, combo.order, combo.deep);
      const req = { sort: combo.sort, order: combo.order, limit: 50, cursor };
      const planned = { ...req, matchFirst: await isNarrowRange(database.db, big.tenant.id, filter, combo.sort) };
      const times: number[] = [];
      let count = 0;
      for (let i = 0; i < runs + 3; i++) {
        const t0 = performance.now();
        const page = await readGridPage(deps, big.tenant.id, filter, req);
        const ms = performance.now() - t0;
        if (i >= 3) times.push(ms);
        count = page.rows.length;
      }
      times.sort((a, b) => a - b);
      const compiled = gridRangeQuery(deps, big.tenant.id, filter, planned, false, cursor, 51).compile();
      const plan = (await database.pool.query(`EXPLAIN (FORMAT JSON) ${compiled.sql}`, compiled.parameters as unknown[])).rows[0]['QUERY PLAN'][0].Plan as PlanNode;
      const row = { name: combo.name, p50: percentile(times, 50), p95: percentile(times, 95), rows: count, index: [...new Set(indexNames(plan))].join('+'), pass: percentile(times, 95) <= TARGET_P95_MS };
      results.push(row);
      log(`${row.name.padEnd(44)} p50 ${row.p50.toFixed(1).padStart(7)} ms  p95 ${row.p95.toFixed(1).padStart(7)} ms  rows ${String(row.rows).padStart(3)}  ${row.pass ? 'ok  ' : 'SLOW'}  ${row.index}`);
    }
    return results;
  } finally {
    await database.close();
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.end();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rows = Number(process.argv[2] ?? 1_000_000);
  const runs = Number(process.argv[3] ?? 40);
  const url = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const results = await runGridBench(url, rows, runs, (line) => console.log(line));
  const failed = results.filter((r) => !r.pass);
  console.log(failed.length === 0 ? `all ${results.length} combinations: p95 ≤ ${TARGET_P95_MS} ms` : `${failed.length} combination(s) above ${TARGET_P95_MS} ms`);
}
