/**
 * The "grid" benchmark (issue 5): p50/p95 of one grid page (50 rows, exactly what
 * GET /api/v1/invitations runs) for each filter combination over ROWS invitations on PostgreSQL,
 * with the index each plan uses. Target: p95 ≤ 50 ms each.
 *
 *   npm run bench grid
 *
 * It creates its own database on the BENCH_DATABASE_URL server and drops it at the end.
 */
import { createLinkTokens } from '../../src/app/link-tokens.ts';
import { resolveInvitationFilter } from '../../src/app/invitation-filter.ts';
import { isNarrowRange } from '../../src/app/grid-range-hint.ts';
import { gridRangeQuery, readGridPage } from '../../src/app/list-invitations.ts';
import { createTenant } from '../../src/app/tenants.ts';
import { createDatabase } from '../../src/db/create-database.ts';
import { migrate } from '../../src/db/migrate.ts';
import { cursorAt, gridCombinations } from './grid-combinations.ts';
import { seedGrid, withIndexesAndForeignKeysAfter } from './seed-grid.ts';
import { ceilingResult, percentile, type Bench } from '../bench-result.ts';
import { withScratchDatabase } from '../bench-database.ts';

export type GridBenchRow = { name: string; p50: number; p95: number; rows: number; index: string; pass: boolean };

const TARGET_P95_MS = 50;

type PlanNode = { 'Node Type': string; 'Index Name'?: string; Plans?: PlanNode[] };
const indexNames = (n: PlanNode): string[] => [...(n['Index Name']?.startsWith('invitation') ? [n['Index Name']] : []), ...(n.Plans ?? []).flatMap(indexNames)];

export function runGridBench(serverUrl: string, rows: number, runs: number, log: (line: string) => void): Promise<GridBenchRow[]> {
  return withScratchDatabase(serverUrl, 'grid', (url) => measureGrid(url, rows, runs, log));
}

async function measureGrid(url: string, rows: number, runs: number, log: (line: string) => void): Promise<GridBenchRow[]> {
  const database = await createDatabase({ kind: 'postgres', url, poolSize: 2 });
  try {
    await migrate(database.pool);
    const now = new Date();
    const deps = { db: database.db, clock: { now: () => now }, links: createLinkTokens('bench-secret'), publicUrl: 'https://bench.example' };
    const small = await createTenant(deps, { name: 'Small Shop' });
    const big = await createTenant(deps, { name: 'Big Shop' });
    const started = performance.now();
    await withIndexesAndForeignKeysAfter(database.db, ['orders', 'invitations', 'invitation_search'], async () => {
      await seedGrid(database.db, small.tenant.id, Math.max(1, Math.floor(rows / 50)), now);
      await seedGrid(database.db, big.tenant.id, rows, now);
    });
    log(`seeded ${rows} invitations in ${((performance.now() - started) / 1000).toFixed(1)} s (indexes and foreign keys built after the load)`);
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
  }
}

export const gridBench: Bench = {
  name: 'grid',
  describe: 'p95 of the queue grid\'s filter combinations and keyset pages over 1,000,000 invitations (PostgreSQL)',
  async run(ctx) {
    const rows = ctx.size === 'smoke' ? 2_000 : 1_000_000;
    const results = await runGridBench(ctx.databaseUrl, rows, ctx.size === 'smoke' ? 5 : 40, ctx.log);
    return results.map((r) => ceilingResult('grid', `p95 ${r.name} [${r.index || 'no index'}]`, 'ms', r.p95, TARGET_P95_MS));
  },
};

