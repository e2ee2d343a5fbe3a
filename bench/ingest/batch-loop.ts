/**
 * A measuring tool for the order batch's fixed cost, not one of `npm run bench`'s benchmarks (it has no
 * peer): one connection writes batches of new completed orders (the ingest benchmark's order) through
 * `recordOrders` in a loop, one batch size after the other, and reports per order the CPU of the
 * PostgreSQL backend (from /proc: the server must run on this machine) and of this process, the wall
 * time per batch, and which prepared statements PostgreSQL planned again after their first five
 * executions (pg_prepared_statements). Without the 50 connections of the ingest benchmark, and without
 * HTTP, a change to the batch's statements shows here within a few per cent, run against run.
 *
 *   node --import tsx bench/ingest/batch-loop.ts [--sizes 1,6,25] [--orders 3000]
 *
 * Compare two trees by running it in each, alternately (bench/README.md, `## ingest`, "Sixth pass").
 */
import { sql } from 'kysely';
import { recordOrders } from '../../src/app/record-orders.ts';
import { createTenant } from '../../src/app/tenants.ts';
import { createLinkTokens } from '../../src/app/link-tokens.ts';
import { createDatabase } from '../../src/db/create-database.ts';
import { migrate } from '../../src/db/migrate.ts';
import { createLogger } from '../../src/logger.ts';
import { withScratchDatabase } from '../bench-database.ts';
import { cpuMs } from '../cpu-meter.ts';
import { ingestOrder } from './ingest-order.ts';

export type BatchLoopFigures = {
  size: number;
  orders: number;
  pgCpuUsPerOrder: number | null;
  processCpuUsPerOrder: number;
  wallMsPerBatch: number;
  /** Prepared statements planned again after their first five executions: how often, and the text's start. */
  plannedAgain: string[];
};

export async function runBatchLoop(databaseUrl: string, sizes: readonly number[], orders: number): Promise<BatchLoopFigures[]> {
  return withScratchDatabase(databaseUrl, 'batches', async (url) => {
    const out: BatchLoopFigures[] = [];
    for (const size of sizes) {
      // A fresh connection per size, so its statements' plan counts are this size's alone.
      const database = await createDatabase({ kind: 'postgres', url, poolSize: 1 });
      try {
        await migrate(database.pool);
        const deps = {
          db: database.db,
          clock: { now: () => new Date() },
          links: createLinkTokens('bench-secret-key-0123456789abcdefghijklmnop'),
          publicUrl: 'https://bench.example',
          logger: createLogger('warn'),
          wakeWorker: () => {},
        };
        const { tenant } = await createTenant(deps, { name: `Batches of ${size}` });
        let n = 0;
        const batch = () => Array.from({ length: size }, () => ingestOrder(`s${size}`, ++n));
        const write = async () => {
          const outcomes = await recordOrders(deps, tenant.id, batch());
          const refused = outcomes.find((o) => !o.ok);
          if (refused && !refused.ok) throw new Error(`an order was refused: ${String(refused.error)}`);
        };
        // Warm-up: the statements prepared and past their first five executions.
        for (let i = 0; i < 10; i++) await write();
        const { rows: [backend] } = await sql<{ pid: number }>`SELECT pg_backend_pid() AS pid`.execute(database.db);
        const batches = Math.max(1, Math.round(orders / size));
        const pg0 = cpuMs(backend!.pid);
        const cpu0 = process.cpuUsage();
        const t0 = performance.now();
        for (let i = 0; i < batches; i++) await write();
        const wall = performance.now() - t0;
        const cpu = process.cpuUsage(cpu0);
        const pg1 = cpuMs(backend!.pid);
        const { rows: plans } = await sql<{ statement: string; custom_plans: number; total: number }>`
          SELECT statement, custom_plans::int, (generic_plans + custom_plans)::int AS total FROM pg_prepared_statements WHERE name LIKE 'ri\\_%'`.execute(database.db);
        out.push({
          size,
          orders: batches * size,
          pgCpuUsPerOrder: pg0 === undefined || pg1 === undefined ? null : Math.round(((pg1 - pg0) * 1000) / (batches * size)),
          processCpuUsPerOrder: Math.round((cpu.user + cpu.system) / (batches * size)),
          wallMsPerBatch: Math.round((wall / batches) * 100) / 100,
          plannedAgain: plans
            .filter((p) => p.custom_plans > 5)
            .map((p) => `${p.custom_plans} of ${p.total}: ${p.statement.replace(/\/\* prepared \*\/|\s+/g, ' ').trim().slice(0, 60)}`),
        });
      } finally {
        await database.close();
      }
    }
    return out;
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const arg = (name: string) => {
    const i = process.argv.indexOf(name);
    return i === -1 ? undefined : process.argv[i + 1];
  };
  const sizes = (arg('--sizes') ?? '1,6,25').split(',').map(Number);
  const orders = Number(arg('--orders') ?? 3000);
  const databaseUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  for (const f of await runBatchLoop(databaseUrl, sizes, orders)) {
    console.log(
      `batches of ${f.size}: ${f.orders} orders, PostgreSQL ${f.pgCpuUsPerOrder ?? '?'} µs CPU per order, this process ${f.processCpuUsPerOrder} µs, ` +
        `${f.wallMsPerBatch} ms per batch; planned again: ${f.plannedAgain.length === 0 ? 'none' : f.plannedAgain.join(' | ')}`,
    );
  }
}
