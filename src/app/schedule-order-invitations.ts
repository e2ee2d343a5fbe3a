/**
 * Runs inside recordOrders' transaction, after the orders are written: for each order, every
 * campaign of the tenant decides, and each either inserts its one invitation or says why not, with a
 * reason code (a disabled campaign too: campaign_disabled). "One invitation per (campaign, order)" is
 * enforced twice: an existing invitation of the campaign for the order is looked up first (reported
 * as `duplicate`), and the unique key (tenant, campaign, order_ref) with ON CONFLICT DO NOTHING is the
 * backstop that cannot be raced.
 *
 * The rules are the domain's pure functions, evaluated here in JS; the database is read once per call
 * for what they need (suppressions, the customers' other invitations for the frequency cap) and
 * written once (all invitations and their `created` events in one statement). Orders are decided in
 * the order given and campaigns in id order, and each decision sees the invitations the earlier ones
 * just made: the frequency cap holds within one order and within one batch.
 */
import { sql, type Kysely } from 'kysely';
import { prepared } from '../db/prepared-statements.ts';
import type { Database, OrderRow, Store } from '../db/schema.ts';
import { evaluateEligibility } from '../domain/eligibility.ts';
import type { Order } from '../domain/order.ts';
import type { ReasonCode } from '../domain/reason-codes.ts';
import { scheduledAt } from '../domain/schedule-invitation.ts';
import { sendTimeZone } from '../domain/send-time-zone.ts';
import { destinationFor } from './destination-for.ts';
import type { OrderInvitationRow } from './order-invitations.ts';
import type { ScheduleFacts } from './read-schedule-facts.ts';
import type { AppDeps } from './ports.ts';
import type { CampaignWithRules } from './skip-ended-order-invitations.ts';

export type NotScheduled = { campaign: string; campaign_id: number; reason_code: ReasonCode; detail?: string };

export type ScheduleRow = {
  order: OrderRow;
  store: Store;
  domain: Order;
  /** The invitations' order_ref of this order (invitation-order-ref.ts). */
  orderRef: string;
  /** Invitations that exist for this order, by order id or order_ref. */
  existing: readonly OrderInvitationRow[];
};

/** What one batch has read so far, kept across its calls (an order written twice is two calls). */
export type ScheduleMemo = {
  suppressed: Map<string, boolean>;
  /** Per address: its live invitations (pending, sending, sent) and when each goes or went out. */
  nearby: Map<string, { id: number; at: Date }[]>;
  /** Invitations skipped in this batch no longer count for the frequency cap. */
  forget(ids: readonly number[]): void;
  /** What readScheduleFacts found for these addresses. */
  learn(facts: ScheduleFacts, suppressionsOf: readonly string[], nearbyOf: readonly string[]): void;
};

export function createScheduleMemo(): ScheduleMemo {
  const nearby = new Map<string, { id: number; at: Date }[]>();
  const suppressed = new Map<string, boolean>();
  return {
    suppressed,
    nearby,
    learn(facts, suppressionsOf, nearbyOf) {
      for (const e of suppressionsOf) suppressed.set(e, facts.suppressed.has(e));
      for (const e of nearbyOf) nearby.set(e, []);
      for (const n of facts.nearby) nearby.get(n.email_norm)?.push({ id: n.id, at: n.at });
    },
    forget(ids) {
      if (ids.length === 0) return;
      const gone = new Set(ids);
      for (const [email, list] of nearby) nearby.set(email, list.filter((n) => !gone.has(n.id)));
    },
  };
}

export type ScheduleInput = {
  tenant: { id: number; timezone: string };
  campaigns: readonly CampaignWithRules[];
  rows: readonly ScheduleRow[];
  now: Date;
  memo: ScheduleMemo;
};

export type ScheduleOutcome = { created: OrderInvitationRow[]; notScheduled: NotScheduled[] };

type Decision = { no: NotScheduled } | { candidate: string };

