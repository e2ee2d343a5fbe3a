/**
 * pg-boss 10.4.2 as a bench process, at the fastest settings we found (queue-bench.ts PG_BOSS_ENV): PG_BOSS_WORKERS
 * `work()` loops per process (pg-boss 10 has no teamSize: concurrency is more work() calls), each fetching
 * PG_BOSS_BATCH jobs at a time with the minimum polling interval (0.5 s, only waited when a round was
 * quicker than that), maintenance and scheduling off. The handler gets the batch and returns at once;
 * pg-boss then completes the batch in one statement. With BENCH_TASK=record (the side that carries our
 * record) each job is an invitation and the handler runs record-task.ts for every job of the batch at
 * once, over a pool of its own as large as pg-boss's. Spoken to by time-drain.ts (serve-drain.ts protocol).
 */
import PgBoss from 'pg-boss';
import pg from 'pg';
import { PG_BOSS_QUEUE } from './pg-boss-queue.ts';
import { createRecordTask } from './record-task.ts';
import { serveDrain } from './serve-drain.ts';

await serveDrain(async () => {
  const workers = Number(process.env.PG_BOSS_WORKERS ?? 4);
  const batchSize = Number(process.env.PG_BOSS_BATCH ?? 100);
  const max = Number(process.env.PG_BOSS_POOL ?? 10);
  const boss = new PgBoss({ connectionString: process.env.DATABASE_URL, max, migrate: false, supervise: false, schedule: false });
  boss.on('error', (err: unknown) => console.error(err));
  await boss.start();
  // Open the pools' connections now: connecting is boot, not draining.
  await Promise.all(Array.from({ length: max }, () => boss.getDb().executeSql('SELECT pg_sleep(0.01)', [])));
  const record = process.env.BENCH_TASK === 'record' ? new pg.Pool({ connectionString: process.env.DATABASE_URL, max }) : undefined;
  if (record) for (const client of await Promise.all(Array.from({ length: max }, () => record.connect()))) client.release();
  const deliver = record && createRecordTask(record);
  return {
    async start(finished) {
      for (let i = 0; i < workers; i++) {
        await boss.work<{ id?: number }>(PG_BOSS_QUEUE, { batchSize, pollingIntervalSeconds: 0.5 }, async (jobs) => {
          if (deliver) await Promise.all(jobs.map((job) => deliver(Number(job.data.id))));
          finished(jobs.length);
        });
      }
    },
    async stop() {
      await boss.stop({ graceful: false, wait: true });
      await record?.end();
    },
  };
});
