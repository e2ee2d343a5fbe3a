/**
 * I5's disturbance, for the crash test and `npm run torture`: while workers drain the queue, suppress
 * some addresses — of invitations still waiting and of some in flight right now — and skip some other
 * waiting invitations through the queue grid's own statement. Returns each batch with the moment its
 * commit had returned, for checkQueueInvariants (I5).
 */
import { sql, type Kysely } from 'kysely';
import { changePendingInvitations } from '../../src/app/change-pending-invitations.ts';
import type { Database } from '../../src/db/schema.ts';
import type { Stop } from './queue-invariants.ts';

export type StoppedMidRun = {
  stops: Stop[];
  /** Suppressed while pending: unless a claim beat the commit, the send-time check must skip them. */
  suppressedPending: number[];
};

export async function stopSomeMidRun(db: Kysely<Database>, options: { waiting?: number; inFlight?: number; skip?: number } = {}): Promise<StoppedMidRun> {
  // The last in line: the furthest from being claimed while we read them. Never attempted: the latest
  // scheduled are otherwise retries backed off after a kill or a dropped connection, whose earlier
  // attempt makes them no test of the send-time check (a 100,000 run picked 30 of those, and checked 0).
  const { rows } = await sql<{ id: number; tenant_id: number; email_norm: string; state: string }>`
    (SELECT id, tenant_id, email_norm, state FROM invitations WHERE state = 'pending' AND attempts = 0 ORDER BY scheduled_at DESC LIMIT ${options.waiting ?? 15})
    UNION ALL (SELECT id, tenant_id, email_norm, state FROM invitations WHERE state = 'sending' LIMIT ${options.inFlight ?? 5})`.execute(db);
  const stops: Stop[] = [];
  if (rows.length > 0) {
    await db
      .insertInto('suppressions')
      .values(rows.map((r) => ({ tenant_id: r.tenant_id, email_norm: r.email_norm, reason: 'unsubscribed', source: 'queue-test' })))
      .onConflict((oc) => oc.doNothing())
      .execute();
    stops.push({ what: 'suppression', invitationIds: rows.map((r) => r.id), committedAt: Date.now() });
  }

  const { rows: waiting } = await sql<{ id: number; tenant_id: number }>`
    SELECT id, tenant_id FROM invitations WHERE state = 'pending' AND attempts = 0 AND NOT (id = ANY(${rows.map((r) => r.id)}::bigint[]))
    ORDER BY scheduled_at DESC LIMIT ${options.skip ?? 10}`.execute(db);
  const skipped: number[] = [];
  for (const tenantId of new Set(waiting.map((w) => w.tenant_id))) {
    const ids = waiting.filter((w) => w.tenant_id === tenantId).map((w) => w.id);
    const changed = await changePendingInvitations(db, tenantId, sql<{ id: number }>`SELECT unnest(${ids}::bigint[])`, { kind: 'skip' }, new Date());
    skipped.push(...changed.map((c) => c.id));
  }
  stops.push({ what: 'skip', invitationIds: skipped, committedAt: Date.now() });
  return { stops, suppressedPending: rows.filter((r) => r.state === 'pending').map((r) => r.id) };
}

/** Of the invitations suppressed while pending, those no claim reached before the commit, and how they ended. */
export async function suppressedWhileWaiting(db: Kysely<Database>, stopped: StoppedMidRun) {
  const suppression = stopped.stops.find((s) => s.what === 'suppression');
  if (!suppression) return [];
  const { rows } = await sql<{ id: number; state: string; reason_code: string | null }>`
    SELECT id, state, reason_code FROM invitations i WHERE id = ANY(${stopped.suppressedPending}::bigint[])
      AND NOT EXISTS (SELECT 1 FROM delivery_attempts a WHERE a.invitation_id = i.id AND a.started_at <= ${new Date(suppression.committedAt)})`.execute(db);
  return rows;
}
