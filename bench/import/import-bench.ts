/**
 * The "import" benchmark (issue 5): our CSV order import — the real path, importOrders over the
 * file, orders + history + customers + invitations — against COPY of the same rows into a plain
 * table, on PostgreSQL, alternating in one run, rates in rows/s. Target: ≥ 0.5 × COPY.
 *
 *   npm run bench import       IMPORT_BENCH_FILE_ROWS=<n> sizes the file (default 1,000,000),
 *                              IMPORT_BENCH_ROWS=<n> how many of its rows our import writes per run
 *                              (default 100,000)
 *
 * COPY loads the whole file; our import writes its first IMPORT_BENCH_ROWS rows, because the whole
 * million at ~1,000-2,000 rows/s would take 8-17 minutes per run, three runs per side (set both to
 * 1,000,000 for the full-size figure). Each run imports into a fresh tenant, so every row is a new
 * order with its invitation; each COPY loads a fresh table. Server-side COPY reads the file, so the
 * benchmark must run on the database's machine. Peak RSS of this process during our import is
 * reported too: it stays flat however large the file (streamed, never held).
 *
 * A third side, measured in turn with the other two, is the schema floor (schema-floor.ts): the same
 * rows written into our tables by PostgreSQL alone, set-based, with no application in between — the
 * fastest any import into this schema can go here. It says how much of the gap to COPY is the data
 * model's and how much is our import's.
 */
import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { importOrders } from '../../src/app/import-orders.ts';
import { createLinkTokens } from '../../src/app/link-tokens.ts';
import { createTenant } from '../../src/app/tenants.ts';
import { createDatabase } from '../../src/db/create-database.ts';
import { migrate } from '../../src/db/migrate.ts';
import { createLogger } from '../../src/logger.ts';
import { withScratchDatabase } from '../bench-database.ts';
import { alternate, comparisonResult, infoResult, ratioResult, type Bench, type BenchContext, type BenchResult } from '../bench-result.ts';
import { writeOrdersCsv } from './orders-csv.ts';
import { writeSchemaFloor } from './schema-floor.ts';

/** The header and the first `count` data rows of a CSV file whose records are one line each. */
async function* head(file: string, count: number): AsyncGenerator<string> {
  let n = -1;
  for await (const line of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) {
    if (n++ >= count) return;
    yield `${line}\n`;
  }
}

const COLUMNS = `order_ref text, store text, status text, email text, first_name text, last_name text, customer_group text, locale text, country text,
  placed_at timestamptz, status_changed_at timestamptz, currency text, total numeric, items jsonb`;

