/**
 * The "import" benchmark (issue 5): our CSV order import (invitations included) against COPY of the
 * same file into a plain table, on PostgreSQL, in one run; and the memory of a 1,000,000-row file.
 *
 *   node --import tsx bench/import/import-bench.ts [rows=1000000] [importRows=20000]
 *
 * `rows` sizes the file for COPY and for the streamed dry run (peak RSS must stay flat); `importRows`
 * is how many of its rows the real import writes (rows/s is the figure; the full file at today's
 * rate would not fit a benchmark run, see bench/README). Server-side COPY reads the file, so the
 * benchmark must run on the database machine. BENCH_DATABASE_URL as for the grid benchmark.
 */
import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { createInterface } from 'node:readline';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { importOrders } from '../../src/app/import-orders.ts';
import { createLinkTokens } from '../../src/app/link-tokens.ts';
import { createTenant } from '../../src/app/tenants.ts';
import { createDatabase } from '../../src/db/create-database.ts';
import { migrate } from '../../src/db/migrate.ts';
import { createLogger } from '../../src/logger.ts';
import { writeOrdersCsv } from './orders-csv.ts';

function serverUrl(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/** The first `count` data rows of a CSV file (header included), as a stream. */
async function* head(file: string, count: number): AsyncGenerator<string> {
  let n = -1;
  for await (const line of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) {
    if (n++ >= count) return;
    yield `${line}\n`;
  }
}

export async function runImportBench(baseUrl: string, rows: number, importRows: number, log: (line: string) => void) {
  const file = path.join(os.tmpdir(), `ri-import-bench-${process.pid}.csv`);
  const name = `ri_bench_import_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl(baseUrl, 'postgres') });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  const database = await createDatabase({ kind: 'postgres', url: serverUrl(baseUrl, name), poolSize: 2 });
  try {
    const bytes = await writeOrdersCsv(file, rows, new Date('2024-01-01T00:00:00Z'));
    log(`file: ${rows} rows, ${(bytes / 1e6).toFixed(1)} MB`);
    await migrate(database.pool);
    const columns = 'order_ref text, store text, status text, email text, first_name text, last_name text, customer_group text, locale text, country text, placed_at timestamptz, status_changed_at timestamptz, currency text, total numeric, items jsonb';
    await database.pool.query(`CREATE TABLE copy_baseline (${columns})`);
    const c0 = performance.now();
    await database.pool.query({ text: `SET statement_timeout = 0; COPY copy_baseline FROM '${file}' WITH (FORMAT csv, HEADER true)` });
    const copyRate = rows / ((performance.now() - c0) / 1000);
    log(`COPY: ${copyRate.toFixed(0)} rows/s`);

    const now = new Date('2026-11-23T10:00:00Z');
    const deps = { db: database.db, clock: { now: () => now }, logger: createLogger('silent'), links: createLinkTokens('bench'), publicUrl: 'https://bench.example', wakeWorker: () => {} };
    const tenant = (await createTenant(deps, { name: 'Import Bench' })).tenant.id;
    let peakRss = process.memoryUsage().rss;
    const d0 = performance.now();
    const dry = await importOrders(deps, tenant, createReadStream(file), { format: 'csv', dryRun: true, onProgress: () => (peakRss = Math.max(peakRss, process.memoryUsage().rss)) });
    log(`dry run of all ${dry.rows} rows: ${(dry.rows / ((performance.now() - d0) / 1000)).toFixed(0)} rows/s, peak RSS ${(peakRss / 1e6).toFixed(0)} MB`);

    const i0 = performance.now();
    const report = await importOrders(deps, tenant, Readable.from(head(file, importRows)), { format: 'csv' });
    const importRate = report.rows / ((performance.now() - i0) / 1000);
    log(`import of ${report.rows} rows (${report.invitations_created} invitations): ${importRate.toFixed(0)} rows/s = ${(importRate / copyRate).toFixed(3)} x COPY (target 0.5)`);
    return { copyRate, importRate, ratio: importRate / copyRate, peakRssMb: peakRss / 1e6 };
  } finally {
    await database.close();
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.end();
    await rm(file, { force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const url = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  await runImportBench(url, Number(process.argv[2] ?? 1_000_000), Number(process.argv[3] ?? 20_000), (line) => console.log(line));
}
