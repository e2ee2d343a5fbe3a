/**
 * Runs inside recordOrder's transaction, after the order is written: every enabled campaign of the
 * tenant decides for this order, and each either inserts its one invitation or says why not, with a
 * reason code. "One invitation per (campaign, order)" is enforced twice: an existing invitation of the
 * campaign for this order is looked up first (reported as `duplicate`), and the unique key
 * (tenant, campaign, order_ref) with ON CONFLICT DO NOTHING is the backstop that cannot be raced.
 *
 * Campaigns are evaluated in id order, and each sees the invitations the earlier ones just inserted:
 * the frequency cap across campaigns holds within one order too.
 */
import type { Kysely } from 'kysely';
import type { Campaign, Database, Invitation, OrderRow, Store } from '../db/schema.ts';
import { evaluateEligibility } from '../domain/eligibility.ts';
import type { Order } from '../domain/order.ts';
import type { ReasonCode } from '../domain/reason-codes.ts';
import { scheduledAt } from '../domain/schedule-invitation.ts';
import { sendTimeZone } from '../domain/send-time-zone.ts';
import { campaignRulesOf } from './campaign-rules-of.ts';
import { destinationFor } from './destination-for.ts';
import { invitationOrderRef } from './invitation-order-ref.ts';
import { nearestInvitationAt } from './nearest-invitation-at.ts';
import type { AppDeps } from './ports.ts';

export type NotScheduled = { campaign: string; campaign_id: number; reason_code: ReasonCode; detail?: string };

export type ScheduleInput = {
  tenant: { id: number; timezone: string };
  store: Store;
  order: OrderRow;
  domain: Order;
  campaigns: readonly Campaign[];
  suppressed: boolean;
  now: Date;
};

export type ScheduleOutcome = { created: Invitation[]; notScheduled: NotScheduled[] };

export async function scheduleOrderInvitations(deps: Pick<AppDeps, 'links' | 'logger'>, db: Kysely<Database>, input: ScheduleInput): Promise<ScheduleOutcome> {
  const { tenant, store, order, domain, now } = input;
  const out: ScheduleOutcome = { created: [], notScheduled: [] };
  const orderRef = invitationOrderRef(store.code, order.order_ref);
  const existing = await db
    .selectFrom('invitations')
    .select(['id', 'campaign_id'])
    .where('tenant_id', '=', tenant.id)
    .where((eb) => eb.or([eb('order_id', '=', order.id), eb('order_ref', '=', orderRef)]))
    .execute();
  const zone = sendTimeZone({ customer: domain.customer.timezone, store: store.timezone, tenant: tenant.timezone });
  const emailNorm = domain.customer.emailNorm;

  for (const campaign of input.campaigns) {
    if (!campaign.enabled) continue;
    const no = (reason_code: ReasonCode, detail?: string) =>
      out.notScheduled.push(detail === undefined ? { campaign: campaign.slug, campaign_id: campaign.id, reason_code } : { campaign: campaign.slug, campaign_id: campaign.id, reason_code, detail });
    const already = existing.find((e) => e.campaign_id === campaign.id);
    if (already) {
      no('duplicate', `invitation ${already.id} exists for this order`);
      continue;
    }
    const rules = campaignRulesOf(campaign);
    if (!rules.ok) {
      deps.logger.error({ tenant: tenant.id, campaign: campaign.id, fields: rules.fields }, 'stored campaign rules are invalid; the campaign schedules nothing');
      no('campaign_disabled', 'the stored campaign rules are invalid');
      continue;
    }
    const planned = scheduledAt(domain.statusChangedAt, rules.value.delayDays, rules.value.sendWindow, zone, now);
    const lastInvitedAt =
      rules.value.frequencyCapDays !== undefined && emailNorm !== undefined
        ? await nearestInvitationAt(db, { tenantId: tenant.id, emailNorm, at: planned })
        : undefined;
    const verdict = evaluateEligibility(domain, rules.value, { now, suppressed: input.suppressed, plannedAt: planned, ...(lastInvitedAt ? { lastInvitedAt } : {}) });
    if (!verdict.eligible) {
      no(verdict.reason, verdict.detail);
      continue;
    }
    const inserted = await insertInvitation(deps, db, { campaign, order, domain, store, orderRef, scheduledAt: planned, now });
    if (inserted) out.created.push(inserted);
    else no('duplicate', 'an invitation for this order and campaign was created concurrently');
  }
  return out;
}

type NewOrderInvitation = { campaign: Campaign; order: OrderRow; domain: Order; store: Store; orderRef: string; scheduledAt: Date; now: Date };

async function insertInvitation(deps: Pick<AppDeps, 'links'>, db: Kysely<Database>, n: NewOrderInvitation): Promise<Invitation | undefined> {
  const { campaign, order, domain, now } = n;
  const c = domain.customer;
  const fullName = [c.firstName, c.lastName].filter((p) => p.trim() !== '').join(' ');
  const email = c.email!;
  const token = deps.links.reviewToken({ tenantId: order.tenant_id, campaignId: campaign.id, orderRef: n.orderRef });
  const inserted = await db
    .insertInto('invitations')
    .values({
      tenant_id: order.tenant_id,
      campaign_id: campaign.id,
      order_id: order.id,
      order_ref: n.orderRef,
      store_id: n.store.id,
      email,
      email_norm: c.emailNorm!,
      first_name: c.firstName.trim() === '' ? null : c.firstName,
      last_name: c.lastName.trim() === '' ? null : c.lastName,
      // The name field is never empty: emails greet by it and amino requires it.
      name: fullName === '' ? email.slice(0, email.lastIndexOf('@')) : fullName,
      locale: c.locale ?? n.store.locale,
      channel: campaign.channel,
      destination: destinationFor(campaign.channel, campaign.destinations),
      // 'api' is reserved for the amino-compatible endpoint, whose rolling-hour limit counts by it.
      source: 'order',
      scheduled_at: n.scheduledAt,
      token_hash: deps.links.hashToken(token),
      created_at: now,
      updated_at: now,
    })
    .onConflict((oc) => oc.columns(['tenant_id', 'campaign_id', 'order_ref']).doNothing())
    .returningAll()
    .executeTakeFirst();
  if (!inserted) return undefined;
  await db
    .insertInto('invitation_events')
    .values({ invitation_id: inserted.id, tenant_id: order.tenant_id, type: 'created', at: now, data: JSON.stringify({ source: 'order', order_id: order.id, order_status: order.status }) })
    .execute();
  return inserted;
}
