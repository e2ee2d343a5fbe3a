/**
 * Dry run of a campaign: replays its rules over the tenant's stored orders placed in [from, to) and
 * reports what it would have scheduled, and why every other order would not have been invited —
 * before the campaign is switched on, or after its rules changed. It writes nothing: every read runs
 * in a READ ONLY transaction, which PostgreSQL would fail on any write.
 *
 * Each order's status history is replayed as recordOrder saw it: at each status, in time order (that
 * instant is "now" for the order-age criterion and for the schedule), with the same domain rules
 * (evaluateEligibility, scheduledAt). The first status that makes it eligible schedules it — an order
 * that went completed -> delivered was invited at completed — and an end status (cancelled, refunded,
 * ...) reached before the send time skips it again. An order never eligible is reported with the
 * reason its trigger status met, else the reason its current status meets. A disabled campaign is replayed as if enabled: that is what a
 * dry run is for. The frequency cap counts the tenant's other invitations (this campaign's own
 * invitations for orders of the range are what is being replayed, so they do not count) and the
 * ones the replay itself schedules, in order-date order.
 */
import { sql, type Kysely } from 'kysely';
import type { Customer, Database, OrderRow } from '../db/schema.ts';
import { evaluateEligibility, type Ineligible } from '../domain/eligibility.ts';
import { isStatusIn, orderEndReason, type Order } from '../domain/order.ts';
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
      const histories = await readHistories(trx, orders);
      for (const order of orders) {
        out.orders++;
        const customer = order.customer_id === null ? null : customers.get(order.customer_id) ?? null;
        const domain = domainOrder(order, { id: order.store_id, code: order.store_code, timezone: order.store_timezone }, customer);
        const zone = sendTimeZone({ customer: domain.customer.timezone, store: order.store_timezone, tenant: tenant.timezone });
        const email = domain.customer.emailNorm;
        const suppressedNow = email !== undefined && suppressed.has(email);
        /** The order as it stood on reaching `status` at `at`: what recordOrder evaluated then. */
        const evaluate = async (status: string, at: Date) => {
          const step: Order = { ...domain, status, statusChangedAt: at };
          const sendAt = scheduledAt(at, rules.delayDays, rules.sendWindow, zone, at);
          // Only a trigger status gets as far as the frequency cap: spare the others its query.
          const capped = rules.frequencyCapDays !== undefined && email !== undefined && isStatusIn(status, rules.triggerStatuses);
          const lastInvitedAt = capped ? nearest(sendAt, [await storedNearest(trx, tenantId, campaign.id, input, email, sendAt), ...(planned.get(email) ?? [])]) : undefined;
          const verdict = evaluateEligibility(step, rules, { now: at, suppressed: suppressedNow, plannedAt: sendAt, ...(lastInvitedAt ? { lastInvitedAt } : {}) });
          return { verdict, sendAt };
        };
        // Replay the status history in time order: the first status that makes the order eligible is
        // when it would have been scheduled (completed -> delivered is invited at completed).
        const history = histories.get(order.id) ?? [];
        let scheduled: { sendAt: Date; index: number } | undefined;
        let atTrigger: Ineligible | undefined;
        for (const [index, event] of history.entries()) {
          const { verdict, sendAt } = await evaluate(event.status, event.at);
          if (verdict.eligible) {
            scheduled = { sendAt, index };
            break;
          }
          if (atTrigger === undefined && isStatusIn(event.status, rules.triggerStatuses)) atTrigger = verdict;
        }
        if (scheduled === undefined) {
          const current = await evaluate(order.status, order.status_changed_at);
          if (current.verdict.eligible) scheduled = { sendAt: current.sendAt, index: history.length };
          else {
            // Why the order was never invited: what its trigger status met, else where it stands now.
            const why = atTrigger ?? current.verdict;
            no(why.reason, order, why.detail);
            continue;
          }
        }
        // A later end status before the send time skips the pending invitation, as recordOrder does.
        const ended = history.slice(scheduled.index + 1).find((e) => e.at < scheduled.sendAt && orderEndReason(e.status, rules.cancelStatuses) !== null);
        if (ended !== undefined) {
          no(orderEndReason(ended.status, rules.cancelStatuses)!, order, `scheduled for ${scheduled.sendAt.toISOString()}, skipped when the order turned ${ended.status}`);
          continue;
        }
        out.would_schedule++;
        if (email !== undefined) planned.set(email, [...(planned.get(email) ?? []), scheduled.sendAt]);
        if (out.scheduled.length < limit) out.scheduled.push({ order_ref: order.order_ref, store: order.store_code, scheduled_at: scheduled.sendAt.toISOString() });
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

/** Each order's status history in time order (stale deliveries take their place in time). */
async function readHistories(db: Kysely<Database>, orders: OrderRow[]): Promise<Map<number, { status: string; at: Date }[]>> {
  if (orders.length === 0) return new Map();
  const rows = await db
    .selectFrom('order_events')
    .select(['order_id', 'status', 'occurred_at'])
    .where('order_id', 'in', orders.map((o) => o.id))
    .orderBy('order_id').orderBy('occurred_at').orderBy('id')
    .execute();
  const out = new Map<number, { status: string; at: Date }[]>();
  for (const r of rows) {
    const list = out.get(r.order_id) ?? [];
    list.push({ status: r.status, at: r.occurred_at });
    out.set(r.order_id, list);
  }
  return out;
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
