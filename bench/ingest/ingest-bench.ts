/**
 * The "ingest" benchmark (issue 5): POST /api/v1/orders of the real HTTP app with a trigger status
 * (order + history + customer + invitation in one transaction), at 50 connections, against a bare
 * Fastify route doing one INSERT of the same order into a plain table of the same database, with the
 * same pool size. Each server runs in its own process (ingest-server-process.ts); autocannon runs
 * here. Every request carries a new order_ref and customer. Runs alternate (ours, bare, ours, ...)
 * and the medians of orders/s are compared. Target: ≥ 1.0 × bare.
 *
 * One tenant's batches take turns under its tenant lock (record-orders.ts). For information, a third
 * side in the same alternation sends the same load through TENANTS tenants' API keys in turn (`ours,
 * 4 tenants`): their batches run side by side, but each holds a quarter of the waiting orders — which
 * shows how much of an order's cost is its batch's fixed cost (README, ingest, "Fourth pass").
 *
 *   npm run bench ingest            (RI_BENCH_CPU_PROF=<dir> profiles both servers)
 */
import { fork, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { createTenant } from '../../src/app/tenants.ts';
import { createLinkTokens } from '../../src/app/link-tokens.ts';
import { createDatabase, type DatabaseHandle } from '../../src/db/create-database.ts';
import { migrate } from '../../src/db/migrate.ts';
import { withScratchDatabase } from '../bench-database.ts';
import { alternate, comparisonResult, infoResult, ratioResult, type Bench, type BenchContext, type BenchResult } from '../bench-result.ts';
import { backendsOf, meterCpu } from '../cpu-meter.ts';
import { ingestOrder } from './ingest-order.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const SECRET_KEY = 'bench-ingest-secret-0123456789abcdefghijkl';
const POOL_SIZE = 10;
/** Tenants of the `ours, 4 tenants` side; the first is the one-tenant side's. */
const TENANTS = 4;

type Mode = 'ours' | 'bare';
type Server = { port: number; child: ChildProcess; stop(): Promise<void> };

/** The servers' PostgreSQL sessions carry it, so their backends' CPU can be counted. */
const applicationName = (mode: Mode) => `ri-ingest-bench-${mode}`;

async function startServer(mode: Mode, url: string): Promise<Server> {
  const profile = process.env.RI_BENCH_CPU_PROF;
  const sessions = new URL(url);
  sessions.searchParams.set('application_name', applicationName(mode));
  const child = fork(path.join(here, 'ingest-server-process.ts'), [mode], {
    execArgv: ['--import', 'tsx', ...(profile ? ['--cpu-prof', `--cpu-prof-dir=${profile}`] : [])],
    env: { PATH: process.env.PATH ?? '', DATABASE_URL: sessions.toString(), POOL_SIZE: String(POOL_SIZE), SECRET_KEY },
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
/** CPU milliseconds per answered order: the server process, its PostgreSQL backends, and autocannon (this process). */
type CpuPerOrder = { server: number; postgres: number; load: number };

/** One load run, with the CPU every process on the path spent on it. */
async function metered(server: Server, mode: Mode, monitor: DatabaseHandle, run: () => Promise<Load>): Promise<Load & { cpu: CpuPerOrder }> {
  const meters = await Promise.all([meterCpu(async () => [server.child.pid!]), meterCpu(backendsOf(monitor.pool, applicationName(mode)))]);
  const self = process.cpuUsage();
  const result = await run();
  const { user, system } = process.cpuUsage(self);
  const [serverMs, postgresMs] = await Promise.all(meters.map((stop) => stop()));
  return { ...result, cpu: { server: serverMs! / result.sent, postgres: postgresMs! / result.sent, load: (user + system) / 1000 / result.sent } };
}

const cpuTotal = (c: CpuPerOrder) => c.server + c.postgres + c.load;

/** `keys`: API keys used in turn, one per request (none for the bare route). */
async function load(port: number, urlPath: string, keys: readonly string[], run: string, connections: number, seconds: number): Promise<Load> {
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
        headers: { 'content-type': 'application/json' },
        setupRequest: (req) => {
          const key = keys[n % Math.max(1, keys.length)];
          const headers = key === undefined ? req.headers : { ...req.headers, authorization: `Bearer ${key}` };
          return { ...req, headers, body: JSON.stringify(ingestOrder(run, n++)) };
        },
      },
    ],
  });
  if (result.non2xx > 0 || result.errors > 0 || result.timeouts > 0) {
    throw new Error(`${urlPath}: ${result.non2xx} non-2xx answers, ${result.errors} errors, ${result.timeouts} timeouts`);
  }
  const seconds_ = (result.finish.getTime() - result.start.getTime()) / 1000;
  return { ordersPerSecond: result['2xx'] / seconds_, p99: result.latency.p99, sent: result['2xx'] };
}

/** Each side's warm-up load before the measured runs. */
const WARM_UP_SECONDS = 3;

