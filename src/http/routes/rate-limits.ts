/**
 * /api/v1/rate-limits: the tenant's rolling-window delivery budgets per rate key (channel). GET shows
 * every key's budget in force; PUT sets the tenant's own; DELETE goes back to the channel's default.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { checkRateLimitInput } from '../../app/check-rate-limit-input.ts';
import { listRateLimits } from '../../app/list-rate-limits.ts';
import { resetRateLimit } from '../../app/reset-rate-limit.ts';
import { setRateLimit } from '../../app/set-rate-limit.ts';
import { validationError, type FieldError } from '../../errors.ts';
import type { Services } from '../../main.ts';
import { tenantOf } from '../plugins/api-key-auth.ts';
import { errorResponses } from '../schemas/error-body.ts';
import { ListRateLimitsReply, RateKeyParams, RateLimitReply, SetRateLimitBody } from '../schemas/rate-limits.ts';
import { validationFields } from '../validation-fields.ts';

const security = [{ apiKey: [] }];

/** The use case's messages are the more specific ones for a field both name. */
function merge(schemaFields: FieldError[], own: FieldError[]): FieldError[] {
  const named = new Set(own.map((f) => f.field));
  return [...own, ...schemaFields.filter((f) => !named.has(f.field))];
}

export async function rateLimitRoutes(app: FastifyInstance, opts: { services: Services }): Promise<void> {
  const { deps, channels } = opts.services;
  const r = app.withTypeProvider<TypeBoxTypeProvider>();

  r.get(
    '/rate-limits',
    {
      schema: {
        tags: ['rate-limits'],
        summary: 'Delivery budgets per channel',
        description: 'At most max_count deliveries start per rolling window_seconds for each key; invitations over budget wait, pending, never dropped.',
        security,
        response: { 200: ListRateLimitsReply, ...errorResponses },
      },
    },
    async (request) => ({ ok: true as const, rate_limits: await listRateLimits(deps, channels, tenantOf(request)) }),
  );

  r.put(
    '/rate-limits/:key',
    {
      attachValidation: true,
      schema: {
        tags: ['rate-limits'],
        summary: "Set your own budget for a key (replaces the channel's default)",
        security,
        params: RateKeyParams,
        body: SetRateLimitBody,
        response: { 200: RateLimitReply, ...errorResponses },
      },
    },
    async (request) => {
      const tenantId = tenantOf(request);
      if (request.validationError) {
        const schemaFields = validationFields(request.validationError.validation, request.validationError.validationContext);
        const body = typeof request.body === 'object' && request.body !== null ? (request.body as Record<string, unknown>) : {};
        throw validationError(merge(schemaFields, checkRateLimitInput(channels, request.params.key, body)));
      }
      return { ok: true as const, rate_limit: await setRateLimit(deps, channels, tenantId, request.params.key, request.body) };
    },
  );

  r.delete(
    '/rate-limits/:key',
    {
      schema: {
        tags: ['rate-limits'],
        summary: "Drop your budget for a key: the channel's default applies again",
        security,
        params: RateKeyParams,
        response: { 200: RateLimitReply, ...errorResponses },
      },
    },
    async (request) => ({ ok: true as const, rate_limit: await resetRateLimit(deps, channels, tenantOf(request), request.params.key) }),
  );
}
