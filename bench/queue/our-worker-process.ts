/**
 * Our worker as a bench process: exactly what `review-invites work` builds (config from the
 * environment, openServices, createWorker), except that the `email` channel is a no-op that accepts
 * every invitation at once — so what is measured is the queue (claim, send-time re-check, fenced
 * mark-sent), not a provider. The no-op channel goes in through the registry's overrides, the seam
 * tests use too; production code has no bench hook.
 *
 * Finished invitations are counted through the worker's observer, which is called after the outcome
 * is committed. Spoken to by time-drain.ts (serve-drain.ts protocol).
 */
import { createChannelRegistry } from '../../src/channels/registry.ts';
import type { Channel } from '../../src/app/ports.ts';
import { loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/logger.ts';
import { openServices } from '../../src/main.ts';
import { createWorker } from '../../src/worker/worker.ts';
import { serveDrain } from './serve-drain.ts';

const noopChannel: Channel = {
  id: 'email',
  async deliver(request) {
    return { providerRef: `noop-${request.invitation.id}` };
  },
};

await serveDrain(async () => {
  const config = loadConfig(process.env, { dotenv: false });
  const logger = createLogger(config.logLevel);
  const opened = await openServices(config, logger, { migrate: false, defaultMetrics: false });
  const channels = createChannelRegistry({ config, logger, db: opened.database.db }, { email: noopChannel });
  const services = { ...opened, channels };
  // Profiling aid: every statement of this worker, with its duration, in the server's log.
  if (process.env.BENCH_LOG_STATEMENTS === '1') services.database.pool.on('connect', (client) => void client.query('SET log_min_duration_statement = 0'));
  // Open the pool's connections now: connecting is boot, not draining.
  const clients = await Promise.all(Array.from({ length: config.databasePoolSize }, () => services.database.pool.connect()));
  for (const client of clients) client.release();
  let finished: (count: number) => void = () => {};
  const worker = createWorker(services, {
    observer: {
      recordAttempt(channel, outcome, seconds) {
        services.metrics.recordAttempt(channel, outcome, seconds);
        if (outcome === 'sent') finished(1);
      },
    },
  });
  return {
    start(onFinished) {
      finished = onFinished;
      worker.start();
    },
    async stop() {
      await worker.stop({ graceMs: 1000 });
      await services.close();
    },
  };
});
