/**
 * The "ingest" benchmark (issue 5): POST /api/v1/orders of the real HTTP app with a trigger status
 * (order + history + customer + invitation in one transaction), at 50 connections, against a bare
 * Fastify route doing one INSERT of the same order into a plain table of the same database, with the
 * same pool size. Each server runs in its own process (ingest-server-process.ts); autocannon runs
 * here. Every request carries a new order_ref and customer. Runs alternate (ours, bare, ours, ...)
 * and the medians of orders/s are compared. Target: ≥ 1.0 × bare.
 *
 *   npm run bench ingest            (RI_BENCH_CPU_PROF=<dir> profiles both servers)
 */
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { createTenant } from '../../src/app/tenants.ts';
import { createLinkTokens } from '../../src/app/link-tokens.ts';
import { createDatabase } from '../../src/db/create-database.ts';
import { migrate } from '../../src/db/migrate.ts';
import { withScratchDatabase } from '../bench-database.ts';
import { alternate, infoResult, ratioResult, type Bench, type BenchContext, type BenchResult } from '../bench-result.ts';
import { ingestOrder } from './ingest-order.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const SECRET_KEY = 'bench-ingest-secret-0123456789abcdefghijkl';
const POOL_SIZE = 10;

type Server = { port: number; child: ChildProcess; stop(): Promise<void> };

async function startServer(mode: 'ours' | 'bare', url: string): Promise<Server> {
  const profile = process.env.RI_BENCH_CPU_PROF;
  const child = fork(path.join(here, 'ingest-server-process.ts'), [mode], {
    execArgv: ['--import', 'tsx', ...(profile ? ['--cpu-prof', `--cpu-prof-dir=${profile}`] : [])],
    env: { PATH: process.env.PATH ?? '', DATABASE_URL: url, POOL_SIZE: String(POOL_SIZE), SECRET_KEY },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (m: { type: string; port: number }) => resolve(m.port));
    child.once('exit', (code) => reject(new Error(`${mode} server exited with ${code} before it was ready`)));
  });
  return {
    port,
    child,
    async stop() {
      child.disconnect();
      await exited;
    },
  };
}

type Load = { ordersPerSecond: number; p99: number; sent: number };

async function load(port: number, urlPath: string, headers: Record<string, string>, run: string, connections: number, seconds: number): Promise<Load> {
  let n = 0;
  const result = await autocannon({
    url: `http://127.0.0.1:${port}`,
    connections,
    duration: seconds,
    timeout: 30,
    requests: [
      {
        method: 'POST',
        path: urlPath,
        headers: { 'content-type': 'application/json', ...headers },
        setupRequest: (req) => ({ ...req, body: JSON.stringify(ingestOrder(run, n++)) }),
      },
    ],
  });
  if (result.non2xx > 0 || result.errors > 0 || result.timeouts > 0) {
    throw new Error(`${urlPath}: ${result.non2xx} non-2xx answers, ${result.errors} errors, ${result.timeouts} timeouts`);
  }
  const seconds_ = (result.finish.getTime() - result.start.getTime()) / 1000;
  return { ordersPerSecond: result['2xx'] / seconds_, p99: result.latency.p99, sent: result['2xx'] };
}

export async function runIngestBench(ctx: BenchContext): Promise<BenchResult[]> {
  const smoke = ctx.size === 'smoke';
  const connections = smoke ? 5 : 50;
  const seconds = smoke ? 1 : 10;
  return withScratchDatabase(ctx.databaseUrl, 'ingest', async (url) => {
    const database = await createDatabase({ kind: 'postgres', url, poolSize: 2 });
    let key: string;
    let tenantId: number;
    try {
      await migrate(database.pool);
      const deps = { db: database.db, clock: { now: () => new Date() }, links: createLinkTokens(SECRET_KEY), publicUrl: 'https://bench.example' };
      const created = await createTenant(deps, { name: 'Ingest Bench' });
      key = created.apiKey.key;
      tenantId = created.tenant.id;
      await database.pool.query(`CREATE TABLE bare_orders (id bigserial PRIMARY KEY, order_ref text, store text, status text, email text, first_name text,
        last_name text, placed_at timestamptz, status_changed_at timestamptz, currency text, total numeric, items jsonb)`);
    } finally {
      await database.close();
    }

    const [ours, bare] = await Promise.all([startServer('ours', url), startServer('bare', url)]);
    try {
      let run = 0;
      const sides = {
        ours: () => load(ours.port, '/api/v1/orders', { authorization: `Bearer ${key}` }, `o${run++}`, connections, seconds),
        bare: () => load(bare.port, '/orders', {}, `b${run++}`, connections, seconds),
      };
      // Warm-up: JIT, pools, the store row and the first plans.
      if (!smoke) {
        await sides.ours();
        await sides.bare();
      }
      const p99: Record<string, number[]> = { ours: [], bare: [] };
      let written = 0;
      const rates = await alternate(ctx.reps, {
        ours: async () => {
          const r = await sides.ours();
          written += r.sent;
          p99.ours!.push(r.p99);
          ctx.log(`ours: ${r.ordersPerSecond.toFixed(0)} orders/s, p99 ${r.p99} ms`);
          return r.ordersPerSecond;
        },
        bare: async () => {
          const r = await sides.bare();
          p99.bare!.push(r.p99);
          ctx.log(`bare: ${r.ordersPerSecond.toFixed(0)} orders/s, p99 ${r.p99} ms`);
          return r.ordersPerSecond;
        },
      });

      // Every order answered 200 must have its invitation: group commit may not lose any.
      const check = await createDatabase({ kind: 'postgres', url, poolSize: 1 });
      try {
        const { rows } = await check.pool.query<{ orders: number; invitations: number }>(
          `SELECT (SELECT count(*) FROM orders WHERE tenant_id = $1)::int AS orders, (SELECT count(*) FROM invitations WHERE tenant_id = $1)::int AS invitations`,
          [tenantId],
        );
        const counts = rows[0]!;
        if (counts.orders !== counts.invitations || counts.orders < written) {
          throw new Error(`after the runs: ${counts.orders} orders, ${counts.invitations} invitations, ${written} answered in the measured runs`);
        }
      } finally {
        await check.close();
      }

      const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;
      return [
        ratioResult('ingest', `POST /api/v1/orders, ${connections} connections`, 'orders/s', rates.ours!, 'bare Fastify INSERT', rates.bare!, 1.0),
        infoResult('ingest', 'p99 latency, ours', 'ms', median(p99.ours!)),
        infoResult('ingest', 'p99 latency, bare', 'ms', median(p99.bare!)),
      ];
    } finally {
      await ours.stop();
      await bare.stop();
    }
  });
}

export const ingestBench: Bench = {
  name: 'ingest',
  describe: 'POST /api/v1/orders (order + history + customer + invitation) at 50 connections vs a bare Fastify INSERT route (PostgreSQL)',
  run: runIngestBench,
};
