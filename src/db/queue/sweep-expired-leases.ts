/**
 * Crash recovery (DESIGN §7): `sending` rows whose lease has passed go back to `pending` — or to
 * `failed` when their attempts are exhausted. Their in-flight attempt becomes `uncertain` and is
 * counted on the invitation: the worker may have died after handing the message over, so a second
 * delivery is possible and must stay explainable (invariant I4, invariants.md). Due time is unchanged, so a
 * recovered invitation keeps its place in line. Batched, SKIP LOCKED: safe beside running workers.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../schema.ts';

export type SweepResult = { returned: number; failed: number };

export async function sweepExpiredLeases(db: Kysely<Database>, options: { maxAttempts: number; batchSize?: number }): Promise<SweepResult> {
  const batch = options.batchSize ?? 500;
  const total: SweepResult = { returned: 0, failed: 0 };
  for (;;) {
    const { rows } = await sql<{ state: string; n: number }>`
      WITH expired AS (
        SELECT id, lease_token FROM invitations
        WHERE state = 'sending' AND leased_until < now()
        ORDER BY leased_until
        LIMIT ${batch}
        FOR UPDATE SKIP LOCKED
      ),
      swept AS (
        UPDATE invitations inv
        SET state = CASE WHEN inv.attempts >= ${options.maxAttempts} THEN 'failed' ELSE 'pending' END,
            reason_code = CASE WHEN inv.attempts >= ${options.maxAttempts} THEN 'attempts_exhausted' ELSE inv.reason_code END,
            uncertain_attempts = inv.uncertain_attempts + 1,
            last_error = 'lease expired before the worker recorded an outcome; it may have been delivered',
            lease_token = NULL, leased_until = NULL, updated_at = now()
        FROM expired e
        WHERE inv.id = e.id
        RETURNING inv.id, inv.tenant_id, inv.attempts, inv.state, e.lease_token AS old_token
      ),
      att AS (
        UPDATE delivery_attempts a
        -- Its duration is how long it was in flight as far as anyone knows: until the sweep.
        SET outcome = 'uncertain', error = 'lease expired', finished_at = now(),
            duration_ms = (extract(epoch FROM now() - a.started_at) * 1000)::int
        FROM swept s
        WHERE a.invitation_id = s.id AND a.lease_token = s.old_token AND a.outcome IS NULL
      ),
      ev AS (
        INSERT INTO invitation_events (invitation_id, tenant_id, type, at, data)
        SELECT id, tenant_id, 'lease_expired', now(), jsonb_build_object('attempt', attempts, 'state', state) FROM swept
      )
      SELECT state, count(*)::int AS n FROM swept GROUP BY state`.execute(db);
    let swept = 0;
    for (const row of rows) {
      swept += row.n;
      if (row.state === 'failed') total.failed += row.n;
      else total.returned += row.n;
    }
    if (swept < batch) return total;
  }
}
