/**
 * A queue the size of a busy shop's, for the grid's index tests and benchmark: one tenant with
 * `count` orders and one invitation each, spread over a year, 10 stores, 3 campaigns, and a state
 * mix like a live queue (60 % sent, 20 % pending — half of them overdue — 12 % skipped with reasons,
 * 5 % failed, 3 % sending). Two statements of INSERT ... SELECT, so a million rows take a minute.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../src/db/schema.ts';

export type GridSeed = { tenantId: number; storeCodes: string[]; campaignSlugs: string[] };

export async function seedGrid(db: Kysely<Database>, tenantId: number, count: number, now: Date): Promise<GridSeed> {
  const storeCodes = Array.from({ length: 10 }, (_, i) => `store-${i}`);
  const stores = await db.insertInto('stores').values(storeCodes.map((code) => ({ tenant_id: tenantId, code, name: code }))).returning('id').execute();
  const campaignSlugs = ['default', 'vip', 'b2b'];
  for (const slug of campaignSlugs.slice(1)) {
    await db.insertInto('campaigns').values({ tenant_id: tenantId, slug, name: slug, criteria: '{}', template: '{}', reminders: '[]', destinations: '[]' }).execute();
  }
  const campaigns = await db.selectFrom('campaigns').select('id').where('tenant_id', '=', tenantId).orderBy('id').execute();
  const storeIds = stores.map((s) => s.id);
  const campaignIds = campaigns.map((c) => c.id);
  const start = new Date(now.getTime() - 365 * 86_400_000);

  // Chunks keep every statement well inside the pool's statement_timeout.
  for (let first = 1; first <= count; first += CHUNK) {
    const last = Math.min(count, first + CHUNK - 1);
    const before = (await sql<{ id: number }>`SELECT coalesce(max(id), 0) AS id FROM orders`.execute(db)).rows[0]!.id;
    await seedChunk(db, tenantId, first, last, count, start, now, storeIds, campaignIds, before);
  }
  await sql`ANALYZE invitations`.execute(db);
  await sql`ANALYZE orders`.execute(db);
  return { tenantId, storeCodes, campaignSlugs };
}

const CHUNK = 100_000;

async function seedChunk(
  db: Kysely<Database>, tenantId: number, first: number, last: number, count: number, start: Date, now: Date,
  storeIds: number[], campaignIds: number[], ordersAfter: number,
): Promise<void> {
  // placed_at walks through the year in order of n, as orders arrive.
  await sql`
    INSERT INTO orders (tenant_id, store_id, order_ref, status, email, first_name, last_name, total, currency, placed_at, status_changed_at, items, source)
    SELECT ${tenantId}, (${storeIds}::bigint[])[1 + n % 10], 'G-' || n, 'completed', 'user' || n || '@example' || (n % 50) || '.com',
           'First' || (n % 5000), 'Last' || (n % 7919), 10 + n % 200, 'EUR',
           ${start}::timestamptz + (n::float8 / ${count}) * interval '365 days',
           ${start}::timestamptz + (n::float8 / ${count}) * interval '365 days' + interval '2 days', '[]', 'import'
    FROM generate_series(${first}::int, ${last}::int) AS n`.execute(db);

  await sql`
    INSERT INTO invitations (tenant_id, campaign_id, order_id, order_ref, store_id, email, email_norm, first_name, last_name, name, channel,
                             state, reason_code, scheduled_at, sent_at, attempts, last_error, lease_token, leased_until, token_hash, created_at, updated_at)
    SELECT o.tenant_id, (${campaignIds}::bigint[])[1 + b.n % ${campaignIds.length}], o.id, o.order_ref, o.store_id, o.email, o.email, o.first_name, o.last_name,
           o.first_name || ' ' || o.last_name, 'email', b.state, b.reason, b.scheduled, CASE WHEN b.state = 'sent' THEN b.scheduled + interval '3 minutes' END,
           CASE WHEN b.state IN ('sent', 'failed', 'sending') THEN 1 ELSE 0 END, CASE WHEN b.state = 'failed' THEN '550 mailbox unavailable' END,
           CASE WHEN b.state = 'sending' THEN gen_random_uuid() END, CASE WHEN b.state = 'sending' THEN ${now}::timestamptz + interval '5 minutes' END,
           sha256(convert_to(o.id::text || '/' || random()::text, 'UTF8')), o.status_changed_at, o.status_changed_at
    FROM orders o
    CROSS JOIN LATERAL (SELECT substr(o.order_ref, 3)::bigint AS n) k
    CROSS JOIN LATERAL (
      SELECT CASE WHEN (k.n * 7919) % 100 < 60 THEN 'sent'
                  WHEN (k.n * 7919) % 100 < 80 THEN 'pending'
                  WHEN (k.n * 7919) % 100 < 92 THEN 'skipped'
                  WHEN (k.n * 7919) % 100 < 97 THEN 'failed'
                  ELSE 'sending' END AS state,
             CASE WHEN (k.n * 7919) % 100 BETWEEN 80 AND 91 THEN (ARRAY['frequency_cap', 'suppressed', 'manual_skip', 'order_cancelled'])[1 + k.n % 4]
                  WHEN (k.n * 7919) % 100 BETWEEN 92 AND 96 THEN 'attempts_exhausted' END AS reason
    ) s
    -- Pending rows: half overdue, half still to come; the others were due a week after the order.
    CROSS JOIN LATERAL (
      SELECT k.n, s.state, s.reason,
             CASE WHEN s.state = 'pending' THEN ${now}::timestamptz + CASE WHEN k.n % 2 = 0 THEN -1 ELSE 1 END * (k.n % 1000) * interval '1 hour'
                  ELSE o.status_changed_at + interval '7 days' END AS scheduled
    ) b
    WHERE o.id > ${ordersAfter} AND o.tenant_id = ${tenantId}`.execute(db);
}

/**
 * Runs a bulk load the way PostgreSQL's manual advises ("Populating a Database"): the non-unique indexes
 * and the foreign keys of `tables` dropped, then the indexes built and the foreign keys added again,
 * which checks every loaded row against its parent in one join per key. The unique keys stay, so the
 * load is checked as it goes too.
 * - Indexes: a bulk insert maintains 18 indexes row by row, a build sorts each once. The built indexes
 *   are denser than grown ones (577 against 719 MB for the invitations'); bench/README `## grid` has the
 *   p95 of both.
 * - Foreign keys: checked row by row, each check is a query that also locks the parent row FOR KEY
 *   SHARE, writing every order's page a second time; added after, the seven keys take ~3 s.
 * At 1,000,000 invitations the grid's seeding took 113 s with neither (2026-12-07); on 2026-12-08,
 * alternating, 114.8 · 114.4 s with only the indexes built after and 66.4 · 69.5 s with both.
 * A failed load leaves them dropped: the benchmark's database is scratch.
 */
