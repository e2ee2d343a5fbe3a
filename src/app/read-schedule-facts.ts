/**
 * What a run of order writes reads before its campaigns decide, in one round trip: the orders'
 * invitations (by order id — what the answer lists — and by invitation order_ref — what makes a
 * campaign's second invitation for an order a duplicate, even one made through the invitations API
 * before the order existed), which of the customers' addresses are suppressed, and, when a campaign
 * has a frequency cap, each address's live invitations (pending, sending, sent) with the time each
 * goes or went out: when it was sent, else when it is scheduled.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { OrderInvitationRow } from './order-invitations.ts';

export type ScheduleFactsQuery = { orderIds: readonly number[]; orderRefs: readonly string[]; suppressionsOf: readonly string[]; nearbyOf: readonly string[] };

export type ScheduleFacts = { invitations: OrderInvitationRow[]; suppressed: Set<string>; nearby: { id: number; email_norm: string; at: Date }[] };

type Row = OrderInvitationRow & { kind: 'invitation' | 'suppressed' | 'nearby'; email_norm: string | null; at: Date | null };

export async function readScheduleFacts(db: Kysely<Database>, tenantId: number, q: ScheduleFactsQuery): Promise<ScheduleFacts> {
  const facts: ScheduleFacts = { invitations: [], suppressed: new Set(), nearby: [] };
  const parts = [];
  if (q.orderIds.length + q.orderRefs.length > 0) {
    parts.push(sql`SELECT 'invitation' AS kind, id, campaign_id, order_id, order_ref, scheduled_at, state, reason_code, NULL::text AS email_norm, NULL::timestamptz AS at
      FROM invitations WHERE tenant_id = ${tenantId} AND (order_id = any(${[...q.orderIds]}::bigint[]) OR order_ref = any(${[...q.orderRefs]}::text[]))`);
  }
  if (q.suppressionsOf.length > 0) {
    parts.push(sql`SELECT 'suppressed', NULL, NULL, NULL, NULL, NULL, NULL, NULL, email_norm, NULL
      FROM suppressions WHERE tenant_id = ${tenantId} AND email_norm = any(${[...q.suppressionsOf]}::text[])`);
  }
  if (q.nearbyOf.length > 0) {
    parts.push(sql`SELECT 'nearby', id, NULL, NULL, NULL, NULL, NULL, NULL, email_norm, coalesce(sent_at, scheduled_at)
      FROM invitations WHERE tenant_id = ${tenantId} AND email_norm = any(${[...q.nearbyOf]}::text[]) AND state IN ('pending', 'sending', 'sent')`);
  }
  if (parts.length === 0) return facts;
  const { rows } = await sql<Row>`${sql.join(parts, sql` UNION ALL `)}`.execute(db);
  for (const { kind, email_norm, at, ...invitation } of rows) {
    if (kind === 'invitation') facts.invitations.push(invitation);
    else if (kind === 'suppressed') facts.suppressed.add(email_norm!);
    else facts.nearby.push({ id: invitation.id, email_norm: email_norm!, at: at! });
  }
  facts.invitations.sort((a, b) => a.id - b.id);
  return facts;
}
