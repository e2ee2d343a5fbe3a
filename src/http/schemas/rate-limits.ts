/** Schemas of /api/v1/rate-limits. Ranges are checked by the use case too (one 400 names every field). */
import { Type, type Static } from 'typebox';
import type { RateLimitView } from '../../app/list-rate-limits.ts';
import { maxCountRange, windowSecondsRange } from '../../domain/rate-limit.ts';
import { Nullable } from './error-body.ts';

export const RateKeyParams = Type.Object({
  key: Type.String({ description: 'The rate key: a channel id (email, webhook, amino, ...)', examples: ['amino'] }),
});

export const SetRateLimitBody = Type.Object(
  {
    max_count: Type.Integer({ ...maxCountRange, description: 'Deliveries started per window at most; 0 pauses the key', examples: [100] }),
    window_seconds: Type.Integer({ ...windowSecondsRange, description: 'Length of the rolling window in seconds', examples: [3600] }),
  },
  { additionalProperties: false },
);

export const RateLimitSchema = Type.Object(
  {
    key: Type.String(),
    max_count: Nullable(Type.Integer({ description: 'The budget in force; null = unlimited' })),
    window_seconds: Nullable(Type.Integer()),
    source: Type.Union([Type.Literal('override'), Type.Literal('default'), Type.Literal('none')], {
      description: "override = yours (PUT), default = the channel's, none = unlimited",
    }),
    default: Nullable(Type.Object({ max_count: Type.Integer(), window_seconds: Type.Integer() }, { description: "The channel's budget, which DELETE goes back to" })),
    used: Nullable(Type.Integer({ description: 'Deliveries started in the current window' })),
    blocked_until: Nullable(Type.String({ format: 'date-time', description: "The provider asked to wait (Retry-After): nothing goes out on this key before then" })),
  },
  { title: 'RateLimit' },
);

export const RateLimitReply = Type.Object({ ok: Type.Literal(true), rate_limit: RateLimitSchema });
export const ListRateLimitsReply = Type.Object({ ok: Type.Literal(true), rate_limits: Type.Array(RateLimitSchema) });

type SameKeys<A, B> = [keyof A] extends [keyof B] ? ([keyof B] extends [keyof A] ? true : false) : false;
true satisfies SameKeys<RateLimitView, Static<typeof RateLimitSchema>>;
