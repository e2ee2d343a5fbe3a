/** /api/v1/orders: upsert one order (and learn what it scheduled), read one order. */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { getOrder } from '../../app/get-order.ts';
import { checkOrderInput } from '../../app/check-order-input.ts';
import { createOrderIntake } from '../../app/create-order-intake.ts';
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
  // Concurrent writes of a tenant share one transaction (group commit).
  const intake = createOrderIntake(deps);

  r.post(
    '/orders',
    {
      attachValidation: true,
      schema: {
        tags: ['orders'],
        summary: 'Create or update one order',
        description:
          'Upserts the order by (store, order_ref); a new status is added to its history. In the same transaction every campaign ' +
          'schedules its one invitation for the order, or says why not (not_scheduled, with a reason code; a disabled campaign: campaign_disabled). A cancel status ' +
          '(cancelled, refunded, failed, or the campaign\'s own) skips the order\'s pending invitations. Repeating a request changes nothing. ' +
          'Concurrent requests of one tenant are committed together (group commit); each gets its own answer, and one request\'s error never fails another.',
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
      // Checked before batching, so a bad request costs the others nothing.
      if (!checkOrderInput(request.body).ok) throw validationError(await orderFieldErrors(deps.db, tenantId, request.body, deps.clock.now()));
      const outcome = await intake(tenantId, request.body);
      if (!outcome.ok) throw outcome.error;
      return { ok: true as const, ...outcome.result };
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
