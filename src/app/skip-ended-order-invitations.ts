/**
 * Orders that ended (cancelled, refunded, failed — by each campaign's own cancel statuses) take
 * their pending invitations with them: skipped with the lifecycle reason, in the order write's
 * transaction. Invitations a worker holds (`sending`) are left to its send-time re-check, which sees
 * the same status: touching them would break lease fencing.
 *
 * Runs on every write of an order, not only on a status change: idempotent, and a campaign whose
 * cancel statuses were edited since takes effect on the order's next update. Orders whose status
 * ends them for no campaign cost no query.
 */
import { sql, type Kysely } from 'kysely';
import type { Campaign, Database } from '../db/schema.ts';
import type { CampaignRulesCheck } from '../domain/campaign-rules.ts';
import { orderEndReason, type OrderLifecycleReason } from '../domain/order.ts';

export type SkippedInvitation = { id: number; campaign: string; campaign_id: number; reason_code: OrderLifecycleReason };

export type CampaignWithRules = { row: Campaign; rules: CampaignRulesCheck };

type EndedOrder = { id: number; tenant_id: number; status: string };

/** Rules that no longer validate still end orders by the built-in statuses. */
function endReason(status: string, campaign: CampaignWithRules): OrderLifecycleReason | null {
  return orderEndReason(status, campaign.rules.ok ? campaign.rules.value.cancelStatuses : undefined);
}

/** Per order (in the order given), the invitations it skipped. */
export async function skipEndedOrderInvitations(
  db: Kysely<Database>,
  tenantId: number,
  orders: readonly EndedOrder[],
  campaigns: readonly CampaignWithRules[],
  now: Date,
): Promise<SkippedInvitation[][]> {
  const out = orders.map((): SkippedInvitation[] => []);
  const ending = orders.filter((o) => campaigns.some((c) => endReason(o.status, c) !== null));
  if (ending.length === 0) return out;
  const pending = await db
    .selectFrom('invitations')
    .select(['id', 'campaign_id', 'order_id'])
    .where('tenant_id', '=', tenantId)
    .where('order_id', '=', sql<number>`any(${ending.map((o) => o.id)}::bigint[])`)
    .where('state', '=', 'pending')
    .orderBy('id')
    .forUpdate()
    .execute();
  const byId = new Map(campaigns.map((c) => [c.row.id, c]));
  const orderById = new Map(ending.map((o) => [o.id, o]));
  const skips = pending.flatMap((inv) => {
    const campaign = byId.get(inv.campaign_id);
    const order = orderById.get(inv.order_id!)!;
    const reason = campaign ? endReason(order.status, campaign) : null;
    return campaign && reason !== null ? [{ id: inv.id, order, campaign: campaign.row, reason }] : [];
  });
  if (skips.length === 0) return out;
  const { rows: done } = await sql<{ id: number }>`
    WITH v AS (SELECT * FROM json_to_recordset(${JSON.stringify(skips.map((s) => ({ id: s.id, reason: s.reason, status: s.order.status })))}::json)
               AS v(id bigint, reason text, status text)),
    u AS (
      UPDATE invitations i SET state = 'skipped', reason_code = v.reason, updated_at = ${now}
      FROM v WHERE i.id = v.id AND i.state = 'pending'
      RETURNING i.id, v.reason, v.status),
    e AS (INSERT INTO invitation_events (invitation_id, tenant_id, type, at, data)
          SELECT id, ${tenantId}, 'skipped', ${now}, jsonb_build_object('reason_code', reason, 'order_status', status) FROM u)
    SELECT id FROM u`.execute(db);
  const skipped = new Set(done.map((d) => d.id));
  const index = new Map(orders.map((o, i) => [o.id, i]));
  for (const s of skips) {
    if (skipped.has(s.id)) out[index.get(s.order.id)!]!.push({ id: s.id, campaign: s.campaign.slug, campaign_id: s.campaign.id, reason_code: s.reason });
  }
  return out;
}
