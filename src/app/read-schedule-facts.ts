/**
 * What a run of order writes reads before its campaigns decide, in one round trip: the orders'
 * invitations (by order id — what the answer lists — and by invitation order_ref — what makes a
 * campaign's second invitation for an order a duplicate, even one made through the invitations API
 * before the order existed), which of the customers' addresses are suppressed, and, when a campaign
 * has a frequency cap, each address's live invitations (pending, sending, sent) with the time each
 * goes or went out: when it was sent, else when it is scheduled.
 *
 * Every part is looked up key by key, each in a LATERAL subquery behind OFFSET 0 so the planner
 * cannot flatten it into a join, and each through an index that starts with the key itself — an
 * order id, an (order_ref, campaign), an address. No invitation probe names the tenant: with
 * statistics older than the tenant's growth, one that does may be answered by reading every
 * invitation of the tenant, for every key (0005_lighter_invitation_rows.sql says why). Orders and
 * campaigns are the tenant's own; an address is shared by tenants, so its invitations are filtered by
 * tenant after the probe. Suppressions have one index, their key (tenant_id, email_norm).
 */
import { sql, type Kysely } from 'kysely';
import { opaque, prepared } from '../db/prepared-statements.ts';
import type { Database } from '../db/schema.ts';
import type { OrderInvitationRow } from './order-invitations.ts';

export type ScheduleFactsQuery = {
  orderIds: readonly number[];
  orderRefs: readonly string[];
  /** Every campaign of the tenant: an order_ref is looked up in each. */
  campaignIds: readonly number[];
  suppressionsOf: readonly string[];
  nearbyOf: readonly string[];
};

export type ScheduleFacts = { invitations: OrderInvitationRow[]; suppressed: Set<string>; nearby: { id: number; email_norm: string; at: Date }[] };

type Row = OrderInvitationRow & { kind: 'invitation' | 'suppressed' | 'nearby'; email_norm: string | null; at: Date | null };

export async function readScheduleFacts(db: Kysely<Database>, tenantId: number, q: ScheduleFactsQuery): Promise<ScheduleFacts> {
  const facts: ScheduleFacts = { invitations: [], suppressed: new Set(), nearby: [] };
  const parts = [];
  const invitationColumns = sql`i.id, i.campaign_id, i.order_id, i.order_ref, i.scheduled_at, i.state, i.reason_code, NULL::text AS email_norm, NULL::timestamptz AS at`;
  if (q.orderIds.length > 0) {
    parts.push(sql`SELECT 'invitation' AS kind, ${invitationColumns} FROM unnest(${opaque([...q.orderIds], 'bigint[]')}) AS k(order_id)
      CROSS JOIN LATERAL (SELECT * FROM invitations WHERE order_id = k.order_id OFFSET 0) i`);
  }
  if (q.orderRefs.length > 0 && q.campaignIds.length > 0) {
    parts.push(sql`SELECT 'invitation' AS kind, ${invitationColumns} FROM unnest(${opaque([...q.orderRefs], 'text[]')}) AS k(order_ref)
      CROSS JOIN LATERAL (SELECT * FROM invitations WHERE order_ref = k.order_ref AND campaign_id = any(${opaque([...q.campaignIds], 'bigint[]')}) OFFSET 0) i`);
  }
  if (q.suppressionsOf.length > 0) {
    parts.push(sql`SELECT 'suppressed', NULL, NULL, NULL, NULL, NULL, NULL, NULL, s.email_norm, NULL FROM unnest(${opaque([...q.suppressionsOf], 'text[]')}) AS k(email_norm)
      CROSS JOIN LATERAL (SELECT email_norm FROM suppressions WHERE tenant_id = ${tenantId} AND email_norm = k.email_norm OFFSET 0) s`);
  }
  if (q.nearbyOf.length > 0) {
    parts.push(sql`SELECT 'nearby', i.id, NULL, NULL, NULL, NULL, NULL, NULL, i.email_norm, coalesce(i.sent_at, i.scheduled_at) FROM unnest(${opaque([...q.nearbyOf], 'text[]')}) AS k(email_norm)
      CROSS JOIN LATERAL (SELECT id, tenant_id, email_norm, sent_at, scheduled_at FROM invitations
                          WHERE email_norm = k.email_norm AND state IN ('pending', 'sending', 'sent') OFFSET 0) i
      WHERE i.tenant_id = ${tenantId}`);
  }
  if (parts.length === 0) return facts;
  // At most 15 variants of the text (which parts a run needs), each prepared once per connection.
  const { rows } = await sql<Row>`${prepared}${sql.join(parts, sql` UNION ALL `)}`.execute(db);
  const found = new Set<number>();
  for (const { kind, email_norm, at, ...invitation } of rows) {
    // Found by its order and by its order_ref: listed once.
    if (kind === 'invitation') {
      if (!found.has(invitation.id)) facts.invitations.push(invitation);
      found.add(invitation.id);
    } else if (kind === 'suppressed') facts.suppressed.add(email_norm!);
    else facts.nearby.push({ id: invitation.id, email_norm: email_norm!, at: at! });
  }
  facts.invitations.sort((a, b) => a.id - b.id);
  return facts;
}
