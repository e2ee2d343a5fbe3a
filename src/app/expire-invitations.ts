/**
 * Stamps `expired` on sent invitations whose review link's window passed without a review (a periodic
 * task). expired_at is the moment the window closed (expires_at), not when this task noticed, so the
 * stats do not depend on how often it runs. Batched and SKIP LOCKED: safe to run beside anything.
 */
import { sql } from 'kysely';
import type { AppDeps } from './ports.ts';

export type ExpireResult = { expired: number };

export async function expireInvitations(deps: Pick<AppDeps, 'db' | 'clock'>, options: { batchSize?: number } = {}): Promise<ExpireResult> {
  const batch = options.batchSize ?? 1000;
  const now = deps.clock.now();
  let expired = 0;
  for (;;) {
    const { rows } = await sql<{ n: number }>`
      WITH due AS (
        SELECT id FROM invitations
        WHERE state = 'sent' AND completed_at IS NULL AND expired_at IS NULL AND expires_at <= ${now}
        ORDER BY expires_at
        LIMIT ${batch}
        FOR UPDATE SKIP LOCKED
      ),
      stamped AS (
        UPDATE invitations inv SET expired_at = inv.expires_at, updated_at = now()
        FROM due WHERE inv.id = due.id
        RETURNING inv.id, inv.tenant_id, inv.expires_at
      ),
      ev AS (
        INSERT INTO invitation_events (invitation_id, tenant_id, type, at, data)
        SELECT id, tenant_id, 'expired', expires_at, NULL FROM stamped
      )
      SELECT count(*)::int AS n FROM stamped`.execute(deps.db);
    const n = rows[0]?.n ?? 0;
    expired += n;
    if (n < batch) return { expired };
  }
}
