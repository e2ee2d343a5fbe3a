/**
 * The claim benchmark (issue 3): drain ROWS due invitations with claimInvitations (batch 100) and a
 * bulk "mark sent" after each batch, on PGlite (in memory) and — when BENCH_DATABASE_URL is set, or
 * by default postgres://postgres@127.0.0.1:5432/postgres — on PostgreSQL. Prints rows/s and the claim
 * statement's median and p95 per batch, for each shape of queue:
 *
 * - one tenant, no budgets (the pre-rate-limit fast path);
 * - 100 tenants, no budgets (fairness across tenants);
 * - 100 tenants, each with a budget row far above its backlog (the rate-limit path, nothing held).
 *
 *   node --import tsx bench/claim/claim-drain-bench.ts [rows=10000] [pglite|postgres|both] [reps=3]
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createTenant } from '../../src/app/tenants.ts';
import { claimInvitations, type ClaimOptions, type ClaimResult } from '../../src/db/queue/claim-invitations.ts';
import { createDatabase, type DatabaseHandle } from '../../src/db/create-database.ts';
import { migrate } from '../../src/db/migrate.ts';

type Shape = { name: string; tenants: number; budgets: boolean };
const shapes: Shape[] = [
  { name: '1 tenant', tenants: 1, budgets: false },
  { name: '100 tenants', tenants: 100, budgets: false },
  { name: '100 tenants, budgets', tenants: 100, budgets: true },
];

export type DrainRow = { engine: string; shape: string; rows: number; seconds: number; rowsPerSecond: number; claimP50Ms: number; claimP95Ms: number; cpuSeconds: number };

/** The claim under test and the schema it expects (a benchmark of an older claim passes both). */
export type ClaimUnderTest = { claim: (pool: pg.Pool, options: ClaimOptions) => Promise<ClaimResult>; migrationsDir?: string };

const current: ClaimUnderTest = { claim: claimInvitations };

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? 0;
}

async function seed(database: DatabaseHandle, shape: Shape, rows: number): Promise<void> {
  const perTenant = Math.ceil(rows / shape.tenants);
  for (let t = 0; t < shape.tenants; t++) {
    const { tenant } = await createTenant({ db: database.db }, { name: `Bench ${shape.name} ${t}` });
    await database.pool.query(
      `INSERT INTO invitations (tenant_id, campaign_id, order_ref, email, email_norm, name, channel, scheduled_at, token_hash)
       SELECT $1::bigint, c.id, 'b-' || g, 'c' || g || '@example.com', 'c' || g || '@example.com', 'C ' || g, 'email',
              now() - interval '1 hour' + g * interval '1 millisecond', sha256(($1::bigint || '-' || g)::bytea)
       FROM campaigns c, generate_series(1, $2::int) g WHERE c.tenant_id = $1::bigint`,
      [tenant.id, perTenant],
    );
    if (shape.budgets) {
      await database.pool.query(`INSERT INTO rate_limits (tenant_id, key, max_count, window_seconds) VALUES ($1, 'email', 1000000, 3600)`, [tenant.id]);
    }
  }
  await database.pool.query('VACUUM ANALYZE invitations');
}

async function drain(database: DatabaseHandle, engine: string, shape: Shape, rows: number, under: ClaimUnderTest): Promise<DrainRow> {
  await seed(database, shape, rows);
  const claimMs: number[] = [];
  let drained = 0;
  const cpu = process.cpuUsage();
  const started = performance.now();
  for (;;) {
    const t0 = performance.now();
    const { claimed } = await under.claim(database.pool, { batchSize: 100, leaseMs: 60_000 });
    claimMs.push(performance.now() - t0);
    if (claimed.length === 0) break;
    drained += claimed.length;
    await database.pool.query(
      `WITH s AS (UPDATE invitations SET state = 'sent', sent_at = now(), lease_token = NULL, leased_until = NULL WHERE id = ANY($1::bigint[]) RETURNING id)
       UPDATE delivery_attempts SET outcome = 'sent', finished_at = now() WHERE invitation_id IN (SELECT id FROM s) AND outcome IS NULL`,
      [claimed.map((c) => c.invitation.id)],
    );
  }
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  const sorted = [...claimMs].sort((a, b) => a - b);
  return {
    engine,
    shape: shape.name,
    rows: drained,
    seconds,
    rowsPerSecond: drained / seconds,
    claimP50Ms: percentile(sorted, 50),
    claimP95Ms: percentile(sorted, 95),
    cpuSeconds: (used.user + used.system) / 1e6,
  };
}

