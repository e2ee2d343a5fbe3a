/**
 * The frequency cap's input: when the customer's nearest other invitation of this tenant goes (or
 * went) out — any campaign, API invitations included. An invitation's time is when it was sent, else
 * when it is scheduled; skipped and failed ones never reached the customer and do not count.
 *
 * `sentOnly` is the send-time view: only invitations that really went out. Two pending invitations
 * that are too close (an API one can be created past the cap) then do not skip each other: the first
 * to go out caps the second.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';

export type NearestInvitationQuery = {
  tenantId: number;
  emailNorm: string;
  at: Date;
  /** The invitation being checked, which is not its own neighbour. */
  excludeId?: number;
  sentOnly?: boolean;
};

export async function nearestInvitationAt(db: Kysely<Database>, q: NearestInvitationQuery): Promise<Date | undefined> {
  const when = sql<Date>`coalesce(sent_at, scheduled_at)`;
  let query = db
    .selectFrom('invitations')
    .select(when.as('at'))
    .where('tenant_id', '=', q.tenantId)
    .where('email_norm', '=', q.emailNorm);
  query = q.sentOnly === true ? query.where('sent_at', 'is not', null) : query.where('state', 'in', ['pending', 'sending', 'sent']);
  if (q.excludeId !== undefined) query = query.where('id', '<>', q.excludeId);
  const row = await query
    .orderBy(sql`abs(extract(epoch from (coalesce(sent_at, scheduled_at) - ${q.at}::timestamptz)))`)
    .limit(1)
    .executeTakeFirst();
  return row?.at;
}
