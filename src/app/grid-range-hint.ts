/**
 * Whether a grid page should be read "match first, then sort" instead of "walk the sort index and
 * filter". PostgreSQL assumes filter columns are independent of the sort column, but the grid's
 * time columns move together (an order placed in March was scheduled and sent in March): for
 * "orders of one week in March, newest first" the planner walks the created_at index from today
 * and passes every newer row before the first match — hundreds of thousands at a million rows.
 *
 * So each time range on a column other than the sort column is counted on its own index, capped at
 * NARROW_ROWS + 1 (an index-only scan of at most that many entries). When one is that narrow, the
 * page is read from that range and sorted: bounded by NARROW_ROWS, however far back it lies.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { GridSort } from './grid-cursor.ts';
import type { InvitationFilter } from './invitation-filter.ts';

export const NARROW_ROWS = 25_000;

type Range = { from?: Date; to?: Date };

async function atMost(db: Kysely<Database>, column: string, tenantId: number, range: Range): Promise<boolean> {
  const bounds = [
    range.from === undefined ? sql`` : sql` AND ${sql.ref(column)} >= ${range.from}`,
    range.to === undefined ? sql`` : sql` AND ${sql.ref(column)} < ${range.to}`,
  ];
  const { rows } = await sql<{ n: number }>`
    SELECT count(*)::int AS n FROM (
      SELECT 1 FROM invitations WHERE tenant_id = ${tenantId}${bounds[0]}${bounds[1]} LIMIT ${NARROW_ROWS + 1}
    ) capped`.execute(db);
  return rows[0]!.n <= NARROW_ROWS;
}

export async function isNarrowRange(db: Kysely<Database>, tenantId: number, filter: InvitationFilter, sort: GridSort): Promise<boolean> {
  const checks: Promise<boolean>[] = [];
  const given = (r: Range) => r.from !== undefined || r.to !== undefined;
  if (given(filter.orderDate)) checks.push(atMost(db, 'order_placed_at', tenantId, filter.orderDate));
  if (given(filter.scheduled) && sort !== 'scheduled_at') checks.push(atMost(db, 'scheduled_at', tenantId, filter.scheduled));
  if (given(filter.sent) && sort !== 'sent_at') checks.push(atMost(db, 'sent_at', tenantId, filter.sent));
  return (await Promise.all(checks)).some(Boolean);
}