function serverUrl(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

async function withEngine<T>(engine: 'pglite' | 'postgres', baseUrl: string, migrationsDir: string | undefined, run: (db: DatabaseHandle) => Promise<T>): Promise<T> {
  if (engine === 'pglite') {
    const database = await createDatabase({ kind: 'pglite', dataDir: undefined });
    try {
      await migrate(database.pool, migrationsDir);
      return await run(database);
    } finally {
      await database.close();
    }
  }
  const name = `ri_bench_claim_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl(baseUrl, 'postgres') });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  const database = await createDatabase({ kind: 'postgres', url: serverUrl(baseUrl, name), poolSize: 2 });
  try {
    await migrate(database.pool, migrationsDir);
    return await run(database);
  } finally {
    await database.close();
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.end();
  }
}

/** One run of one shape on a fresh database. */
export function drainOnce(engine: 'pglite' | 'postgres', baseUrl: string, shape: Shape, rows: number, under: ClaimUnderTest = current): Promise<DrainRow> {
  return withEngine(engine, baseUrl, under.migrationsDir, (db) => drain(db, engine, shape, rows, under));
}

/** Best of `reps` per shape and engine: the least time, the least claim latency, the least CPU. */
export function bestOf(runs: DrainRow[]): DrainRow {
  const min = (pick: (r: DrainRow) => number) => Math.min(...runs.map(pick));
  const seconds = min((r) => r.seconds);
  return { ...runs[0]!, seconds, rowsPerSecond: runs[0]!.rows / seconds, claimP50Ms: min((r) => r.claimP50Ms), claimP95Ms: min((r) => r.claimP95Ms), cpuSeconds: min((r) => r.cpuSeconds) };
}

export async function runClaimDrainBench(rows: number, engines: ('pglite' | 'postgres')[], baseUrl: string, reps = 3, under: ClaimUnderTest = current): Promise<DrainRow[]> {
  const results: DrainRow[] = [];
  for (const engine of engines) {
    for (const shape of shapes) {
      const runs: DrainRow[] = [];
      for (let i = 0; i < reps; i++) runs.push(await drainOnce(engine, baseUrl, shape, rows, under));
      results.push(bestOf(runs));
    }
  }
  return results;
}

export function printDrainTable(results: DrainRow[]): void {
  console.log('| engine | queue | rows | seconds | rows/s | claim p50 ms | claim p95 ms | CPU s |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const r of results) {
    console.log(
      `| ${r.engine} | ${r.shape} | ${r.rows} | ${r.seconds.toFixed(2)} | ${Math.round(r.rowsPerSecond)} | ${r.claimP50Ms.toFixed(1)} | ${r.claimP95Ms.toFixed(1)} | ${r.cpuSeconds.toFixed(2)} |`,
    );
  }
}

export { shapes };

if (import.meta.url === `file://${process.argv[1]}`) {
  const rows = Number(process.argv[2] ?? 10_000);
  const which = process.argv[3] ?? 'both';
  const reps = Number(process.argv[4] ?? 3);
  const engines: ('pglite' | 'postgres')[] = which === 'both' ? ['pglite', 'postgres'] : [which as 'pglite' | 'postgres'];
  const baseUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  printDrainTable(await runClaimDrainBench(rows, engines, baseUrl, reps));
}