export async function runImportBench(ctx: BenchContext): Promise<BenchResult[]> {
  const fileRows = ctx.size === 'smoke' ? 2_000 : Number(process.env.IMPORT_BENCH_FILE_ROWS ?? 1_000_000);
  // The whole suite writes half as many rows per run (~20 s instead of ~40 s here), keeping it inside its
  // 15 minutes with a margin; the rate per row is the same (README, "import").
  const rows = Math.min(fileRows, ctx.size === 'smoke' ? 2_000 : Number(process.env.IMPORT_BENCH_ROWS ?? (ctx.suite ? 50_000 : 100_000)));
  const file = path.join(os.tmpdir(), `ri-import-bench-${process.pid}.csv`);
  // The rows our import writes, as a file of their own for the schema floor's COPY (row n is the same in both).
  const prefix = path.join(os.tmpdir(), `ri-import-bench-${process.pid}-prefix.csv`);
  try {
    const bytes = await writeOrdersCsv(file, fileRows, new Date('2024-01-01T00:00:00Z'));
    await writeOrdersCsv(prefix, rows, new Date('2024-01-01T00:00:00Z'));
    ctx.log(`file: ${fileRows} rows, ${(bytes / 1e6).toFixed(1)} MB; our import writes the first ${rows}`);
    return await withScratchDatabase(ctx.databaseUrl, 'import', async (url) => {
      const database = await createDatabase({ kind: 'postgres', url, poolSize: 2 });
      try {
        await migrate(database.pool);
        const now = new Date('2026-11-23T10:00:00Z');
        const deps = { db: database.db, clock: { now: () => now }, logger: createLogger('silent'), links: createLinkTokens('bench'), publicUrl: 'https://bench.example', wakeWorker: () => {} };
        let run = 0;
        let peakRss = 0;
        const rates = await alternate(ctx.reps, {
          ours: async () => {
            const tenant = (await createTenant(deps, { name: `Import Bench ${++run}` })).tenant.id;
            const rss0 = process.memoryUsage().rss;
            let peak = rss0;
            const t0 = performance.now();
            const report = await importOrders(deps, tenant, Readable.from(head(file, rows)), { format: 'csv', onProgress: () => (peak = Math.max(peak, process.memoryUsage().rss)) });
            const rate = report.rows / ((performance.now() - t0) / 1000);
            if (report.imported !== rows || report.invitations_created !== rows) throw new Error(`imported ${report.imported} orders and ${report.invitations_created} invitations of ${rows} rows`);
            peakRss = Math.max(peakRss, peak);
            ctx.log(`ours: ${rate.toFixed(0)} rows/s (${report.invitations_created} invitations), RSS ${(rss0 / 1e6).toFixed(0)} → peak ${(peak / 1e6).toFixed(0)} MB`);
            // The next run starts from the same table sizes' worth of garbage, not a bloated heap.
            await database.pool.query('VACUUM ANALYZE orders, order_events, customers, invitations, invitation_events');
            return rate;
          },
          floor: async () => {
            const tenant = (await createTenant(deps, { name: `Import Bench ${++run}` })).tenant.id;
            const t0 = performance.now();
            const written = await writeSchemaFloor(database.pool, prefix, tenant);
            const rate = rows / ((performance.now() - t0) / 1000);
            if (written !== rows) throw new Error(`the schema floor wrote ${written} invitations of ${rows} rows`);
            ctx.log(`schema floor: ${rate.toFixed(0)} rows/s`);
            await database.pool.query('VACUUM ANALYZE orders, order_events, customers, invitations, invitation_events');
            return rate;
          },
          copy: async () => {
            const table = `copy_baseline_${++run}`;
            await database.pool.query(`CREATE TABLE ${table} (${COLUMNS})`);
            const t0 = performance.now();
            await database.pool.query(`SET statement_timeout = 0; COPY ${table} FROM '${file}' WITH (FORMAT csv, HEADER true)`);
            const rate = fileRows / ((performance.now() - t0) / 1000);
            ctx.log(`COPY: ${rate.toFixed(0)} rows/s`);
            await database.pool.query(`DROP TABLE ${table}`);
            return rate;
          },
        });
        return [
          ratioResult('import', `CSV import, invitations included (${rows.toLocaleString('en')} of ${fileRows.toLocaleString('en')} rows)`, 'rows/s', rates.ours!, 'COPY into a plain table', rates.copy!, 0.5),
          infoResult('import', 'peak RSS during our import', 'MB', peakRss / 1e6),
          comparisonResult('import', `schema floor: the same rows into our tables, set-based SQL alone (${rows.toLocaleString('en')} rows)`, 'rows/s', rates.floor!, 'COPY into a plain table', rates.copy!),
          comparisonResult('import', 'ours against the schema floor', 'rows/s', rates.ours!, 'schema floor', rates.floor!),
        ];
      } finally {
        await database.close();
      }
    });
  } finally {
    await rm(file, { force: true });
    await rm(prefix, { force: true });
  }
}

export const importBench: Bench = {
  name: 'import',
  describe: 'CSV order import (orders, history, customers, invitations), rows/s over a prefix of a 1,000,000-row file (100,000 rows; 50,000 in the whole suite), vs COPY of the whole file into a plain table (PostgreSQL)',
  run: runImportBench,
};
