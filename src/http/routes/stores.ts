/** /api/v1/stores: the tenant's shops; creating one hands out its webhook URL and secret once. */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { createStore } from '../../app/create-store.ts';
import { listStores } from '../../app/list-stores.ts';
import type { Services } from '../../main.ts';
import { tenantOf } from '../plugins/api-key-auth.ts';
import { ErrorBody, errorResponses } from '../schemas/error-body.ts';
import { CreateStoreBody, CreateStoreReply, ListStoresReply } from '../schemas/stores.ts';

const security = [{ apiKey: [] }];

export async function storeRoutes(app: FastifyInstance, opts: { services: Services }): Promise<void> {
  const { deps } = opts.services;
  const r = app.withTypeProvider<TypeBoxTypeProvider>();

  r.get(
    '/stores',
    { schema: { tags: ['stores'], summary: 'List stores (never their webhook secrets)', security, response: { 200: ListStoresReply, ...errorResponses } } },
    async (request) => ({ ok: true as const, stores: await listStores(deps, tenantOf(request)) }),
  );

  r.post(
    '/stores',
    {
      schema: {
        tags: ['stores'],
        summary: 'Create a store',
        description:
          'A store on shopify, woocommerce, bigcommerce or magento gets a webhook URL and a signing secret, answered here only. ' +
          'The webhook endpoints themselves arrive in a later release; until then send orders with POST /api/v1/orders.',
        security,
        body: CreateStoreBody,
        response: { 201: CreateStoreReply, ...errorResponses, 409: ErrorBody },
      },
    },
    async (request, reply) => {
      const created = await createStore(deps, tenantOf(request), request.body);
      return reply.code(201).send({ ok: true as const, ...created });
    },
  );
}
