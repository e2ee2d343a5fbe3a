/**
 * PUT /api/v1/rate-limits/:key — the tenant's own budget for a rate key, replacing the channel's
 * default (or limiting a key that has none). It applies from the next claim on: the claim counts the
 * attempts already started in the window, so lowering a budget holds what is over it, never undoes it.
 */
import { sql } from 'kysely';
import { validationError } from '../errors.ts';
import { checkRateLimitInput } from './check-rate-limit-input.ts';
import { listRateLimits, type RateKeys, type RateLimitView } from './list-rate-limits.ts';
import type { AppDeps } from './ports.ts';

export type RateLimitInput = { max_count: number; window_seconds: number };

export async function setRateLimit(deps: Pick<AppDeps, 'db'>, channels: RateKeys, tenantId: number, key: string, input: RateLimitInput): Promise<RateLimitView> {
  const fields = checkRateLimitInput(channels, key, input);
  if (fields.length > 0) throw validationError(fields);
  await sql`
    INSERT INTO rate_limits (tenant_id, key, max_count, window_seconds)
    VALUES (${tenantId}, ${key}, ${input.max_count}, ${input.window_seconds})
    ON CONFLICT (tenant_id, key) DO UPDATE SET max_count = EXCLUDED.max_count, window_seconds = EXCLUDED.window_seconds`.execute(deps.db);
  const [view] = await listRateLimits(deps, channels, tenantId, key);
  return view!;
}
