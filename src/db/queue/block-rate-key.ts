/**
 * A provider answered "not now" with a Retry-After (HTTP 429, or 503 with the header): it speaks
 * for the tenant's account, not for one invitation, so the tenant's whole rate key pauses until then
 * (reliability.md item 20) — the claim skips a key whose blocked_until is in the future. Other tenants
 * on the same channel carry on. Creates the row when the key had none (an unlimited key stays
 * unlimited: the row carries no override). Never shortens a pause already in place.
 *
 * Autocommit, outside any transaction; if a claim holds the key's row this waits for that claim's
 * commit, which is milliseconds (the claim does no I/O).
 */
import { sql, type Kysely } from 'kysely';
import { maxRetryAfterMs } from '../../domain/rate-limit.ts';
import type { Database } from '../schema.ts';

export async function blockRateKey(db: Kysely<Database>, input: { tenantId: number; key: string; retryAfterMs: number }): Promise<Date> {
  const ms = Math.round(Math.min(Math.max(0, input.retryAfterMs), maxRetryAfterMs));
  const { rows } = await sql<{ blocked_until: Date }>`
    INSERT INTO rate_limits (tenant_id, key, blocked_until)
    VALUES (${input.tenantId}, ${input.key}, now() + ${ms} * interval '1 millisecond')
    ON CONFLICT (tenant_id, key) DO UPDATE
    SET blocked_until = GREATEST(rate_limits.blocked_until, EXCLUDED.blocked_until)
    RETURNING blocked_until`.execute(db);
  return rows[0]!.blocked_until;
}