export async function withIndexesAndForeignKeysAfter<T>(db: Kysely<Database>, tables: readonly string[], load: () => Promise<T>): Promise<T> {
  const regclasses = tables.map((t) => `public.${t}`);
  const { rows: indexes } = await sql<{ name: string; definition: string }>`
    SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS definition
    FROM pg_index i WHERE i.indrelid = any(${regclasses}::regclass[]) AND NOT i.indisunique`.execute(db);
  const { rows: foreignKeys } = await sql<{ table: string; name: string; definition: string }>`
    SELECT c.conrelid::regclass::text AS table, quote_ident(c.conname) AS name, pg_get_constraintdef(c.oid) AS definition
    FROM pg_constraint c WHERE c.conrelid = any(${regclasses}::regclass[]) AND c.contype = 'f'`.execute(db);
  for (const key of foreignKeys) await sql.raw(`ALTER TABLE ${key.table} DROP CONSTRAINT ${key.name}`).execute(db);
  for (const index of indexes) await sql`DROP INDEX ${sql.raw(index.name)}`.execute(db);
  const loaded = await load();
  await db.connection().execute(async (conn) => {
    await sql`SET maintenance_work_mem = '256MB'`.execute(conn);
    for (const index of indexes) await sql.raw(index.definition).execute(conn);
    await sql`RESET maintenance_work_mem`.execute(conn);
  });
  for (const key of foreignKeys) await sql.raw(`ALTER TABLE ${key.table} ADD CONSTRAINT ${key.name} ${key.definition}`).execute(db);
  return loaded;
}
