/**
 * DELETE /api/v1/rate-limits/:key — drop the tenant's override: the channel's default applies again
 * (none = unlimited). The row itself stays: it still carries a provider's pause (blocked_until),
 * which is the provider's word, not the tenant's setting.
 */
import { validationError } from '../errors.ts';
import { checkRateLimitInput } from './check-rate-limit-input.ts';
import { listRateLimits, type RateKeys, type RateLimitView } from './list-rate-limits.ts';
import type { AppDeps } from './ports.ts';

export async function resetRateLimit(deps: Pick<AppDeps, 'db'>, channels: RateKeys, tenantId: number, key: string): Promise<RateLimitView> {
  const fields = checkRateLimitInput(channels, key);
  if (fields.length > 0) throw validationError(fields);
  await deps.db
    .updateTable('rate_limits')
    .set({ max_count: null, window_seconds: null })
    .where('tenant_id', '=', tenantId)
    .where('key', '=', key)
    .execute();
  const [view] = await listRateLimits(deps, channels, tenantId, key);
  return view!;
}
