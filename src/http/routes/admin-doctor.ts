/**
 * GET /admin/v1/doctor: the queue's vital signs and the problems `review-invites doctor` reports.
 * In embedded mode the running process holds the data directory, so the CLI asks it here.
 */
import type { FastifyInstance } from 'fastify';
import { diagnose, readQueueHealth } from '../../app/queue-health.ts';
import { pendingMigrations } from '../../db/migrate.ts';
import type { Services } from '../../main.ts';

export async function adminDoctorRoutes(app: FastifyInstance, opts: { services: Services }): Promise<void> {
  const { deps, database } = opts.services;
  app.get('/doctor', { schema: { tags: ['admin'], summary: 'Queue health and problems (what `review-invites doctor` prints)', security: [{ adminToken: [] }] } }, async (_request, reply) => {
    const report = await doctorReport(deps, database.pool);
    reply.header('cache-control', 'no-store');
    return { ok: report.problems.length === 0, ...report };
  });
}

export async function doctorReport(deps: Pick<Services['deps'], 'db'>, pool: Services['database']['pool']) {
  const [health, pending] = await Promise.all([readQueueHealth(deps), pendingMigrations(pool)]);
  const problems = diagnose(health);
  if (pending.length > 0) problems.unshift(`migrations not applied: ${pending.join(', ')}`);
  return { problems, health, pending_migrations: pending };
}
