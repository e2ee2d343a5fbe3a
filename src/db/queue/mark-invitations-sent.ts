/**
 * Fenced, for many invitations at once: the channel accepted each of them. The same three writes as
 * recordFencedOutcome (record-fenced-outcome.ts) in one statement — the invitation becomes `sent`
 * only while it is still `sending` under the given lease token (sent_at, the review link's expiry
 * from campaign.expiry_days), our attempt row is finished whatever became of the lease, and the
 * timeline gets a `sent` event for each invitation that changed — but one round trip, one plan and
 * one commit for the whole batch (the worker's deliveries finish close together).
 *
 * Every row is reached through its key — invitations by id, the attempt by (invitation, attempt
 * number), each also as `= ANY(ids)` so the planner always has the index path: joined on the lease
 * token alone, it read the whole attempt ledger (which only grows) at every flush. (A named statement
 * would save planning, but its cached generic plan kept the statistics of the moment it was prepared
 * — no row `sending`, an empty ledger — and nested-looped every lease against every input: measured
 * 95 against 78 µs of PostgreSQL CPU per invitation.)
 *
 * Two batches cannot deadlock: an UPDATE locks only rows that match their lease token, and a row has
 * one token at a time, so concurrent batches lock disjoint rows.
 */
import { sql, type Kysely } from 'kysely';
import type { Logger } from '../../logger.ts';
import type { Database } from '../schema.ts';
import type { MarkSent } from './mark-sent.ts';

/** One answer per input, in order: true when the invitation is now `sent`, false when its lease was lost. */
export async function markInvitationsSent(db: Kysely<Database>, logger: Logger, inputs: readonly MarkSent[]): Promise<boolean[]> {
  if (inputs.length === 0) return [];
  const ids = inputs.map((i) => i.invitationId);
  const { rows } = await sql<{ id: number }>`
    WITH v AS (
      SELECT * FROM unnest(${ids}::bigint[], ${inputs.map((i) => i.leaseToken)}::uuid[],
                           ${inputs.map((i) => i.attempt)}::int[], ${inputs.map((i) => i.providerRef)}::text[],
                           ${inputs.map((i) => Math.max(0, Math.round(i.durationMs)))}::int[])
        AS v(id, lease_token, attempt, provider_ref, duration_ms)
    ),
    inv AS (
      UPDATE invitations
      SET state = 'sent', sent_at = now(),
          expires_at = now() + (SELECT c.expiry_days FROM campaigns c WHERE c.id = invitations.campaign_id) * interval '1 day',
          provider_ref = v.provider_ref, reason_code = NULL, last_error = NULL,
          lease_token = NULL, leased_until = NULL, updated_at = now()
      FROM v
      WHERE invitations.id = ANY(${ids}::bigint[]) AND invitations.id = v.id AND invitations.lease_token = v.lease_token AND invitations.state = 'sending'
      RETURNING invitations.id, invitations.tenant_id, v.attempt, v.provider_ref
    ),
    att AS (
      UPDATE delivery_attempts a
      SET outcome = 'sent', error = NULL, duration_ms = v.duration_ms, provider_ref = v.provider_ref, finished_at = now()
      FROM v
      WHERE a.invitation_id = ANY(${ids}::bigint[]) AND a.invitation_id = v.id AND a.attempt = v.attempt AND a.lease_token = v.lease_token AND a.outcome IS NULL
    ),
    ev AS (
      INSERT INTO invitation_events (invitation_id, tenant_id, type, at, data)
      SELECT id, tenant_id, 'sent', now(), jsonb_build_object('attempt', attempt, 'provider_ref', provider_ref) FROM inv
    )
    SELECT id FROM inv`.execute(db);
  const changed = new Set(rows.map((r) => Number(r.id)));
  return inputs.map((input) => {
    if (changed.has(input.invitationId)) return true;
    logger.warn({ invitation: input.invitationId, outcome: 'sent' }, 'lease lost: the invitation was swept or taken over by another worker; outcome not applied');
    return false;
  });
}
