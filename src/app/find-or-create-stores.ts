/**
 * A tenant's stores by code. recordOrders creates an unknown code on first use as a `custom` store
 * without a time zone, so an order from a new shop is never refused for bookkeeping reasons.
 */
import { sql, type Kysely } from 'kysely';
import type { Database, Store } from '../db/schema.ts';

export async function findStore(db: Kysely<Database>, tenantId: number, code: string): Promise<Store | undefined> {
  return db.selectFrom('stores').selectAll().where('tenant_id', '=', tenantId).where('code', '=', code).executeTakeFirst();
}

/** The stores of these codes that exist, by code. */
export async function findStores(db: Kysely<Database>, tenantId: number, codes: readonly string[]): Promise<Map<string, Store>> {
  if (codes.length === 0) return new Map();
  const rows = await db.selectFrom('stores').selectAll().where('tenant_id', '=', tenantId).where('code', '=', sql<string>`any(${[...codes]}::text[])`).execute();
  return new Map(rows.map((s) => [s.code, s]));
}

/** Adds the stores of `codes` that `known` lacks (in place) and returns it. */
export async function findOrCreateStores(db: Kysely<Database>, tenantId: number, codes: readonly string[], known: Map<string, Store>): Promise<Map<string, Store>> {
  const missing = [...new Set(codes)].filter((c) => !known.has(c));
  if (missing.length === 0) return known;
  const inserted = await db
    .insertInto('stores')
    .values(missing.map((code) => ({ tenant_id: tenantId, code, name: code, platform: 'custom' })))
    .onConflict((oc) => oc.columns(['tenant_id', 'code']).doNothing())
    .returningAll()
    .execute();
  for (const s of inserted) known.set(s.code, s);
  // A concurrent writer (POST /api/v1/stores) won the insert of the others.
  const raced = missing.filter((c) => !known.has(c));
  for (const [code, store] of await findStores(db, tenantId, raced)) known.set(code, store);
  return known;
}
