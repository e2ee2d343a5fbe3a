/**
 * Dry run of a campaign: replays its rules over the tenant's stored orders placed in [from, to) and
 * reports what it would have scheduled, and why every other order would not have been invited —
 * before the campaign is switched on, or after its rules changed. It writes nothing: every read runs
 * in a READ ONLY transaction, which PostgreSQL would fail on any write.
 *
 * Each order is replayed as recordOrder would have seen it when it reached its current status (that
 * instant is "now" for the order-age criterion and for the schedule), with the same domain rules
 * (evaluateEligibility, scheduledAt). A disabled campaign is replayed as if enabled: that is what a
 * dry run is for. The frequency cap counts the tenant's other invitations (this campaign's own
 * invitations for orders of the range are what is being replayed, so they do not count) and the
 * ones the replay itself schedules, in order-date order.
 */
import { sql, type Kysely } from 'kysely';
import type { Customer, Database, OrderRow } from '../db/schema.ts';
import { evaluateEligibility } from '../domain/eligibility.ts';
import type { ReasonCode } from '../domain/reason-codes.ts';
import { scheduledAt } from '../domain/schedule-invitation.ts';
import { sendTimeZone } from '../domain/send-time-zone.ts';
import { AppError, validationError } from '../errors.ts';
import { campaignRulesOf } from './campaign-rules-of.ts';
import { domainOrder } from './domain-order.ts';
import { getCampaign } from './get-campaign.ts';
import type { AppDeps } from './ports.ts';

export type SimulationInput = { from: Date; to: Date; limit?: number | undefined };

export type SimulatedInvitation = { order_ref: string; store: string; scheduled_at: string };
export type NotInvitedExample = { order_ref: string; store: string; detail?: string };

export type Simulation = {
  campaign: { id: number; slug: string; enabled: boolean };
  from: string;
  to: string;
  /** Orders placed in the range. */
  orders: number;
  would_schedule: number;
  /** The first `limit` of them, in order-date order. */
  scheduled: SimulatedInvitation[];
  /** Every other order, by reason code: how many, and the first `limit` examples. */
  not_scheduled: Record<string, { count: number; examples: NotInvitedExample[] }>;
};

export const DEFAULT_LIMIT = 50;
/** A replay reads orders in pages of this many, each page its own READ ONLY transaction. */
const PAGE = 1000;

type OrderWithStore = OrderRow & { store_code: string; store_timezone: string | null };

export async function simulateCampaign(deps: Pick<AppDeps, 'db'>, tenantId: number, campaignIdOrSlug: string, input: SimulationInput): Promise<Simulation> {
  const limit = input.limit ?? DEFAULT_LIMIT;
  if (input.from.getTime() >= input.to.getTime()) throw validationError([{ field: 'to', message: 'must be after from' }]);
  const campaign = await getCampaign(deps, tenantId, campaignIdOrSlug);
  const checked = campaignRulesOf(campaign);
  if (!checked.ok) throw new AppError('invalid_state', `The stored rules of campaign "${campaign.slug}" are invalid: ${checked.fields.map((f) => `${f.field} ${f.message}`).join('; ')}`);
  const rules = { ...checked.value, enabled: true };
  const tenant = await deps.db.selectFrom('tenants').select('timezone').where('id', '=', tenantId).executeTakeFirstOrThrow();

  const out: Simulation = {
    campaign: { id: campaign.id, slug: campaign.slug, enabled: campaign.enabled },
    from: input.from.toISOString(), to: input.to.toISOString(), orders: 0, would_schedule: 0, scheduled: [], not_scheduled: {},
  };
  const no = (reason: ReasonCode, order: OrderWithStore, detail?: string) => {
    const entry = (out.not_scheduled[reason] ??= { count: 0, examples: [] });
    entry.count++;
    if (entry.examples.length < limit) entry.examples.push({ order_ref: order.order_ref, store: order.store_code, ...(detail === undefined ? {} : { detail }) });
  };
  /** Send times the replay has scheduled so far, by address: they cap later orders like stored ones. */
  const planned = new Map<string, Date[]>();

  let after: { placedAt: Date; id: number } | undefined;
  for (;;) {
    const done = await deps.db.transaction().setAccessMode('read only').execute(async (trx) => {
      const orders = await readOrders(trx, tenantId, input, after);
      if (orders.length === 0) return true;
      const last = orders.at(-1)!;
      after = { placedAt: last.placed_at!, id: last.id };
      const customers = await readCustomers(trx, orders);
      const suppressed = await readSuppressed(trx, tenantId, [...customers.values()].map((c) => c.email_norm));
      for (const order of orders) {
        out.orders++;
        const customer = order.customer_id === null ? null : customers.get(order.customer_id) ?? null;
        const domain = domainOrder(order, { id: order.store_id, code: order.store_code, timezone: order.store_timezone }, customer);
        const now = domain.statusChangedAt;
        const zone = sendTimeZone({ customer: domain.customer.timezone, store: order.store_timezone, tenant: tenant.timezone });
        const at = scheduledAt(domain.statusChangedAt, rules.delayDays, rules.sendWindow, zone, now);
        const email = domain.customer.emailNorm;
        const lastInvitedAt = rules.frequencyCapDays === undefined || email === undefined
          ? undefined
          : nearest(at, [await storedNearest(trx, tenantId, campaign.id, input, email, at), ...(planned.get(email) ?? [])]);
        const verdict = evaluateEligibility(domain, rules, { now, suppressed: email !== undefined && suppressed.has(email), plannedAt: at, ...(lastInvitedAt ? { lastInvitedAt } : {}) });
        if (!verdict.eligible) {
          no(verdict.reason, order, verdict.detail);
          continue;
        }
        out.would_schedule++;
        if (email !== undefined) planned.set(email, [...(planned.get(email) ?? []), at]);
        if (out.scheduled.length < limit) out.scheduled.push({ order_ref: order.order_ref, store: order.store_code, scheduled_at: at.toISOString() });
      }
      return orders.length < PAGE;
    });
    if (done) break;
  }
  return out;
}