export async function scheduleOrderInvitations(deps: Pick<AppDeps, 'links' | 'logger'>, db: Kysely<Database>, input: ScheduleInput): Promise<ScheduleOutcome[]> {
  const { tenant, campaigns, rows, now, memo } = input;
  for (const c of campaigns) {
    if (c.row.enabled && !c.rules.ok) deps.logger.error({ tenant: tenant.id, campaign: c.row.id, fields: c.rules.fields }, 'stored campaign rules are invalid; the campaign schedules nothing');
  }
  // Normally known already (readScheduleFacts); read here only for what the caller did not ask.
  const emails = [...new Set(rows.flatMap((r) => (r.domain.customer.emailNorm === undefined ? [] : [r.domain.customer.emailNorm])))];
  await loadSuppressed(db, tenant.id, emails, memo);
  if (needsNearby(campaigns)) await loadNearby(db, tenant.id, emails, memo);

  const candidates = new Map<string, Record<string, unknown>>();
  const decisions = rows.map((row): Decision[] => {
    const { order, domain, store } = row;
    const zone = sendTimeZone({ customer: domain.customer.timezone, store: store.timezone, tenant: tenant.timezone });
    const emailNorm = domain.customer.emailNorm;
    const out: Decision[] = [];
    for (const { row: campaign, rules } of campaigns) {
      const no = (reason_code: ReasonCode, detail?: string) =>
        out.push({ no: detail === undefined ? { campaign: campaign.slug, campaign_id: campaign.id, reason_code } : { campaign: campaign.slug, campaign_id: campaign.id, reason_code, detail } });
      if (!campaign.enabled) {
        no('campaign_disabled');
        continue;
      }
      const already = row.existing.find((e) => e.campaign_id === campaign.id);
      if (already) {
        no('duplicate', `invitation ${already.id} exists for this order`);
        continue;
      }
      if (!rules.ok) {
        no('campaign_disabled', 'the stored campaign rules are invalid');
        continue;
      }
      const planned = scheduledAt(domain.statusChangedAt, rules.value.delayDays, rules.value.sendWindow, zone, now);
      const lastInvitedAt = rules.value.frequencyCapDays !== undefined && emailNorm !== undefined ? nearest(memo.nearby.get(emailNorm) ?? [], planned) : undefined;
      const verdict = evaluateEligibility(domain, rules.value, {
        now,
        suppressed: emailNorm !== undefined && memo.suppressed.get(emailNorm) === true,
        plannedAt: planned,
        ...(lastInvitedAt ? { lastInvitedAt } : {}),
      });
      if (!verdict.eligible) {
        no(verdict.reason, verdict.detail);
        continue;
      }
      const key = `${campaign.id}:${row.orderRef}`;
      const c = domain.customer;
      const fullName = [c.firstName, c.lastName].filter((p) => p.trim() !== '').join(' ');
      const email = c.email!;
      const token = deps.links.reviewToken({ tenantId: tenant.id, campaignId: campaign.id, orderRef: row.orderRef });
      candidates.set(key, {
        campaign_id: campaign.id,
        order_id: order.id,
        order_ref: row.orderRef,
        store_id: store.id,
        email,
        email_norm: c.emailNorm!,
        first_name: c.firstName.trim() === '' ? null : c.firstName,
        last_name: c.lastName.trim() === '' ? null : c.lastName,
        // The name field is never empty: emails greet by it and amino requires it.
        name: fullName === '' ? email.slice(0, email.lastIndexOf('@')) : fullName,
        locale: c.locale ?? store.locale,
        channel: campaign.channel,
        destination: destinationFor(campaign.channel, campaign.destinations),
        scheduled_at: planned.toISOString(),
        token_hash: deps.links.hashToken(token).toString('hex'),
        order_status: order.status,
      });
      // The orders and campaigns decided after this one see it, as they would see it stored.
      memo.nearby.get(c.emailNorm!)?.push({ id: 0, at: planned });
      out.push({ candidate: key });
    }
    return out;
  });

  const created = new Map<string, OrderInvitationRow>();
  if (candidates.size > 0) {
    // 'order' as the source: 'api' is reserved for the amino-compatible endpoint, whose rolling-hour limit counts by it.
    const { rows: inserted } = await sql<OrderInvitationRow>`${prepared}
      WITH v AS (SELECT * FROM json_to_recordset(${JSON.stringify([...candidates.values()])}::json) AS v(campaign_id bigint, order_id bigint, order_ref text,
                 store_id bigint, email text, email_norm text, first_name text, last_name text, name text, locale text, channel text, destination text,
                 scheduled_at timestamptz, token_hash text, order_status text)),
      i AS (
        INSERT INTO invitations (tenant_id, campaign_id, order_id, order_ref, store_id, email, email_norm, first_name, last_name, name, locale, channel,
                                 destination, source, scheduled_at, token_hash, created_at, updated_at)
        SELECT ${tenant.id}, campaign_id, order_id, order_ref, store_id, email, email_norm, first_name, last_name, name, locale, channel,
               destination, 'order', scheduled_at, decode(token_hash, 'hex'), ${now}, ${now}
        FROM v
        ON CONFLICT (tenant_id, campaign_id, order_ref) DO NOTHING
        RETURNING id, campaign_id, order_id, order_ref, scheduled_at, state, reason_code),
      e AS (
        INSERT INTO invitation_events (invitation_id, tenant_id, type, at, data)
        SELECT i.id, ${tenant.id}, 'created', ${now}, jsonb_build_object('source', 'order', 'order_id', i.order_id, 'order_status', v.order_status)
        FROM i JOIN v ON v.campaign_id = i.campaign_id AND v.order_ref = i.order_ref)
      SELECT * FROM i`.execute(db);
    for (const r of inserted) created.set(`${r.campaign_id}:${r.order_ref}`, r);
  }
  // The placeholders stand for what was inserted; the cap of later batches reads the database.
  for (const list of memo.nearby.values()) for (let k = list.length - 1; k >= 0; k--) if (list[k]!.id === 0) list.splice(k, 1);
  for (const r of created.values()) {
    const email = candidates.get(`${r.campaign_id}:${r.order_ref}`)!.email_norm as string;
    memo.nearby.get(email)?.push({ id: r.id, at: r.scheduled_at });
  }

  return decisions.map((list) => {
    const outcome: ScheduleOutcome = { created: [], notScheduled: [] };
    for (const d of list) {
      if ('no' in d) outcome.notScheduled.push(d.no);
      else {
        const row = created.get(d.candidate);
        if (row) outcome.created.push(row);
        else {
          const c = candidates.get(d.candidate)!;
          const slug = campaigns.find((x) => x.row.id === c.campaign_id)!.row.slug;
          outcome.notScheduled.push({ campaign: slug, campaign_id: c.campaign_id as number, reason_code: 'duplicate', detail: 'an invitation for this order and campaign was created concurrently' });
        }
      }
    }
    return outcome;
  });
}

