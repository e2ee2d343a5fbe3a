/**
 * graphile-worker 0.17.3 as a bench process, with the preset its performance page documents for its
 * published figures (https://worker.graphile.org/docs/performance): concurrentJobs 24, maxPoolSize 25,
 * localQueue { size: 500 }, completeJobBatchDelay 0, failJobBatchDelay 0. One task, `noop`, that
 * returns at once. Its pool is opened (every connection) before `ready`; run() starts on `go`.
 * Spoken to by time-drain.ts (serve-drain.ts protocol).
 */
import { Logger, run, type Runner } from 'graphile-worker';
import pg from 'pg';
import { serveDrain } from './serve-drain.ts';

const GRAPHILE_PRESET = {
  concurrentJobs: 24,
  maxPoolSize: 25,
  localQueue: { size: 500 },
  completeJobBatchDelay: 0,
  failJobBatchDelay: 0,
};

await serveDrain(async () => {
  const pgPool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: GRAPHILE_PRESET.maxPoolSize });
  const clients = await Promise.all(Array.from({ length: GRAPHILE_PRESET.maxPoolSize }, () => pgPool.connect()));
  for (const client of clients) client.release();
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
