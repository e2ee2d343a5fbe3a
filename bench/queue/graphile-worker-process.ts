/**
 * graphile-worker 0.17.3 as a bench process, with the preset its performance page documents for its
 * published figures (graphile-preset.ts). Its pool is opened (every connection) before `ready`; run()
 * starts on `go`. Two tasks: `noop`, which returns at once, and `deliver`, whose task is record-task.ts —
 * the seeded queue decides which runs (`noop` jobs, or one `deliver` job per invitation for the side that
 * carries our record). Spoken to by time-drain.ts (serve-drain.ts protocol).
 */
import { Logger, run, type Runner } from 'graphile-worker';
import pg from 'pg';
import { GRAPHILE_PRESET } from './graphile-preset.ts';
import { createRecordTask } from './record-task.ts';
import { serveDrain } from './serve-drain.ts';

await serveDrain(async () => {
  const pgPool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: GRAPHILE_PRESET.maxPoolSize });
  const clients = await Promise.all(Array.from({ length: GRAPHILE_PRESET.maxPoolSize }, () => pgPool.connect()));
  for (const client of clients) client.release();
  const deliver = createRecordTask(pgPool);
  // Errors still reach stderr (the parent shows them when a run fails); the rest is dropped, as ours is at LOG_LEVEL=warn.
  const logger = new Logger(() => (level, message) => {
    if (level === 'error') console.error(message);
  });
  let runner: Runner | undefined;
  return {
    async start(finished) {
      runner = await run({
        pgPool,
        logger,
        noHandleSignals: true,
        taskList: {
          noop: async () => {
            finished(1);
          },
          deliver: async (payload) => {
            await deliver(Number((payload as { id: number }).id));
            finished(1);
          },
        },
        preset: { worker: GRAPHILE_PRESET },
      });
    },
    async stop() {
      await runner?.stop();
      await pgPool.end();
    },
  };
});
