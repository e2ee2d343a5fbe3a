/**
 * The funnel counts of the amino.reviews stats endpoint. Each count is a fact stamped on the
 * invitation (sent_at, opened_at, completed_at, expired_at), so a period filter on sent_at gives
 * the funnel of the invitations sent in that period.
 */
import { sql } from 'kysely';
import { validationError } from '../errors.ts';
import type { AppDeps } from './ports.ts';

export type InvitationStats = { sent: number; opened: number; completed: number; expired: number };

export type InvitationStatsFilter = {
  /** Inclusive lower bound on sent_at. */
  from?: Date | undefined;
  /** Exclusive upper bound on sent_at. */
  to?: Date | undefined;
  /** Campaign slug. */
  campaign?: string | undefined;
};

export async function invitationStats(deps: Pick<AppDeps, 'db'>, tenantId: number, filter: InvitationStatsFilter = {}): Promise<InvitationStats> {
  let campaignId: number | undefined;
  if (filter.campaign !== undefined) {
    const campaign = await deps.db.selectFrom('campaigns').select('id').where('tenant_id', '=', tenantId).where('slug', '=', filter.campaign).executeTakeFirst();
    if (!campaign) throw validationError([{ field: 'campaign', message: `unknown campaign "${filter.campaign}"` }]);
    campaignId = campaign.id;
  }
  let query = deps.db
    .selectFrom('invitations')
    .select([
      sql<number>`count(*) FILTER (WHERE sent_at IS NOT NULL)::int`.as('sent'),
      sql<number>`count(*) FILTER (WHERE opened_at IS NOT NULL)::int`.as('opened'),
      sql<number>`count(*) FILTER (WHERE completed_at IS NOT NULL)::int`.as('completed'),
      sql<number>`count(*) FILTER (WHERE expired_at IS NOT NULL)::int`.as('expired'),
    ])
    .where('tenant_id', '=', tenantId);
  if (campaignId !== undefined) query = query.where('campaign_id', '=', campaignId);
  if (filter.from !== undefined) query = query.where('sent_at', '>=', filter.from);
  if (filter.to !== undefined) query = query.where('sent_at', '<', filter.to);
  const row = await query.executeTakeFirstOrThrow();
  return { sent: row.sent, opened: row.opened, completed: row.completed, expired: row.expired };
}
