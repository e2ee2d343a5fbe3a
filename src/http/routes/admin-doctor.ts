/**
 * GET /admin/v1/doctor: the queue's vital signs and the problems `review-invites doctor` reports.
 * In embedded mode the running process holds the data directory, so the CLI asks it here.
 */
import type { FastifyInstance } from 'fastify';
import { doctorReport } from '../../app/doctor-report.ts';
import type { Services } from '../../main.ts';

export async function adminDoctorRoutes(app: FastifyInstance, opts: { services: Services }): Promise<void> {
  const { deps, database } = opts.services;
  app.get('/doctor', { schema: { tags: ['admin'], summary: 'Queue health and problems (what `review-invites doctor` prints)', security: [{ adminToken: [] }] } }, async (_request, reply) => {
    const report = await doctorReport(deps, database.pool);
    reply.header('cache-control', 'no-store');
    return { ok: report.problems.length === 0, ...report };
  });
}
