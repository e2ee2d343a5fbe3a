/**
 * The peers' side of "the job is the audited record" (queue-bench.ts, `graphile-record` and
 * `pg-boss-record`): what a peer queue's task must do for its one invitation to make the writes an
 * invitation service makes whatever its queue (DESIGN §7) — the same rows and columns our worker
 * writes, in the plain single-row statements such a task would send, each a named prepared statement
 * (planned once per connection):
 *
 * 1. the write-ahead claim: the invitation `pending` → `sending` under a fresh lease token, and its
 *    attempt row in the ledger (as claim_invitations' `claimed` and `ledger` steps do);
 * 2. the send-time re-check: read the lease, suppression, the campaign's rules and the order's status,
 *    decided by our recheckWithFacts (as read-send-context.ts and the worker do);
 * 3. the no-op delivery, then the fenced mark-sent: invitation `sent` with its review link's expiry,
 *    attempt finished, `sent` event on the timeline (as mark-invitations-sent.ts does).
 *
 * Without step 1 a worker killed between delivery and completion delivers twice (the peer retries the
 * job), so it is not optional for exactly-once delivery. When the claim, the re-check or the fence
 * refuses, the process exits with the reason: a run that did less than the full work fails at once
 * instead of waiting for the peer's retries.
 */
import { Kysely, PostgresDialect } from 'kysely';
import type pg from 'pg';
import { recheckWithFacts } from '../../src/app/recheck-invitation.ts';
import type { RecheckRow } from '../../src/db/queue/read-send-context.ts';
import type { Database } from '../../src/db/schema.ts';

/** Our worker's default lease (WORKER_LEASE_MS). */
const LEASE_MS = 60_000;

const CLAIM = `
  WITH claimed AS (
    UPDATE invitations
    SET state = 'sending', lease_token = gen_random_uuid(), leased_until = now() + $2::int * interval '1 millisecond',
        attempts = attempts + 1, updated_at = now()
    WHERE id = $1 AND state = 'pending'
    RETURNING id, tenant_id, campaign_id, order_id, email_norm, scheduled_at, attempts, lease_token, channel
  ),
  ledger AS (
    INSERT INTO delivery_attempts (invitation_id, tenant_id, attempt, lease_token, channel, rate_key, started_at)
    SELECT id, tenant_id, attempts, lease_token, channel, channel, now() FROM claimed
  )
  SELECT * FROM claimed`;

const RECHECK = `
  SELECT (i.state = 'sending' AND i.lease_token = $2) AS lease_held,
         EXISTS (SELECT 1 FROM suppressions s WHERE s.tenant_id = i.tenant_id AND s.email_norm = i.email_norm) AS suppressed,
         c.enabled, c.trigger_statuses, c.delay_days, c.send_window, c.criteria, c.frequency_cap_days, c.send_late_days, c.cancel_statuses,
         (SELECT o.status FROM orders o WHERE o.id = i.order_id AND o.tenant_id = i.tenant_id) AS order_status,
         now() AS db_now
  FROM invitations i JOIN campaigns c ON c.id = i.campaign_id AND c.tenant_id = i.tenant_id
  WHERE i.id = $1`;

const MARK_SENT = `
  WITH inv AS (
    UPDATE invitations
    SET state = 'sent', sent_at = now(),
        expires_at = now() + (SELECT c.expiry_days FROM campaigns c WHERE c.id = invitations.campaign_id) * interval '1 day',
        provider_ref = $4, reason_code = NULL, last_error = NULL, lease_token = NULL, leased_until = NULL, updated_at = now()
    WHERE id = $1 AND lease_token = $2 AND state = 'sending'
    RETURNING id, tenant_id
  ),
  att AS (
    UPDATE delivery_attempts
    SET outcome = 'sent', error = NULL, duration_ms = $5, provider_ref = $4, finished_at = now()
    WHERE invitation_id = $1 AND attempt = $3 AND lease_token = $2 AND outcome IS NULL
  ),
  ev AS (
    INSERT INTO invitation_events (invitation_id, tenant_id, type, at, data)
    SELECT id, tenant_id, 'sent', now(), jsonb_build_object('attempt', $3::int, 'provider_ref', $4::text) FROM inv
  )
  SELECT count(*)::int AS changed FROM inv`;

function refuse(reason: string): never {
  console.error(reason);
  process.exit(1);
}

type Claimed = { id: string; tenant_id: string; campaign_id: string; order_id: string | null; email_norm: string; scheduled_at: Date; attempts: number; lease_token: string };

/** The task for one invitation, over the peer's pool. */
export function createRecordTask(pool: pg.Pool): (invitationId: number) => Promise<void> {
  // Only a campaign with a frequency cap makes the re-check read more (none in the benchmark).
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return async (id) => {
    const claimed = (await pool.query<Claimed>({ name: 'claim', text: CLAIM, values: [id, LEASE_MS] })).rows[0];
    if (claimed === undefined) refuse(`invitation ${id} was not pending`);
    const token = claimed.lease_token;
    const facts = (await pool.query<RecheckRow & { lease_held: boolean }>({ name: 'recheck', text: RECHECK, values: [id, token] })).rows[0];
    if (facts?.lease_held !== true) refuse(`invitation ${id}: lease lost`);
    const invitation = { id, tenant_id: Number(claimed.tenant_id), campaign_id: Number(claimed.campaign_id), order_id: claimed.order_id === null ? null : Number(claimed.order_id), email_norm: claimed.email_norm, scheduled_at: claimed.scheduled_at };
    const refused = await recheckWithFacts(db, invitation, facts);
    if (refused !== null) refuse(`invitation ${id}: ${refused.reason}`);
    const t0 = performance.now();
    const providerRef = `noop-${id}`;
    const { rows } = await pool.query<{ changed: number }>({ name: 'mark-sent', text: MARK_SENT, values: [id, token, claimed.attempts, providerRef, Math.round(performance.now() - t0)] });
    if (rows[0]!.changed !== 1) refuse(`invitation ${id}: lease lost`);
  };
}
