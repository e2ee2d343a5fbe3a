/**
 * A tenant's rate limits as the API shows them: one entry per rate key — every channel, plus any key
 * the tenant has a row for — with the budget in force and where it comes from (the tenant's override,
 * the channel's default, or none = unlimited), how much of the current window is used, and a
 * provider's pause if one is in force.
 */
import { sql } from 'kysely';
import type { KeyedRateLimit } from '../domain/rate-limit.ts';
import type { AppDeps } from './ports.ts';

/** What the rate-limit use cases need of the channel registry. */
export type RateKeys = { ids(): string[]; defaultRateLimits(): KeyedRateLimit[] };

export type RateLimitView = {
  key: string;
  /** The budget in force; null = unlimited. */
  max_count: number | null;
  window_seconds: number | null;
  source: 'override' | 'default' | 'none';
  /** The channel's own budget, which DELETE goes back to. */
  default: { max_count: number; window_seconds: number } | null;
  /** Deliveries started in the current window (limited keys only). */
  used: number | null;
  /** Set while a provider's Retry-After pauses the key: nothing is claimed before then. */
  blocked_until: string | null;
};

type Row = { key: string; max_count: number | null; window_seconds: number | null; blocked_until: Date | null; blocked: boolean };

export async function listRateLimits(deps: Pick<AppDeps, 'db'>, channels: RateKeys, tenantId: number, onlyKey?: string): Promise<RateLimitView[]> {
  const { rows } = await sql<Row>`
    SELECT key, max_count, window_seconds, blocked_until, coalesce(blocked_until > now(), false) AS blocked
    FROM rate_limits WHERE tenant_id = ${tenantId}`.execute(deps.db);
  const stored = new Map(rows.map((r) => [r.key, r]));
  const defaults = new Map(channels.defaultRateLimits().map((d) => [d.key, d]));
  const keys = [...new Set([...channels.ids(), ...stored.keys()])].filter((k) => onlyKey === undefined || k === onlyKey).sort();

  const views: RateLimitView[] = [];
  for (const key of keys) {
    const row = stored.get(key);
    const fallback = defaults.get(key);
    const override = row?.max_count != null && row.window_seconds != null ? { max_count: row.max_count, window_seconds: row.window_seconds } : undefined;
    const inForce = override ?? (fallback ? { max_count: fallback.maxCount, window_seconds: fallback.windowSeconds } : undefined);
    views.push({
      key,
      max_count: inForce?.max_count ?? null,
      window_seconds: inForce?.window_seconds ?? null,
      source: override ? 'override' : fallback ? 'default' : 'none',
      default: fallback ? { max_count: fallback.maxCount, window_seconds: fallback.windowSeconds } : null,
      used: inForce ? await usedInWindow(deps, tenantId, key, inForce.window_seconds) : null,
      blocked_until: row?.blocked && row.blocked_until ? row.blocked_until.toISOString() : null,
    });
  }
  return views;
}

/** Counted exactly as the claim counts it: attempts started, whatever they ended as. */
async function usedInWindow(deps: Pick<AppDeps, 'db'>, tenantId: number, key: string, windowSeconds: number): Promise<number> {
  const { rows } = await sql<{ n: number }>`
    SELECT count(*)::int AS n FROM delivery_attempts
    WHERE tenant_id = ${tenantId} AND rate_key = ${key} AND started_at > now() - ${windowSeconds} * interval '1 second'`.execute(deps.db);
  return rows[0]?.n ?? 0;
}
