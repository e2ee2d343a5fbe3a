/**
 * Runs once per `vitest run`: migrates a PGlite template (dumped to a file every test file loads in
 * ~1 s instead of a 4 s initdb) and, when TEST_DATABASE_URL is set, a PostgreSQL template database
 * that test files clone with CREATE DATABASE ... TEMPLATE.
 */
import { rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { createDatabase } from '../../src/db/create-database.ts';
import { migrate } from '../../src/db/migrate.ts';
import { pgTemplateName, serverUrl } from './test-databases.ts';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export default async function setup(): Promise<() => Promise<void>> {
  const run = String(process.pid);
  process.env.RI_TEST_RUN = run;
  const pgliteTemplatePath = path.join(os.tmpdir(), `review-invites-test-template-${run}.tar`);
  process.env.RI_PGLITE_TEMPLATE = pgliteTemplatePath;
  const lite = await createDatabase({ kind: 'pglite', dataDir: undefined });
  await migrate(lite.pool);
  const blob = await lite.pglite!.dumpDataDir('none');
  await writeFile(pgliteTemplatePath, Buffer.from(await blob.arrayBuffer()));
  await lite.close();

  const url = process.env.TEST_DATABASE_URL;
  if (url) {
    const admin = new pg.Client({ connectionString: serverUrl(url, 'postgres') });
    await admin.connect();
    // Leftovers of earlier runs that were killed: their vitest process is gone.
    const old = await admin.query<{ datname: string }>("SELECT datname FROM pg_database WHERE datname LIKE 'ri\\_test\\_%'");
    for (const { datname } of old.rows) {
      const owner = Number(/^ri_test_(\d+)_/.exec(datname)?.[1]);
      if (!Number.isInteger(owner) || !isAlive(owner)) await admin.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    }
    await admin.query(`CREATE DATABASE "${pgTemplateName(run)}"`);
    await admin.end();
    const tpl = await createDatabase({ kind: 'postgres', url: serverUrl(url, pgTemplateName(run)), poolSize: 1 });
    await migrate(tpl.pool);
    await tpl.close();
  }
  return async () => {
    await rm(pgliteTemplatePath, { force: true });
    if (url) {
      const admin = new pg.Client({ connectionString: serverUrl(url, 'postgres') });
      await admin.connect();
      const mine = await admin.query<{ datname: string }>('SELECT datname FROM pg_database WHERE starts_with(datname, $1)', [`ri_test_${run}_`]);
      for (const { datname } of mine.rows) await admin.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
      await admin.end();
    }
  };
}