/** The next page of the range in (placed_at, id) order: the index orders_tenant_placed. */
async function readOrders(db: Kysely<Database>, tenantId: number, input: SimulationInput, after: { placedAt: Date; id: number } | undefined): Promise<OrderWithStore[]> {
  let q = db
    .selectFrom('orders as o')
    .innerJoin('stores as s', 's.id', 'o.store_id')
    .selectAll('o')
    .select(['s.code as store_code', 's.timezone as store_timezone'])
    .where('o.tenant_id', '=', tenantId)
    .where('o.placed_at', '>=', input.from)
    .where('o.placed_at', '<', input.to);
  if (after !== undefined) q = q.where(sql<boolean>`(o.placed_at, o.id) > (${after.placedAt}, ${after.id})`);
  return (await q.orderBy('o.placed_at').orderBy('o.id').limit(PAGE).execute()) as OrderWithStore[];
}

async function readCustomers(db: Kysely<Database>, orders: OrderRow[]): Promise<Map<number, Customer>> {
  const ids = [...new Set(orders.flatMap((o) => (o.customer_id === null ? [] : [o.customer_id])))];
  if (ids.length === 0) return new Map();
  const rows = await db.selectFrom('customers').selectAll().where('id', 'in', ids).execute();
  return new Map(rows.map((c) => [c.id, c]));
}

async function readSuppressed(db: Kysely<Database>, tenantId: number, emails: string[]): Promise<Set<string>> {
  if (emails.length === 0) return new Set();
  const rows = await db.selectFrom('suppressions').select('email_norm').where('tenant_id', '=', tenantId).where('email_norm', 'in', [...new Set(emails)]).execute();
  return new Set(rows.map((r) => r.email_norm));
}

/**
 * The address's nearest stored invitation that reached or will reach the customer, other than this
 * campaign's invitations for orders of the range (those are being replayed).
 */
async function storedNearest(db: Kysely<Database>, tenantId: number, campaignId: number, input: SimulationInput, emailNorm: string, at: Date): Promise<Date | undefined> {
  const { rows } = await sql<{ at: Date }>`
    SELECT coalesce(sent_at, scheduled_at) AS at FROM invitations
    WHERE tenant_id = ${tenantId} AND email_norm = ${emailNorm} AND state IN ('pending', 'sending', 'sent')
      AND NOT (campaign_id = ${campaignId} AND coalesce(order_placed_at >= ${input.from} AND order_placed_at < ${input.to}, false))
    ORDER BY abs(extract(epoch FROM (coalesce(sent_at, scheduled_at) - ${at}::timestamptz)))
    LIMIT 1`.execute(db);
  return rows[0]?.at;
}

function nearest(at: Date, candidates: (Date | undefined)[]): Date | undefined {
  let best: Date | undefined;
  for (const c of candidates) {
    if (c !== undefined && (best === undefined || Math.abs(c.getTime() - at.getTime()) < Math.abs(best.getTime() - at.getTime()))) best = c;
  }
  return best;
}
