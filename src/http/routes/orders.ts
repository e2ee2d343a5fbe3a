/** /api/v1/orders: upsert one order (and learn what it scheduled), read one order. */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { getOrder } from '../../app/get-order.ts';
import { recordOrder } from '../../app/record-order.ts';
import { orderFieldErrors } from '../../app/resolve-order-dates.ts';
import { validationError, type FieldError } from '../../errors.ts';
import type { Services } from '../../main.ts';
import { tenantOf } from '../plugins/api-key-auth.ts';
import { ErrorBody, errorResponses } from '../schemas/error-body.ts';
import { OrderDetailReply, OrderQuery, OrderRefParams, RecordOrderBody, RecordOrderReply } from '../schemas/orders.ts';
import { validationFields } from '../validation-fields.ts';

const security = [{ apiKey: [] }];

/** The use case's messages are the more specific ones for a field both name. */
function merge(schemaFields: FieldError[], own: FieldError[]): FieldError[] {
  const named = new Set(own.map((f) => f.field));
  return [...own, ...schemaFields.filter((f) => !named.has(f.field))];
}

export async function orderRoutes(app: FastifyInstance, opts: { services: Services }): Promise<void> {
  const { deps } = opts.services;
  const r = app.withTypeProvider<TypeBoxTypeProvider>();

  r.post(
    '/orders',
    {
      attachValidation: true,
      schema: {
        tags: ['orders'],
        summary: 'Create or update one order',
        description:
          'Upserts the order by (store, order_ref); a new status is added to its history. In the same transaction every enabled campaign ' +
          'schedules its one invitation for the order, or says why not (not_scheduled, with a reason code). A cancel status ' +
          '(cancelled, refunded, failed, or the campaign\'s own) skips the order\'s pending invitations. Repeating a request changes nothing.',
        security,
        body: RecordOrderBody,
        response: { 200: RecordOrderReply, ...errorResponses, 413: ErrorBody, 415: ErrorBody },
      },
    },
    async (request) => {
      const tenantId = tenantOf(request);
      if (request.validationError) {
        const schemaFields = validationFields(request.validationError.validation, request.validationError.validationContext);
        throw validationError(merge(schemaFields, await orderFieldErrors(deps.db, tenantId, request.body, deps.clock.now())));
      }
      const result = await recordOrder(deps, tenantId, request.body, {});
      return { ok: true as const, ...result };
    },
  );

  r.get(
    '/orders/:order_ref',
    {
      schema: {
        tags: ['orders'],
        summary: 'One order with its status history and invitations',
        description: 'When several of your stores have this order_ref, name the store (?store=code); without it the answer is 409 listing them.',
        security,
        params: OrderRefParams,
        querystring: OrderQuery,
        response: { 200: OrderDetailReply, ...errorResponses, 409: ErrorBody },
      },
    },
    async (request) => {
      const detail = await getOrder(deps, tenantOf(request), request.params.order_ref, request.query.store);
      return { ok: true as const, ...detail };
    },
  );
}
