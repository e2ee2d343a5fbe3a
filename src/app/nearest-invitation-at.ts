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
  // By address, and the tenant filtered after the probe (behind OFFSET 0, which the planner does not
  // flatten): named in the probe, a tenant newer than the statistics is estimated at one row, every
  // tenant-leading index ties, and the narrowest may answer by reading all the tenant's invitations
  // (read-schedule-facts.ts does the same for the order path). An address has few invitations.
  let byAddress = db
    .selectFrom('invitations')
    .select(['tenant_id', 'sent_at', 'scheduled_at'])
    .where('email_norm', '=', q.emailNorm);
  byAddress = q.sentOnly === true ? byAddress.where('sent_at', 'is not', null) : byAddress.where('state', 'in', ['pending', 'sending', 'sent']);
  if (q.excludeId !== undefined) byAddress = byAddress.where('id', '<>', q.excludeId);
  const when = sql<Date>`coalesce(i.sent_at, i.scheduled_at)`;
  const row = await db
    .selectFrom(byAddress.offset(0).as('i'))
    .select(when.as('at'))
    .where('i.tenant_id', '=', q.tenantId)
    .orderBy(sql`abs(extract(epoch from (${when} - ${q.at}::timestamptz)))`)
    .limit(1)
    .executeTakeFirst();
  return row?.at;
}
