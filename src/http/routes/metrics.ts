/**
 * GET /metrics: Prometheus text exposition of this process's registry — queue depth by state, due lag
 * and stuck leases (read at scrape time), deliveries by channel and outcome, attempt latency. Counts
 * only, never names, addresses or tokens; keep it on an internal network all the same.
 */
import type { FastifyInstance } from 'fastify';
import type { Services } from '../../main.ts';

export async function metricsRoutes(app: FastifyInstance, opts: { services: Services }): Promise<void> {
  const { registry } = opts.services.metrics;
  app.get('/metrics', { schema: { tags: ['operations'], summary: 'Prometheus metrics' } }, async (_request, reply) => {
    reply.header('content-type', registry.contentType);
    reply.header('cache-control', 'no-store');
    return registry.metrics();
  });
}
