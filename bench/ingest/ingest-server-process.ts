/**
 * One server of the ingest benchmark, in its own process (the load generator runs in the parent):
 *
 *   ours — the real HTTP app (buildHttpApp over openServices) on DATABASE_URL, POST /api/v1/orders;
 *   bare — a bare Fastify route that validates the same body with the same schema and runs one
 *          INSERT of the order into a plain table of the same database.
 *
 * Both use a pool of POOL_SIZE connections and log at warn, and say `{type: 'ready', port}` over IPC
 * once listening. When the parent disconnects they close and exit, so `--cpu-prof` profiles get written.
 */
import Fastify from 'fastify';
import pg from 'pg';
import { loadConfig } from '../../src/config.ts';
import { buildHttpApp } from '../../src/http/app.ts';
import { RecordOrderBody } from '../../src/http/schemas/orders.ts';
import { createLogger } from '../../src/logger.ts';
import { openServices } from '../../src/main.ts';

const mode = process.argv[2];
const url = process.env.DATABASE_URL!;
const poolSize = Number(process.env.POOL_SIZE ?? 10);

async function ours(): Promise<{ listen(): Promise<number>; close(): Promise<void> }> {
  const config = loadConfig(
    { DATABASE_URL: url, DATABASE_POOL_SIZE: String(poolSize), SECRET_KEY: process.env.SECRET_KEY!, PUBLIC_URL: 'https://bench.example', LOG_LEVEL: 'warn' },
    { dotenv: false },
  );
  const services = await openServices(config, createLogger(config.logLevel), { migrate: false, defaultMetrics: false });
  const app = await buildHttpApp(services);
  return {
    async listen() {
      await app.listen({ host: '127.0.0.1', port: 0 });
      return (app.server.address() as { port: number }).port;
    },
    async close() {
      await app.close();
      await services.close();
    },
  };
}

async function bare(): Promise<{ listen(): Promise<number>; close(): Promise<void> }> {
  const pool = new pg.Pool({ connectionString: url, max: poolSize });
  const app = Fastify({ logger: false });
  type Body = { order_ref: string | number; store?: string | null; status: string; status_changed_at?: string | null; placed_at?: string | null;
    customer?: { email?: string | null; first_name?: string | null; last_name?: string | null }; currency?: string | null; total?: number | null; items?: unknown[] | null };
  app.post<{ Body: Body }>('/orders', { schema: { body: RecordOrderBody } }, async (request) => {
    const o = request.body;
    const { rows } = await pool.query(
      `INSERT INTO bare_orders (order_ref, store, status, email, first_name, last_name, placed_at, status_changed_at, currency, total, items)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`,
      [String(o.order_ref), o.store ?? 'default', o.status, o.customer?.email ?? null, o.customer?.first_name ?? null, o.customer?.last_name ?? null,
        o.placed_at ?? null, o.status_changed_at ?? null, o.currency ?? null, o.total ?? null, JSON.stringify(o.items ?? [])],
    );
    return { ok: true, id: rows[0].id };
  });
  return {
    async listen() {
      await app.listen({ host: '127.0.0.1', port: 0 });
      return (app.server.address() as { port: number }).port;
    },
    async close() {
      await app.close();
      await pool.end();
    },
  };
}

const server = mode === 'ours' ? await ours() : mode === 'bare' ? await bare() : undefined;
if (!server) throw new Error(`mode must be ours or bare, not ${mode}`);
const port = await server.listen();
process.send?.({ type: 'ready', port });
process.once('disconnect', () => {
  server.close().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
});
