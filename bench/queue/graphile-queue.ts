/**
 * graphile-worker's side of the queue benchmark: its schema installed by its own migrations in the
 * scratch database, `count` `noop` jobs queued in one add_jobs call, then VACUUM ANALYZE. A job is
 * done when its row is gone (graphile-worker deletes completed jobs). For the side that carries our
 * record (the `deliver` task of graphile-worker-process.ts), one `deliver` job per pending invitation instead.
 */
import { runMigrations } from 'graphile-worker';
import pg from 'pg';

export async function seedGraphileJobs(url: string, count: number): Promise<void> {
  await runMigrations({ connectionString: url });
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(
      `SELECT graphile_worker.add_jobs(array_agg(row('noop', json_build_object('n', g), null, null, null, null, null, null)::graphile_worker.job_spec))
       FROM generate_series(1, $1::int) g`,
      [count],
    );
    await client.query('VACUUM ANALYZE graphile_worker._private_jobs');
  } finally {
    await client.end();
  }
}

/** One `deliver` job per pending invitation of the database (seeded by seed-invitations.ts), due first first. */
export async function seedGraphileInvitationJobs(url: string): Promise<void> {
  await runMigrations({ connectionString: url });
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(
      `SELECT graphile_worker.add_jobs(array_agg(row('deliver', json_build_object('id', id), null, null, null, null, null, null)::graphile_worker.job_spec ORDER BY scheduled_at, id))
       FROM invitations WHERE state = 'pending'`,
    );
    await client.query('VACUUM ANALYZE graphile_worker._private_jobs');
  } finally {
    await client.end();
  }
}

export async function graphileJobsLeft(pool: Pick<pg.Pool, 'query'>): Promise<number> {
  return (await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM graphile_worker._private_jobs')).rows[0]!.n;
}
