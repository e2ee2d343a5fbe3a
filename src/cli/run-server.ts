/**
 * The long-running modes: `start` (HTTP + worker), `serve` (HTTP only) and `work` (worker only).
 * Opens the services, listens, starts the worker, prints the banner, then waits for SIGTERM/SIGINT and
 * shuts down in order: stop taking requests and claims, let in-flight deliveries finish within the grace
 * period, close the database (releasing the DATA_DIR lock). A second signal exits at once.
 */
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.ts';
import { createLogger, type Logger } from '../logger.ts';
import { openServices, type Services } from '../main.ts';
import { serveMetrics, type MetricsListener } from '../observability/serve-metrics.ts';
import type { Worker } from '../worker/worker.ts';
import { ensureDemoTenant } from './ensure-demo-tenant.ts';
import { formatStartBanner } from './start-banner.ts';

export type RunMode = 'start' | 'serve' | 'work';

type Output = { print(text: string): void };

/** Resolves on the first SIGTERM/SIGINT; a second one ends the process on the spot. */
function watchSignals(logger: Logger): { stopped: Promise<NodeJS.Signals> } {
  let received: NodeJS.Signals | undefined;
  let resolve!: (signal: NodeJS.Signals) => void;
  const stopped = new Promise<NodeJS.Signals>((r) => (resolve = r));
  const onSignal = (signal: NodeJS.Signals) => {
    if (received !== undefined) {
      logger.warn({ signal }, 'second signal: exiting without waiting');
      process.exit(signal === 'SIGINT' ? 130 : 143);
    }
    received = signal;
    logger.info({ signal }, 'shutting down');
    resolve(signal);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  return { stopped };
}

/** The URL a user on this machine can paste: a wildcard bind address is reached as localhost. */
function localUrl(address: AddressInfo): string {
  const host = ['0.0.0.0', '::'].includes(address.address)
    ? 'localhost'
    : address.family === 'IPv6'
      ? `[${address.address}]`
      : address.address;
  return `http://${host}:${address.port}`;
}

async function listen(app: FastifyInstance, config: Config): Promise<AddressInfo> {
  try {
    await app.listen({ host: config.host, port: config.port });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new Error(`Port ${config.port} on ${config.host} is already in use; set PORT to a free port`, { cause: err });
    if (code === 'EACCES') throw new Error(`Not allowed to listen on port ${config.port}; use a port above 1023`, { cause: err });
    throw err;
  }
  return app.server.address() as AddressInfo;
}

export async function runServer(config: Config, mode: RunMode, out: Output): Promise<number> {
  const logger = createLogger(config.logLevel);
  const signals = watchSignals(logger);
  const withHttp = mode !== 'work';
  const withWorker = mode !== 'serve';
  // Load the HTTP stack and the worker while the database opens (PGlite takes a moment): faster ready.
  const httpModule = withHttp ? import('../http/app.ts') : undefined;
  const workerModule = withWorker ? import('../worker/worker.ts') : undefined;
  // Observed below; until then a failed load must not count as an unhandled rejection.
  httpModule?.catch(() => {});
  workerModule?.catch(() => {});

  const services: Services = await openServices(config, logger);
  let app: FastifyInstance | undefined;
  let worker: Worker | undefined;
  // `work` has no HTTP app: with METRICS_PORT its /metrics gets a listener of its own.
  let metrics: MetricsListener | undefined;
  try {
    if (httpModule) {
      const { buildHttpApp } = await httpModule;
      app = await buildHttpApp(services);
      const address = await listen(app, config);
      const url = localUrl(address);
      // After listen, not before: a failed listen must not swallow the one-time demo key.
      const demo = mode === 'start' ? await ensureDemoTenant(services.deps) : undefined;
      if (workerModule) worker = (await workerModule).startWorker(services);
      out.print(
        formatStartBanner({
          mode: mode === 'start' ? 'start' : 'serve',
          localUrl: url,
          publicUrl: config.publicUrl,
          databaseUrl: config.databaseUrl,
          dataDir: config.dataDir,
          smtpConfigured: config.smtpUrl !== undefined,
          demo: demo && { name: demo.tenant.name, slug: demo.tenant.slug, apiKey: demo.apiKey.key },
        }),
      );
      logger.info({ mode, url, publicUrl: config.publicUrl, database: services.database.kind }, 'ready');
    } else if (workerModule) {
      if (config.metricsPort !== undefined) metrics = await serveMetrics(services.metrics.registry, { host: config.host, port: config.metricsPort });
      worker = (await workerModule).startWorker(services);
      const metricsUrl = metrics && `${localUrl(metrics.address)}/metrics`;
      logger.info({ mode, workerId: worker.id, database: services.database.kind, ...(metricsUrl ? { metricsUrl } : {}) }, 'ready');
    }
  } catch (err) {
    await Promise.allSettled([app?.close(), worker?.stop({ graceMs: 0 }), metrics?.close()]);
    await services.close();
    throw err;
  }

  await signals.stopped;
  const graceMs = config.worker.shutdownGraceMs;
  // Past the grace period plus time to close, something is stuck: exit rather than hang a deploy.
  setTimeout(() => {
    logger.error({ graceMs }, 'shutdown did not finish in time; exiting');
    process.exit(1);
  }, graceMs + 15_000).unref();
  let code = 0;
  const results = await Promise.allSettled([app?.close(), worker?.stop({ graceMs }), metrics?.close()]);
  for (const r of results) {
    if (r.status === 'rejected') {
      code = 1;
      logger.error({ err: r.reason }, 'error while stopping');
    }
  }
  try {
    await services.close();
  } catch (err) {
    code = 1;
    logger.error({ err }, 'error while closing the database');
  }
  logger.info({ mode }, 'stopped');
  // Everything is closed; a leftover handle (a library's idle socket) must not keep the process up.
  setTimeout(() => process.exit(code), 2000).unref();
  return code;
}
