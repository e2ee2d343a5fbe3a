/** /api/v1/outbox: the emails this tenant's invitations produced while no SMTP server is configured. */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { listOutbox } from '../../app/list-outbox.ts';
import type { Services } from '../../main.ts';
import { tenantOf } from '../plugins/api-key-auth.ts';
import { errorResponses } from '../schemas/error-body.ts';
import { OutboxQuery, OutboxReply } from '../schemas/outbox.ts';

export async function outboxRoutes(app: FastifyInstance, opts: { services: Services }): Promise<void> {
  const { deps } = opts.services;
  app.withTypeProvider<TypeBoxTypeProvider>().get(
    '/outbox',
    {
      schema: {
        tags: ['outbox'],
        summary: 'Captured emails, newest first',
        security: [{ apiKey: [] }],
        querystring: OutboxQuery,
        response: { 200: OutboxReply, ...errorResponses },
      },
    },
    async (request) => {
      const { cursor, limit } = request.query;
      const page = await listOutbox(deps, tenantOf(request), { cursor: cursor === undefined ? undefined : Number(cursor), limit });
      return { ok: true as const, ...page };
    },
  );
}
