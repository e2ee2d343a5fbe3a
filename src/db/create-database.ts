/**
 * One access path in both modes: a pg.Pool — over PGlite's node-postgres adapter (embedded, default)
 * or over a PostgreSQL server (DATABASE_URL) — with Kysely on top. Nothing else in the app knows which.
 * Its clients send the statements marked `prepared` by name (prepared-statements.ts).
 */
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { createPgConfig } from '@electric-sql/pglite/node-postgres';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { capPgliteWal } from './cap-pglite-wal.ts';
import { lockDataDir, type DataDirLock } from './data-dir-lock.ts';
import { PreparingClient } from './prepared-statements.ts';
import type { Database } from './schema.ts';

// bigint (int8) columns as JS numbers: our ids and counters stay far below 2^53.
pg.types.setTypeParser(20, (v) => Number.parseInt(v, 10));
// numeric (money) as a JS number too; totals are stored with 2-4 decimals.
pg.types.setTypeParser(1700, (v) => Number.parseFloat(v));

export type DatabaseKind = 'pglite' | 'postgres';

export type DatabaseHandle = {
  readonly kind: DatabaseKind;
  readonly pool: pg.Pool;
  readonly db: Kysely<Database>;
  /** Only set in embedded mode. */
  readonly pglite: PGlite | undefined;
  close(): Promise<void>;
};

export type DatabaseOptions =
  | { kind: 'postgres'; url: string; poolSize?: number; applicationName?: string }
  | { kind: 'pglite'; dataDir: string | undefined; loadDataDir?: Blob; lock?: boolean };

/** pg_wal's size in embedded mode: max_wal_size below, enforced by capPgliteWal (PGlite has no checkpointer). */
export const pgliteMaxWalMb = 64;
/** How often embedded mode checks the WAL written since the last checkpoint, and how much is too much. */
export const pgliteWalCheck = { everyMs: 500, thresholdBytes: (pgliteMaxWalMb / 2) * 1024 * 1024 };

/**
 * WAL capped: PGlite keeps 1 GB by default (stack.md §1), and only a checkpoint trims it — which
 * capPgliteWal runs, as PGlite never does by itself. shared_buffers halved from 128 MB: PGlite
 * touches all of it when it opens, so it is resident memory from the first second (318 → 236 MB RSS
 * reopening a data directory), while the pages it would cache are one read away in the OS's cache.
 */
export const pgliteSettings = [`max_wal_size = ${pgliteMaxWalMb}MB`, `min_wal_size = ${pgliteMaxWalMb / 2}MB`, 'shared_buffers = 64MB'];

export async function createDatabase(options: DatabaseOptions): Promise<DatabaseHandle> {
  if (options.kind === 'postgres') {
    const pool = new pg.Pool({
      Client: PreparingClient,
      connectionString: options.url,
      max: options.poolSize ?? 10,
      application_name: options.applicationName ?? 'review-invites',
      keepAlive: true,
      connectionTimeoutMillis: 10_000,
      // A half-open or stuck backend must not hold a worker forever.
      statement_timeout: 60_000,
      idle_in_transaction_session_timeout: 60_000,
    });
    // An idle client losing its backend (server restart) must not crash the process; the pool drops it.
    pool.on('error', () => {});
    // pg-pool detaches its listener from a checked-out client: a backend dying between two queries
    // (restart, pg_terminate_backend) would then be an unhandled 'error' that kills the process. The
    // query in flight still fails, and the pool drops the dead client when it is released.
    pool.on('connect', (client) => client.on('error', () => {}));
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    return {
      kind: 'postgres',
      pool,
      db,
      pglite: undefined,
      async close() {
        await db.destroy();
      },
    };
  }

  let lock: DataDirLock | undefined;
  if (options.dataDir !== undefined && options.lock !== false) lock = lockDataDir(options.dataDir);
  try {
    const dir = options.dataDir === undefined ? undefined : path.join(options.dataDir, 'pg');
    const pglite = await PGlite.create(dir, {
      postgresqlconf: pgliteSettings,
      ...(options.loadDataDir ? { loadDataDir: options.loadDataDir } : {}),
    });
    const pool = new pg.Pool({ ...(createPgConfig(pglite) as unknown as pg.PoolConfig), Client: PreparingClient });
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    const walCap = capPgliteWal(pool, pgliteWalCheck);
    return {
      kind: 'pglite',
      pool,
      db,
      pglite,
      async close() {
        await walCap.stop();
        await db.destroy();
        await pglite.close();
        lock?.release();
      },
    };
  } catch (err) {
    lock?.release();
    throw err;
  }
}
