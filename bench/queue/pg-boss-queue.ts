/**
 * pg-boss's side of the queue benchmark: its schema installed by pg-boss itself in the scratch
 * database, the `noop` queue created, `count` jobs inserted with its bulk insert(), then VACUUM
 * ANALYZE. A job is done when its state reaches `completed`. For the side that carries our record
 * (BENCH_TASK=record in pg-boss-process.ts), the jobs are the database's pending invitations instead.
 */
import PgBoss from 'pg-boss';
import pg from 'pg';

export const PG_BOSS_QUEUE = 'noop';
const INSERT_CHUNK = 10_000;

export async function seedPgBossJobs(url: string, count: number): Promise<void> {
  await seedPgBoss(url, Array.from({ length: count }, (_, i) => ({ n: i + 1 })));
}

/** One job `{ id }` per pending invitation of the database (seeded by seed-invitations.ts), due first first. */
export async function seedPgBossInvitationJobs(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ id: number }>(`SELECT id::int FROM invitations WHERE state = 'pending' ORDER BY scheduled_at, id`);
    await seedPgBoss(url, rows.map((r) => ({ id: r.id })));
  } finally {
    await client.end();
  }
}

async function seedPgBoss(url: string, data: object[]): Promise<void> {
  const boss = new PgBoss({ connectionString: url, max: 2, supervise: false, schedule: false });
  boss.on('error', (err: unknown) => console.error(err));
  await boss.start();
  try {
    await boss.createQueue(PG_BOSS_QUEUE);
    for (let from = 0; from < data.length; from += INSERT_CHUNK) {
      await boss.insert(data.slice(from, from + INSERT_CHUNK).map((d) => ({ name: PG_BOSS_QUEUE, data: d })));
    }
    await boss.getDb().executeSql('VACUUM ANALYZE pgboss.job', []);
  } finally {
    await boss.stop({ graceful: false, wait: true });
  }
}

export async function pgBossJobsLeft(pool: Pick<pg.Pool, 'query'>): Promise<number> {
  return (await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM pgboss.job WHERE name = $1 AND state < 'completed'`, [PG_BOSS_QUEUE])).rows[0]!.n;
}
