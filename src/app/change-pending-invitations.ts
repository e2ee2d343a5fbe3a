/**
 * The one statement behind every manual queue action (skip, push now, reschedule), for one invitation
 * or a batch of a bulk action: lock the chosen rows that are still pending, change them, and append
 * each one's event — atomically, in one round trip.
 *
 * Every change is guarded by `state = 'pending'` and takes the row lock first: a row the worker has
 * claimed (`sending`) is never touched, so a skip cannot race a send; a row locked by the worker's
 * claim right now is waited for and then re-checked, and is left alone if the claim won.
 */
import { sql, type Expression, type Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';

export type QueueAction =
  | { kind: 'skip'; note?: string | undefined }
  | { kind: 'push' }
  | { kind: 'reschedule'; scheduledAt: Date };

export type ChangedInvitation = { id: number; previousScheduledAt: Date };

/** The event each action appends to the invitation's timeline. */
const eventType = { skip: 'skipped', push: 'pushed', reschedule: 'rescheduled' } as const;

/**
 * `candidates` selects invitation ids (one column, `id`) of this tenant; only those still pending change.
 * Returns the changed ones with their schedule before the change (the event records it).
 */
export async function changePendingInvitations(
  db: Kysely<Database>,
  tenantId: number,
  candidates: Expression<{ id: number }>,
  action: QueueAction,
  now: Date,
): Promise<ChangedInvitation[]> {
  const set =
    action.kind === 'skip'
      ? sql`state = 'skipped', reason_code = 'manual_skip'`
      : sql`scheduled_at = ${action.kind === 'push' ? now : action.scheduledAt}`;
  const data =
    action.kind === 'skip'
      ? sql`jsonb_strip_nulls(jsonb_build_object('reason_code', 'manual_skip', 'note', ${action.note ?? null}::text))`
      : action.kind === 'push'
        ? sql`jsonb_build_object('from', c.previous)`
        : sql`jsonb_build_object('from', c.previous, 'to', c.scheduled_at)`;
  const { rows } = await sql<{ id: number; previous: Date }>`
    WITH target AS (
      SELECT inv.id, inv.scheduled_at AS previous FROM invitations inv
      WHERE inv.tenant_id = ${tenantId} AND inv.state = 'pending' AND inv.id IN (${candidates})
      ORDER BY inv.id
      FOR UPDATE
    ),
    changed AS (
      UPDATE invitations u SET ${set}, updated_at = ${now}
      FROM target t
      WHERE u.id = t.id AND u.state = 'pending'
      RETURNING u.id, t.previous, u.scheduled_at
    ),
    events AS (
      INSERT INTO invitation_events (invitation_id, tenant_id, type, at, data)
      SELECT c.id, ${tenantId}, ${eventType[action.kind]}, ${now}, ${data} FROM changed c
    )
    SELECT id, previous FROM changed ORDER BY id`.execute(db);
  return rows.map((r) => ({ id: r.id, previousScheduledAt: r.previous }));
}
