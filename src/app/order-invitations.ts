/** An order's invitations, summarised for the answer to an order write. */
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';

export type OrderInvitationSummary = {
  id: number;
  campaign: string;
  campaign_id: number;
  scheduled_at: string;
  state: string;
  reason_code: string | null;
  /** Created by this call. */
  new: boolean;
};

export async function orderInvitations(db: Kysely<Database>, tenantId: number, orderId: number, newIds: readonly number[] = []): Promise<OrderInvitationSummary[]> {
  const rows = await db
    .selectFrom('invitations as i')
    .innerJoin('campaigns as c', 'c.id', 'i.campaign_id')
    .select(['i.id', 'c.slug', 'i.campaign_id', 'i.scheduled_at', 'i.state', 'i.reason_code'])
    .where('i.tenant_id', '=', tenantId)
    .where('i.order_id', '=', orderId)
    .orderBy('i.id')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    campaign: r.slug,
    campaign_id: r.campaign_id,
    scheduled_at: r.scheduled_at.toISOString(),
    state: r.state,
    reason_code: r.reason_code,
    new: newIds.includes(r.id),
  }));
}
