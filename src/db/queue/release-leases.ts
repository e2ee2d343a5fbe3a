/**
 * Graceful shutdown: invitations this worker still holds go back to `pending` at once (their due
 * time unchanged), their attempts end as `released`. The attempt count is not decremented: it counts
 * claims, honestly, and delivery_attempts is unique on (invitation_id, attempt).
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../schema.ts';

export async function releaseLeases(db: Kysely<Database>, leaseTokens: readonly string[], reason = 'released by a stopping worker'): Promise<number> {
  if (leaseTokens.length === 0) return 0;
  const tokens = [...leaseTokens];
  const { rows } = await sql<{ released: number }>`
    WITH released AS (
      UPDATE invitations SET state = 'pending', lease_token = NULL, leased_until = NULL, updated_at = now()
      WHERE lease_token = ANY(${tokens}::uuid[]) AND state = 'sending'
      RETURNING id, tenant_id, attempts
    ),
    att AS (
      UPDATE delivery_attempts SET outcome = 'released', error = ${reason}, finished_at = now(),
             duration_ms = (extract(epoch FROM now() - started_at) * 1000)::int
      WHERE invitation_id IN (SELECT id FROM released) AND lease_token = ANY(${tokens}::uuid[]) AND outcome IS NULL
    ),
    ev AS (
      INSERT INTO invitation_events (invitation_id, tenant_id, type, at, data)
      SELECT id, tenant_id, 'lease_released', now(), jsonb_build_object('attempt', attempts) FROM released
    )
    SELECT count(*)::int AS released FROM released`.execute(db);
  return rows[0]?.released ?? 0;
}
