/**
 * The send-time re-check (DESIGN §3, issue 4 points 3 and 4): right before an invitation goes out,
 * is it still right to send it? Loads what the domain's recheckAtSendTime needs in one read — the
 * campaign's rules now, the order's status now, suppression now, the customer's last invitation that
 * really went out — and answers null (send) or the reason code to skip with: campaign_disabled,
 * order_cancelled / order_refunded / order_failed, order_status_excluded, suppressed, frequency_cap,
 * or missed_window (the catch-up limit: more than the campaign's send_late_days past scheduled_at).
 *
 * `now` defaults to the database's clock, the one the claim compared scheduled_at with.
 */
import { sql, type Kysely } from 'kysely';
import type { RecheckRow } from '../db/queue/read-send-context.ts';
import type { Database, Invitation } from '../db/schema.ts';
import { defaultCampaignRules } from '../domain/campaign-rules.ts';
import { recheckAtSendTime } from '../domain/eligibility.ts';
import type { ReasonCode } from '../domain/reason-codes.ts';
import { campaignRuleColumns, campaignRulesOf } from './campaign-rules-of.ts';
import { nearestInvitationAt } from './nearest-invitation-at.ts';

export type RecheckedInvitation = Pick<Invitation, 'id' | 'tenant_id' | 'campaign_id' | 'order_id' | 'email_norm' | 'scheduled_at'>;

export type RecheckResult = { reason: ReasonCode; detail?: string } | null;

export async function recheckInvitation(db: Kysely<Database>, invitation: RecheckedInvitation, options: { now?: Date } = {}): Promise<ReasonCode | null> {
  return (await recheckInvitationWithDetail(db, invitation, options))?.reason ?? null;
}

/** As recheckInvitation, with the human-readable detail for logs and timelines. */
export async function recheckInvitationWithDetail(db: Kysely<Database>, invitation: RecheckedInvitation, options: { now?: Date } = {}): Promise<RecheckResult> {
  const row = await db
    .selectFrom('campaigns as c')
    .select(campaignRuleColumns.map((column) => `c.${column}` as const))
    .select([
      (eb) =>
        eb
          .selectFrom('orders as o')
          .select('o.status')
          .where('o.id', '=', invitation.order_id ?? 0)
          .where('o.tenant_id', '=', invitation.tenant_id)
          .as('order_status'),
      (eb) =>
        eb
          .exists(eb.selectFrom('suppressions as s').select('s.email_norm').where('s.tenant_id', '=', invitation.tenant_id).where('s.email_norm', '=', invitation.email_norm))
          .as('suppressed'),
      sql<Date>`now()`.as('db_now'),
    ])
    .where('c.id', '=', invitation.campaign_id)
    .where('c.tenant_id', '=', invitation.tenant_id)
    .executeTakeFirst();
  return recheckWithFacts(db, invitation, row, options);
}

/**
 * The re-check's decision on what it reads (above), for a caller that has read it already: the worker
 * reads it with the send context of a whole claimed batch in one statement (read-send-context.ts).
 * `row` undefined = the campaign is gone. Only a campaign with a frequency cap reads more.
 */
export async function recheckWithFacts(db: Kysely<Database>, invitation: RecheckedInvitation, row: RecheckRow | undefined, options: { now?: Date } = {}): Promise<RecheckResult> {
  // The campaign is gone (cannot happen while invitations reference it): nothing to send for.
  if (!row) return { reason: 'campaign_disabled', detail: 'the campaign no longer exists' };
  const now = options.now ?? row.db_now;
  const checked = campaignRulesOf(row);
  // Rules that no longer validate stop the campaign, as they do at scheduling time.
  const campaign = checked.ok ? checked.value : { ...defaultCampaignRules, enabled: false };
  const lastInvitedAt =
    campaign.frequencyCapDays === undefined
      ? undefined
      : await nearestInvitationAt(db, { tenantId: invitation.tenant_id, emailNorm: invitation.email_norm, at: now, excludeId: invitation.id, sentOnly: true });
  const verdict = recheckAtSendTime({
    campaign,
    now,
    suppressed: row.suppressed === true,
    scheduledAt: invitation.scheduled_at,
    ...(row.order_status === null || row.order_status === undefined ? {} : { status: row.order_status }),
    ...(lastInvitedAt === undefined ? {} : { lastInvitedAt }),
  });
  if (verdict.eligible) return null;
  return verdict.detail === undefined ? { reason: verdict.reason } : { reason: verdict.reason, detail: verdict.detail };
}
