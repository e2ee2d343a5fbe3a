/**
 * An order that ended (cancelled, refunded, failed — by each campaign's own cancel statuses) takes
 * its pending invitations with it: skipped with the lifecycle reason, in the order write's
 * transaction. Invitations a worker holds (`sending`) are left to its send-time re-check, which sees
 * the same status: touching them would break lease fencing.
 */
import type { Kysely } from 'kysely';
import type { Campaign, Database } from '../db/schema.ts';
import { orderEndReason } from '../domain/order.ts';
import type { OrderLifecycleReason } from '../domain/order.ts';
import { campaignRulesOf } from './campaign-rules-of.ts';

export type SkippedInvitation = { id: number; campaign: string; campaign_id: number; reason_code: OrderLifecycleReason };

export async function skipEndedOrderInvitations(
  db: Kysely<Database>,
  order: { id: number; tenant_id: number; status: string },
  campaigns: readonly Campaign[],
  now: Date,
): Promise<SkippedInvitation[]> {
  const pending = await db
    .selectFrom('invitations')
    .select(['id', 'campaign_id'])
    .where('tenant_id', '=', order.tenant_id)
    .where('order_id', '=', order.id)
    .where('state', '=', 'pending')
    .orderBy('id')
    .forUpdate()
    .execute();
  const skipped: SkippedInvitation[] = [];
  for (const inv of pending) {
    const campaign = campaigns.find((c) => c.id === inv.campaign_id);
    if (!campaign) continue;
    const rules = campaignRulesOf(campaign);
    // Rules that no longer validate still end orders by the built-in statuses.
    const reason = orderEndReason(order.status, rules.ok ? rules.value.cancelStatuses : undefined);
    if (reason === null) continue;
    const updated = await db
      .updateTable('invitations')
      .set({ state: 'skipped', reason_code: reason, updated_at: now })
      .where('id', '=', inv.id)
      .where('state', '=', 'pending')
      .executeTakeFirst();
    if (updated.numUpdatedRows === 0n) continue;
    await db
      .insertInto('invitation_events')
      .values({ invitation_id: inv.id, tenant_id: order.tenant_id, type: 'skipped', at: now, data: JSON.stringify({ reason_code: reason, order_status: order.status }) })
      .execute();
    skipped.push({ id: inv.id, campaign: campaign.slug, campaign_id: campaign.id, reason_code: reason });
  }
  return skipped;
}
