/**
 * Rows for queue-grid tests, written straight to the tables (stores, orders, invitations): the grid
 * reads what any writer stored, so its tests do not depend on how orders get scheduled.
 */
import { randomBytes } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../src/db/schema.ts';

export async function defaultCampaignId(db: Kysely<Database>, tenantId: number): Promise<number> {
  const row = await db.selectFrom('campaigns').select('id').where('tenant_id', '=', tenantId).where('is_default', '=', true).executeTakeFirstOrThrow();
  return row.id;
}

export async function addCampaign(db: Kysely<Database>, tenantId: number, slug: string): Promise<number> {
  const row = await db
    .insertInto('campaigns')
    .values({ tenant_id: tenantId, slug, name: slug, criteria: '{}', template: '{}', reminders: '[]', destinations: '[]' })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function addStore(db: Kysely<Database>, tenantId: number, code: string): Promise<number> {
  const row = await db.insertInto('stores').values({ tenant_id: tenantId, code, name: code }).returning('id').executeTakeFirstOrThrow();
  return row.id;
}

export type SeedInvitation = {
  tenantId: number;
  campaignId: number;
  orderRef: string;
  storeId?: number | null;
  /** Creates an order placed at this time and links the invitation to it. */
  placedAt?: Date;
  email?: string;
  firstName?: string;
  lastName?: string;
  state?: 'pending' | 'sending' | 'sent' | 'skipped' | 'failed';
  reasonCode?: string | null;
  scheduledAt: Date;
  sentAt?: Date | null;
  createdAt?: Date;
  lastError?: string | null;
};

export async function seedInvitation(db: Kysely<Database>, s: SeedInvitation): Promise<number> {
  let orderId: number | null = null;
  if (s.placedAt !== undefined) {
    if (s.storeId === undefined || s.storeId === null) throw new Error('an order needs a store');
    const order = await db
      .insertInto('orders')
      .values({ tenant_id: s.tenantId, store_id: s.storeId, order_ref: s.orderRef, status: 'completed', placed_at: s.placedAt, items: '[]' })
      .returning('id')
      .executeTakeFirstOrThrow();
    orderId = order.id;
  }
  const email = s.email ?? `${s.orderRef.toLowerCase()}@example.com`;
  const first = s.firstName ?? 'Kim';
  const last = s.lastName ?? 'Lee';
  const state = s.state ?? 'pending';
  const row = await db
    .insertInto('invitations')
    .values({
      tenant_id: s.tenantId,
      campaign_id: s.campaignId,
      order_id: orderId,
      order_ref: s.orderRef,
      store_id: s.storeId ?? null,
      email,
      email_norm: email.toLowerCase(),
      first_name: first,
      last_name: last,
      name: `${first} ${last}`,
      channel: 'email',
      state,
      reason_code: s.reasonCode ?? null,
      scheduled_at: s.scheduledAt,
      sent_at: s.sentAt ?? null,
      last_error: s.lastError ?? null,
      token_hash: randomBytes(32),
      ...(state === 'sending' ? { lease_token: '00000000-0000-4000-8000-000000000001', leased_until: new Date(Date.now() + 60_000) } : {}),
      ...(s.createdAt ? { created_at: s.createdAt, updated_at: s.createdAt } : {}),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/** `count` pending invitations `<prefix>-<n>` (n from 1) in one statement, created in n order. */
export async function seedMany(db: Kysely<Database>, tenantId: number, campaignId: number, prefix: string, count: number, scheduledAt: Date): Promise<void> {
  await sql`
    INSERT INTO invitations (tenant_id, campaign_id, order_ref, email, email_norm, name, channel, scheduled_at, token_hash, created_at)
    SELECT ${tenantId}, ${campaignId}, ${prefix} || '-' || n, 'c' || n || '@example.com', 'c' || n || '@example.com', 'C ' || n, 'email',
           ${scheduledAt}, sha256(convert_to(${prefix} || '-' || n || '-' || random()::text, 'UTF8')), now() + n * interval '1 microsecond'
    FROM generate_series(1, ${count}::int) AS n`.execute(db);
}
