/**
 * /healthz: the process answers (liveness; never touches the database, so a slow database does not
 * get the process restarted). /readyz: the database answers and its schema is what this build
 * expects — otherwise 503 so a load balancer sends traffic elsewhere.
 */
import { Type } from 'typebox';
import type { FastifyInstance } from 'fastify';
import { pendingMigrations } from '../../db/migrate.ts';
import type { Services } from '../../main.ts';
import { ErrorBody } from '../schemas/error-body.ts';

const READINESS_TIMEOUT_MS = 3000;

const Ok = Type.Object({ ok: Type.Literal(true) });

async function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export async function healthRoutes(app: FastifyInstance, opts: { services: Services }): Promise<void> {
  const { pool } = opts.services.database;

  app.get('/healthz', { logLevel: 'warn', schema: { tags: ['health'], summary: 'Liveness', response: { 200: Ok } } }, async () => ({ ok: true as const }));

  app.get(
    '/readyz',
    { logLevel: 'warn', schema: { tags: ['health'], summary: 'Readiness: database reachable, migrations current', response: { 200: Ok, 503: ErrorBody } } },
    async (request, reply) => {
      let pending: string[];
      try {
        pending = await withTimeout(
          (async () => {
            await pool.query('SELECT 1');
            return pendingMigrations(pool);
          })(),
          READINESS_TIMEOUT_MS,
        );
      } catch (err) {
        request.log.warn({ err }, 'readiness check: database unreachable');
        return reply.code(503).send({ ok: false, error: { code: 'unavailable', message: 'Database unreachable' } });
      }
      if (pending.length > 0) {
        return reply.code(503).send({ ok: false, error: { code: 'unavailable', message: `${pending.length} database migration(s) pending: run review-invites migrate` } });
      }
      return { ok: true as const };
    },
  );
}
