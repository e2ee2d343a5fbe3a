/**
 * Embedded mode only: PGlite never autovacuums (stack.md §1: 884k dead tuples after one drain), so
 * the queue's churning tables are vacuumed on a schedule (rate_limits: every claim stamps its locked
 * rows). Runs outside any transaction, as it must.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../schema.ts';

export async function vacuumHotTables(db: Kysely<Database>): Promise<void> {
  await sql`VACUUM (ANALYZE) invitations, delivery_attempts, invitation_events, rate_limits`.execute(db);
}
