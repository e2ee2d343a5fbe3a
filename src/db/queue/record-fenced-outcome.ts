/**
 * The one shape of every update after a delivery's network call (DESIGN §7; invariant I3, fencing,
 * in invariants.md): the invitation changes only while it is still `sending` under OUR lease token; a
 * worker whose lease was swept or taken over changes 0 rows, logs "lease lost" and carries on — it
 * never throws for that.
 *
 * One statement does three writes, so they commit together without an explicit transaction:
 * the invitation (fenced), our attempt row (finished with what really happened — even when the lease
 * was lost, it is still a fact about our attempt unless the sweeper already settled it), and the
 * timeline event (only when the invitation changed).
 */
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Logger } from '../../logger.ts';
import type { AttemptOutcome } from '../../domain/glossary.ts';
import type { Database } from '../schema.ts';

export type FencedOutcome = {
  invitationId: number;
  leaseToken: string;
  /** The invitation's new values; the lease columns and updated_at are cleared/stamped here. */
  set: RawBuilder<unknown>;
  attempt: { outcome: AttemptOutcome; error?: string | null | undefined; durationMs?: number | null | undefined; providerRef?: string | null | undefined };
  event: { type: string; data: Record<string, unknown> };
};

const MAX_ERROR_LENGTH = 1000;

export function truncateError(error: string | null | undefined): string | null {
  if (error === null || error === undefined) return null;
  return error.length > MAX_ERROR_LENGTH ? `${error.slice(0, MAX_ERROR_LENGTH - 1)}…` : error;
}

export async function recordFencedOutcome(db: Kysely<Database>, logger: Logger, outcome: FencedOutcome): Promise<boolean> {
  const { invitationId: id, leaseToken: token, attempt } = outcome;
  const duration = attempt.durationMs === undefined || attempt.durationMs === null ? null : Math.max(0, Math.round(attempt.durationMs));
  const { rows } = await sql<{ changed: number }>`
    WITH inv AS (
      UPDATE invitations
      SET ${outcome.set}, lease_token = NULL, leased_until = NULL, updated_at = now()
      WHERE id = ${id} AND lease_token = ${token} AND state = 'sending'
      RETURNING id, tenant_id
    ),
    att AS (
      UPDATE delivery_attempts
      SET outcome = ${attempt.outcome}, error = ${truncateError(attempt.error)}, duration_ms = ${duration},
          provider_ref = ${attempt.providerRef ?? null}, finished_at = now()
      WHERE invitation_id = ${id} AND lease_token = ${token} AND outcome IS NULL
    ),
    ev AS (
      INSERT INTO invitation_events (invitation_id, tenant_id, type, at, data)
      SELECT id, tenant_id, ${outcome.event.type}::text, now(), ${JSON.stringify(outcome.event.data)}::jsonb FROM inv
    )
    SELECT count(*)::int AS changed FROM inv`.execute(db);
  const changed = rows[0]?.changed ?? 0;
  if (changed === 0) {
    logger.warn({ invitation: id, outcome: attempt.outcome }, 'lease lost: the invitation was swept or taken over by another worker; outcome not applied');
  }
  return changed > 0;
}
