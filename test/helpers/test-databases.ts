/**
 * A fresh, migrated database per test file, on every engine under test: PGlite always, PostgreSQL
 * too when TEST_DATABASE_URL is set (CI sets it). Suites use `describe.each(engines)`.
 */
import { readFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createDatabase, type DatabaseHandle, type DatabaseKind } from '../../src/db/create-database.ts';

/** Each `vitest run` owns the databases named after its pid, so concurrent runs never touch each other's. */
export function testRunId(): string {
  const id = process.env.RI_TEST_RUN;
  if (!id) throw new Error('RI_TEST_RUN is not set: run tests through vitest (global-setup.ts)');
  return id;
}

export function pgTemplateName(run = testRunId()): string {
  return `ri_test_${run}_template`;
}

export const engines: DatabaseKind[] = process.env.TEST_DATABASE_URL ? ['pglite', 'postgres'] : ['pglite'];

export function serverUrl(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

export type TestDatabase = DatabaseHandle & { url: string | undefined; drop(): Promise<void> };

export async function createTestDatabase(kind: DatabaseKind, options: { poolSize?: number } = {}): Promise<TestDatabase> {
  if (kind === 'pglite') {
    const blob = new Blob([await readFile(templatePathFor())]);
    const handle = await createDatabase({ kind: 'pglite', dataDir: undefined, loadDataDir: blob });
    return Object.assign(handle, { url: undefined, drop: () => handle.close() });
  }
  const base = process.env.TEST_DATABASE_URL;
  if (!base) throw new Error('TEST_DATABASE_URL is not set');
  const name = `ri_test_${testRunId()}_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl(base, 'postgres') });
  await admin.connect();
  try {
    // The template's own connections close asynchronously after global setup; retry briefly.
    for (let attempt = 1; ; attempt++) {
      try {
        await admin.query(`CREATE DATABASE "${name}" TEMPLATE "${pgTemplateName()}"`);
        break;
      } catch (err) {
        if (attempt >= 50 || !/being accessed by other users/.test((err as Error).message)) throw err;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  } finally {
    await admin.end();
  }
  const url = serverUrl(base, name);
  const handle = await createDatabase({ kind: 'postgres', url, poolSize: options.poolSize ?? 5 });
  let dropped = false;
  return Object.assign(handle, {
    url,
    async drop() {
      if (dropped) return;
      dropped = true;
      await handle.close();
      const a = new pg.Client({ connectionString: serverUrl(base, 'postgres') });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await a.end();
    },
  });
}

/** Set by global-setup.ts before vitest starts its workers, which inherit the environment. */
function templatePathFor(): string {
  const p = process.env.RI_PGLITE_TEMPLATE;
  if (!p) throw new Error('RI_PGLITE_TEMPLATE is not set: run tests through vitest (global-setup.ts)');
  return p;
}
