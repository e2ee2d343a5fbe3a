/**
 * The composition root: the only place that picks concrete adapters. Config → database → use-case
 * dependencies → channels; the CLI then starts the HTTP server, the worker, or both.
 */
import { EventEmitter } from 'node:events';
import type { Config } from './config.ts';
import type { Logger } from './logger.ts';
import { createDatabase, type DatabaseHandle } from './db/create-database.ts';
import { migrate } from './db/migrate.ts';
import { createLinkTokens, resolveLinkSecret } from './app/link-tokens.ts';
import { systemClock, type AppDeps, type Clock } from './app/ports.ts';
import { createChannelRegistry, type ChannelRegistry } from './channels/registry.ts';
import { createMetrics, type Metrics } from './observability/metrics.ts';

export type Services = {
  readonly config: Config;
  readonly logger: Logger;
  readonly database: DatabaseHandle;
  readonly deps: AppDeps;
  readonly channels: ChannelRegistry;
  /** Emits 'wake' when an invitation became due now (in-process worker skips its poll wait). */
  readonly wake: EventEmitter;
  /** This process's Prometheus registry; the worker counts deliveries into it, /metrics serves it. */
  readonly metrics: Metrics;
  close(): Promise<void>;
};

export type OpenServicesOptions = {
  /** Apply pending migrations first (default true). */
  migrate?: boolean;
  clock?: Clock;
  /** Process metrics (CPU, memory, event loop) in /metrics; tests turn them off. Default true. */
  defaultMetrics?: boolean;
  /** Use this database instead of opening one from config (tests). Not closed by close(). */
  database?: DatabaseHandle;
};

export async function openDatabase(config: Config): Promise<DatabaseHandle> {
  return config.databaseUrl
    ? createDatabase({ kind: 'postgres', url: config.databaseUrl, poolSize: config.databasePoolSize })
    : createDatabase({ kind: 'pglite', dataDir: config.dataDir });
}

export async function openServices(config: Config, logger: Logger, options: OpenServicesOptions = {}): Promise<Services> {
  const database = options.database ?? (await openDatabase(config));
  try {
    if (options.migrate !== false) {
      const result = await migrate(database.pool);
      if (result.applied.length > 0) logger.info({ applied: result.applied }, 'database migrated');
    }
    const wake = new EventEmitter();
    wake.setMaxListeners(100);
    const links = createLinkTokens(await resolveLinkSecret(database.db, config.secretKey));
    const deps: AppDeps = {
      db: database.db,
      clock: options.clock ?? systemClock,
      logger,
      links,
      publicUrl: config.publicUrl,
      wakeWorker: () => wake.emit('wake'),
    };
    const channels = createChannelRegistry({ config, logger, db: database.db });
    // RFC 8058 one-click needs an HTTPS List-Unsubscribe URL: Gmail and Yahoo ignore (and may penalise) plain HTTP.
    if (config.smtpUrl !== undefined && new URL(config.publicUrl).protocol !== 'https:') {
      logger.warn({ publicUrl: config.publicUrl }, 'PUBLIC_URL is not https: review and one-click unsubscribe links in real emails need an https address customers can reach');
    }
    const metrics = createMetrics(deps, { defaultMetrics: options.defaultMetrics ?? true });
    return {
      config,
      logger,
      database,
      deps,
      channels,
      wake,
      metrics,
      async close() {
        await channels.close();
        if (!options.database) await database.close();
      },
    };
  } catch (err) {
    if (!options.database) await database.close();
    throw err;
  }
}
