/** /admin/v1/tenants: the operator creates tenants (getting each one's first API key, once) and lists them. */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { createTenant, listTenants, type TenantView } from '../../app/tenants.ts';
import type { Services } from '../../main.ts';
import { ErrorBody, errorResponses } from '../schemas/error-body.ts';
import { CreateTenantBody, CreateTenantReply, ListTenantsReply } from '../schemas/tenants.ts';

const security = [{ adminToken: [] }];

function tenantJson(t: TenantView) {
  return { id: t.id, slug: t.slug, name: t.name, timezone: t.timezone, invitations_per_hour: t.invitationsPerHour, created_at: t.createdAt.toISOString() };
}

export async function adminTenantRoutes(app: FastifyInstance, opts: { services: Services }): Promise<void> {
  const { deps } = opts.services;
  const r = app.withTypeProvider<TypeBoxTypeProvider>();

  r.post(
    '/tenants',
    {
      schema: {
        tags: ['admin'],
        summary: 'Create a tenant and its first API key',
        description: 'The API key is in this response only; it is stored hashed and never shown again.',
        security,
        body: CreateTenantBody,
        response: { 201: CreateTenantReply, ...errorResponses, 403: ErrorBody, 409: ErrorBody },
      },
    },
    async (request, reply) => {
      const { name, slug, timezone, invitations_per_hour } = request.body;
      const created = await createTenant(deps, { name, slug, timezone, invitationsPerHour: invitations_per_hour });
      const { id, name: keyName, prefix, key } = created.apiKey;
      request.log.info({ tenant: created.tenant.id, keyId: id }, 'tenant created');
      reply.header('cache-control', 'no-store');
      return reply.code(201).send({ ok: true as const, tenant: tenantJson(created.tenant), api_key: { id, name: keyName, prefix, key } });
    },
  );

  r.get(
    '/tenants',
    {
      schema: { tags: ['admin'], summary: 'List tenants (never their keys)', security, response: { 200: ListTenantsReply, ...errorResponses, 403: ErrorBody } },
    },
    async () => ({ ok: true as const, tenants: (await listTenants(deps)).map(tenantJson) }),
  );
}
