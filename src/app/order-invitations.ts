/**
 * The invitations of a set of orders, read once for a batch of order writes: by order id (what the
 * answer lists) and by invitation order_ref (what makes a campaign's second invitation for an order a
 * duplicate, even one made through the invitations API before the order existed).
 */
import { sql, type Kysely } from 'kysely';
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

export type OrderInvitationRow = { id: number; campaign_id: number; order_id: number | null; order_ref: string; scheduled_at: Date; state: string; reason_code: string | null };

export async function orderInvitations(db: Kysely<Database>, tenantId: number, orderIds: readonly number[], orderRefs: readonly string[]): Promise<OrderInvitationRow[]> {
  if (orderIds.length === 0 && orderRefs.length === 0) return [];
  return db
    .selectFrom('invitations')
    .select(['id', 'campaign_id', 'order_id', 'order_ref', 'scheduled_at', 'state', 'reason_code'])
    .where('tenant_id', '=', tenantId)
    .where((eb) => {
      const byId = eb('order_id', '=', sql<number>`any(${[...orderIds]}::bigint[])`);
      const byRef = eb('order_ref', '=', sql<string>`any(${[...orderRefs]}::text[])`);
      return orderIds.length === 0 ? byRef : orderRefs.length === 0 ? byId : eb.or([byId, byRef]);
    })
    .orderBy('id')
    .execute();
}

export function invitationSummary(row: OrderInvitationRow, campaignSlug: string, isNew: boolean): OrderInvitationSummary {
  return {
    id: row.id,
    campaign: campaignSlug,
    campaign_id: row.campaign_id,
    scheduled_at: row.scheduled_at.toISOString(),
    state: row.state,
    reason_code: row.reason_code,
    new: isNew,
  };
}
