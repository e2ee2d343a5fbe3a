/**
 * Seed once, drain many times: a queue of 200,000 invitations takes most of a minute to insert (every
 * index of the invitations table, the trigram one included), a copy of the seeded database about a
 * second. `withSeededTemplate` creates a database on the server, seeds it (the seed must close its
 * connections: PostgreSQL copies only an idle template), and hands out fresh copies of it — each run
 * starts from the same pages, statistics and visibility map — dropping everything at the end.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { databaseUrlFor } from '../bench-database.ts';

export type SeededTemplate = { copy<T>(run: (url: string) => Promise<T>): Promise<T> };

export async function withSeededTemplate<T>(serverUrl: string, prefix: string, seed: (url: string) => Promise<void>, use: (template: SeededTemplate) => Promise<T>): Promise<T> {
  const name = `ri_bench_${prefix}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: databaseUrlFor(serverUrl, 'postgres') });
  await admin.connect();
  const copies: string[] = [];
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
    await seed(databaseUrlFor(serverUrl, name));
    return await use({
      async copy(run) {
        const copy = `${name}_${copies.length + 1}`;
        copies.push(copy);
        await admin.query(`CREATE DATABASE "${copy}" TEMPLATE "${name}"`);
        try {
          return await run(databaseUrlFor(serverUrl, copy));
        } finally {
          await admin.query(`DROP DATABASE IF EXISTS "${copy}" WITH (FORCE)`);
        }
      },
    });
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.end();
  }
}
