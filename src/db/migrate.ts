/**
 * Numbered, forward-only SQL migrations (migrations/0001_init.sql, ...), each applied in its own
 * transaction. Safe with several processes starting at once: the whole run holds an advisory lock.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';

export const migrationsDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../migrations');

const MIGRATION_LOCK = 727_274_001;

export type Migration = { version: number; name: string; sql: string };

export function readMigrations(dir = migrationsDir): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d{4}_[\w-]+\.sql$/.test(f))
    .sort()
    .map((f) => ({ version: Number.parseInt(f.slice(0, 4), 10), name: f, sql: readFileSync(path.join(dir, f), 'utf8') }));
}

export type MigrationResult = { applied: string[]; current: number };

export async function migrate(pool: pg.Pool, dir = migrationsDir): Promise<MigrationResult> {
  const migrations = readMigrations(dir);
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    try {
      await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
        version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
      const done = new Set(
        (await client.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version),
      );
      const applied: string[] = [];
      for (const m of migrations) {
        if (done.has(m.version)) continue;
        await client.query('BEGIN');
        try {
          await client.query(m.sql);
          await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
          await client.query('COMMIT');
        } catch (err) {
          await client.query('ROLLBACK');
          throw new Error(`Migration ${m.name} failed: ${(err as Error).message}`, { cause: err });
        }
        applied.push(m.name);
      }
      return { applied, current: migrations.at(-1)?.version ?? 0 };
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
    }
  } finally {
    client.release();
  }
}

/** For /readyz and `doctor`: the schema matches what this build expects. */
export async function pendingMigrations(pool: pg.Pool, dir = migrationsDir): Promise<string[]> {
  const exists = await pool.query<{ t: string | null }>("SELECT to_regclass('schema_migrations')::text AS t");
  const done = new Set<number>();
  if (exists.rows[0]?.t) {
    for (const r of (await pool.query<{ version: number }>('SELECT version FROM schema_migrations')).rows) done.add(r.version);
  }
  return readMigrations(dir).filter((m) => !done.has(m.version)).map((m) => m.name);
}
