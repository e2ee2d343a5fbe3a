/**
 * A tenant's store by code. recordOrder creates an unknown code on first use as a `custom` store
 * without a time zone, so an order from a new shop is never refused for bookkeeping reasons.
 */
import type { Kysely } from 'kysely';
import type { Database, Store } from '../db/schema.ts';

export async function findStore(db: Kysely<Database>, tenantId: number, code: string): Promise<Store | undefined> {
  return db.selectFrom('stores').selectAll().where('tenant_id', '=', tenantId).where('code', '=', code).executeTakeFirst();
}

export async function findOrCreateStore(db: Kysely<Database>, tenantId: number, code: string): Promise<Store> {
  const existing = await findStore(db, tenantId, code);
  if (existing) return existing;
  const inserted = await db
    .insertInto('stores')
    .values({ tenant_id: tenantId, code, name: code, platform: 'custom' })
    .onConflict((oc) => oc.columns(['tenant_id', 'code']).doNothing())
    .returningAll()
    .executeTakeFirst();
  // A concurrent order for the same new store won the insert.
  return inserted ?? (await findStore(db, tenantId, code))!;
}
