/**
 * Rate limit: at most `maxCount` deliveries started in any rolling `windowSeconds`, per tenant and
 * rate key. The rate key of an invitation is its channel id ('email', 'webhook', 'amino', ...): a
 * provider's limit applies per account, and a tenant's account on a provider is reached through one
 * channel. A channel may declare a default (amino: 100 per hour); a tenant may override it or set one
 * where there is none; a key with neither is unlimited. A provider's Retry-After pauses the key for
 * that tenant (blocked_until) whatever its budget.
 *
 * One budget per key: where a provider publishes two, the tighter one usually implies the other
 * (Trustpilot: 833 per 5 minutes is at most 9,996 per hour, under its 10,000 per hour).
 *
 * "Started" is the attempt's started_at, written by the claim: whatever the attempt ends as, it may
 * have reached the provider, so it counts.
 */
export type RateLimit = { maxCount: number; windowSeconds: number };

export type KeyedRateLimit = RateLimit & { key: string };

/** 0 pauses the key; the upper bound keeps the per-claim count of a window cheap. */
export const maxCountRange = { min: 0, max: 1_000_000 } as const;

/** Up to 7 days: attempts older than that are never counted (see migrations/0004). */
export const windowSecondsRange = { min: 1, max: 7 * 24 * 3600 } as const;

/** The longest pause a provider's Retry-After can impose on a key or an invitation. */
export const maxRetryAfterMs = 7 * 24 * 3600 * 1000;