/** Whether any campaign's frequency cap needs the customers' other invitations. */
export function needsNearby(campaigns: readonly CampaignWithRules[]): boolean {
  return campaigns.some((c) => c.row.enabled && c.rules.ok && c.rules.value.frequencyCapDays !== undefined);
}

/**
 * The frequency cap's input (as nearest-invitation-at.ts defines it for one invitation): the
 * nearest live invitation of the address to `at`, in either direction.
 */
function nearest(list: readonly { at: Date }[], at: Date): Date | undefined {
  let best: Date | undefined;
  let distance = Infinity;
  for (const n of list) {
    const d = Math.abs(n.at.getTime() - at.getTime());
    if (d < distance) {
      distance = d;
      best = n.at;
    }
  }
  return best;
}

async function loadSuppressed(db: Kysely<Database>, tenantId: number, emails: readonly string[], memo: ScheduleMemo): Promise<void> {
  const unknown = emails.filter((e) => !memo.suppressed.has(e));
  if (unknown.length === 0) return;
  const rows = await db.selectFrom('suppressions').select('email_norm').where('tenant_id', '=', tenantId).where('email_norm', '=', sql<string>`any(${unknown}::text[])`).execute();
  for (const e of unknown) memo.suppressed.set(e, false);
  for (const r of rows) memo.suppressed.set(r.email_norm, true);
}

async function loadNearby(db: Kysely<Database>, tenantId: number, emails: readonly string[], memo: ScheduleMemo): Promise<void> {
  const unknown = emails.filter((e) => !memo.nearby.has(e));
  if (unknown.length === 0) return;
  // An invitation's time is when it was sent, else when it is scheduled; skipped and failed ones never reached the customer.
  const { rows } = await sql<{ id: number; email_norm: string; at: Date }>`
    SELECT id, email_norm, coalesce(sent_at, scheduled_at) AS at FROM invitations
    WHERE tenant_id = ${tenantId} AND email_norm = any(${unknown}::text[]) AND state IN ('pending', 'sending', 'sent')`.execute(db);
  for (const e of unknown) memo.nearby.set(e, []);
  for (const r of rows) memo.nearby.get(r.email_norm)!.push({ id: r.id, at: r.at });
}