export async function runIngestBench(ctx: BenchContext): Promise<BenchResult[]> {
  const smoke = ctx.size === 'smoke';
  const connections = smoke ? 5 : 50;
  const seconds = smoke ? 1 : 10;
  return withScratchDatabase(ctx.databaseUrl, 'ingest', async (url) => {
    const database = await createDatabase({ kind: 'postgres', url, poolSize: 2 });
    const keys: string[] = [];
    const tenantIds: number[] = [];
    try {
      await migrate(database.pool);
      const deps = { db: database.db, clock: { now: () => new Date() }, links: createLinkTokens(SECRET_KEY), publicUrl: 'https://bench.example' };
      for (let t = 1; t <= TENANTS; t++) {
        const created = await createTenant(deps, { name: `Ingest Bench ${t}` });
        keys.push(created.apiKey.key);
        tenantIds.push(created.tenant.id);
      }
      await database.pool.query(`CREATE TABLE bare_orders (id bigserial PRIMARY KEY, order_ref text, store text, status text, email text, first_name text,
        last_name text, placed_at timestamptz, status_changed_at timestamptz, currency text, total numeric, items jsonb)`);
    } finally {
      await database.close();
    }

    const [ours, bare] = await Promise.all([startServer('ours', url), startServer('bare', url)]);
    const monitor = await createDatabase({ kind: 'postgres', url, poolSize: 1 });
    try {
      let run = 0;
      const sides = {
        ours: (s = seconds) => metered(ours, 'ours', monitor, () => load(ours.port, '/api/v1/orders', keys.slice(0, 1), `o${run++}`, connections, s)),
        bare: (s = seconds) => metered(bare, 'bare', monitor, () => load(bare.port, '/orders', [], `b${run++}`, connections, s)),
        tenants: (s = seconds) => metered(ours, 'ours', monitor, () => load(ours.port, '/api/v1/orders', keys, `t${run++}`, connections, s)),
      };
      type Side = keyof typeof sides;
      // Warm-up: JIT, pools, the store row and the first plans. Thousands of requests each, which is
      // what the JIT and the plan caches need; the measured runs' full length would add nothing.
      if (!smoke) {
        await sides.ours(WARM_UP_SECONDS);
        await sides.bare(WARM_UP_SECONDS);
        await sides.tenants(WARM_UP_SECONDS);
      }
      const p99: Record<Side, number[]> = { ours: [], bare: [], tenants: [] };
      const cpu: Record<Side, CpuPerOrder[]> = { ours: [], bare: [], tenants: [] };
      let written = 0;
      const measure = (side: Side) => async () => {
        const r = await sides[side]();
        if (side !== 'bare') written += r.sent;
        p99[side].push(r.p99);
        cpu[side].push(r.cpu);
        const us = (ms: number) => (ms * 1000).toFixed(0);
        const label = side === 'tenants' ? `ours, ${TENANTS} tenants` : side;
        ctx.log(`${label}: ${r.ordersPerSecond.toFixed(0)} orders/s, p99 ${r.p99} ms; CPU µs/order: server ${us(r.cpu.server)}, postgres ${us(r.cpu.postgres)}, autocannon ${us(r.cpu.load)}`);
        return r.ordersPerSecond;
      };
      const rates = await alternate(ctx.reps, { ours: measure('ours'), bare: measure('bare'), tenants: measure('tenants') });

      // Every order answered 200 must have its invitation: group commit may not lose any.
      const { rows } = await monitor.pool.query<{ orders: number; invitations: number }>(
        `SELECT (SELECT count(*) FROM orders WHERE tenant_id = ANY($1::bigint[]))::int AS orders,
                (SELECT count(*) FROM invitations WHERE tenant_id = ANY($1::bigint[]))::int AS invitations`,
        [tenantIds],
      );
      const counts = rows[0]!;
      if (counts.orders !== counts.invitations || counts.orders < written) {
        throw new Error(`after the runs: ${counts.orders} orders, ${counts.invitations} invitations, ${written} answered in the measured runs`);
      }

      const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;
      const cpuPerOrder = (side: Side) => median(cpu[side].map(cpuTotal)) * 1000;
      const cores = os.availableParallelism();
      return [
        ratioResult('ingest', `POST /api/v1/orders, ${connections} connections`, 'orders/s', rates.ours!, 'bare Fastify INSERT', rates.bare!, 1.0),
        infoResult('ingest', 'p99 latency, ours', 'ms', median(p99.ours)),
        infoResult('ingest', 'p99 latency, bare', 'ms', median(p99.bare)),
        infoResult('ingest', 'ours CPU per order: server + postgres + autocannon', 'µs', cpuPerOrder('ours')),
        infoResult('ingest', 'bare CPU per order: server + postgres + autocannon', 'µs', cpuPerOrder('bare')),
        // The most ours could answer here if every core did nothing else: what the CPU an order costs allows.
        comparisonResult('ingest', `ours CPU ceiling: ${cores} cores ÷ CPU per order`, 'orders/s', (cores / cpuPerOrder('ours')) * 1e6, 'bare Fastify INSERT', rates.bare!),
        // The same load spread over several shops: batches side by side, each smaller.
        comparisonResult('ingest', `POST /api/v1/orders, ${connections} connections, ${TENANTS} tenants in turn`, 'orders/s', rates.tenants!, 'bare Fastify INSERT', rates.bare!),
        infoResult('ingest', `p99 latency, ours, ${TENANTS} tenants`, 'ms', median(p99.tenants)),
        infoResult('ingest', `ours CPU per order, ${TENANTS} tenants: server + postgres + autocannon`, 'µs', cpuPerOrder('tenants')),
      ];
    } finally {
      await monitor.close();
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
