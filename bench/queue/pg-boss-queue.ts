/**
 * pg-boss's side of the queue benchmark: its schema installed by pg-boss itself in the scratch
 * database, the `noop` queue created, `count` jobs inserted with its bulk insert(), then VACUUM
 * ANALYZE. A job is done when its state reaches `completed`.
 */
import PgBoss from 'pg-boss';
import type pg from 'pg';

export const PG_BOSS_QUEUE = 'noop';
const INSERT_CHUNK = 10_000;

export async function seedPgBossJobs(url: string, count: number): Promise<void> {
  const boss = new PgBoss({ connectionString: url, max: 2, supervise: false, schedule: false });
  boss.on('error', (err: unknown) => console.error(err));
  await boss.start();
  try {
    await boss.createQueue(PG_BOSS_QUEUE);
    for (let from = 0; from < count; from += INSERT_CHUNK) {
      await boss.insert(Array.from({ length: Math.min(INSERT_CHUNK, count - from) }, (_, i) => ({ name: PG_BOSS_QUEUE, data: { n: from + i + 1 } })));
    }
    await boss.getDb().executeSql('VACUUM ANALYZE pgboss.job', []);
  } finally {
    await boss.stop({ graceful: false, wait: true });
  }
}

export async function pgBossJobsLeft(pool: Pick<pg.Pool, 'query'>): Promise<number> {
  return (await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM pgboss.job WHERE name = $1 AND state < 'completed'`, [PG_BOSS_QUEUE])).rows[0]!.n;
}
