/**
 * How long an idle worker may sleep (worker.ts): the milliseconds until the next pending invitation
 * falls due, by the database's clock, or null when none falls due within `withinMs`.
 *
 * `sinceMs` reaches back to the claim that found nothing: an invitation that fell due between that
 * claim and this read answers 0 (claim again), instead of being passed over until the next poll.
 * A due invitation the claim left (its key out of budget, or locked by another worker's claim) also
 * answers 0 once, for at most `sinceMs` after the claim; the one after it is older than that.
 *
 * One descent of the partial index invitations_due (scheduled_at WHERE state = 'pending').
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../schema.ts';

export async function nextDueInMs(db: Kysely<Database>, window: { sinceMs: number; withinMs: number }): Promise<number | null> {
  const { rows } = await sql<{ ms: number | null }>`
    SELECT (EXTRACT(EPOCH FROM min(scheduled_at) - now()) * 1000)::float8 AS ms
    FROM invitations
    WHERE state = 'pending'
      AND scheduled_at > now() - ${window.sinceMs}::float8 * interval '1 millisecond'
      AND scheduled_at <= now() + ${window.withinMs}::float8 * interval '1 millisecond'`.execute(db);
  const ms = rows[0]?.ms ?? null;
  return ms === null ? null : Math.max(0, ms);
}
