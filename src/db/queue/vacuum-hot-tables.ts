/**
 * Embedded mode only: PGlite never autovacuums nor autoanalyzes (stack.md §1: 884k dead tuples after
 * one drain), so the tables that churn are vacuumed on a schedule and every table a hot path looks up
 * is re-analyzed. The queue's tables churn with every delivery (rate_limits: every claim stamps its
 * locked rows); orders and customers with every order write. Without fresh statistics the planner
 * keeps estimating a grown table by its first few rows — the plans that then read a tenant's whole
 * history are what the order path's key-by-key lookups (write-orders.ts) guard against. Runs outside
 * any transaction, as it must.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../schema.ts';

export async function vacuumHotTables(db: Kysely<Database>): Promise<void> {
  await sql`VACUUM (ANALYZE) invitations, delivery_attempts, invitation_events, rate_limits, invitation_search,
    orders, order_events, customers, suppressions, api_keys`.execute(db);
}
