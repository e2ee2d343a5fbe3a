/**
 * The filter combinations the grid is measured on (benchmark) and whose plans must use an index
 * (test/queue-grid/grid-indexes.test.ts): what staff click in the grid, over the data of seed-grid.ts.
 */
import { sql } from 'kysely';
import type { GridCursor, GridOrder, GridSort } from '../../src/app/grid-cursor.ts';
import type { InvitationFilter, InvitationFilterInput } from '../../src/app/invitation-filter.ts';
import { cursorValue, gridRangeIds } from '../../src/app/list-invitations.ts';
import type { AppDeps } from '../../src/app/ports.ts';

export type GridCombination = {
  name: string;
  filter: InvitationFilterInput;
  sort: GridSort;
  order: GridOrder;
  /** Measure a page this deep into the matching rows (0.8 = after 80 % of them), by keyset cursor. */
  deep?: number;
};

const DAY = 86_400_000;

export function gridCombinations(now: Date): GridCombination[] {
  const iso = (daysAgo: number) => new Date(now.getTime() - daysAgo * DAY).toISOString();
  return [
    { name: 'everything, newest first', filter: {}, sort: 'created_at', order: 'desc' },
    { name: 'everything, 90 % deep', filter: {}, sort: 'created_at', order: 'desc', deep: 0.9 },
    { name: 'pending by schedule', filter: { status: 'pending' }, sort: 'scheduled_at', order: 'asc' },
    { name: 'overdue', filter: { status: 'overdue' }, sort: 'scheduled_at', order: 'asc' },
    { name: 'sent, latest first', filter: { status: 'sent' }, sort: 'sent_at', order: 'desc' },
    { name: 'failed + skipped of one store', filter: { status: 'failed,skipped', store: 'store-3' }, sort: 'created_at', order: 'desc' },
    { name: 'one campaign, by id', filter: { campaign: 'vip' }, sort: 'id', order: 'desc' },
    { name: 'order ref', filter: { order_ref: 'G-12345' }, sort: 'created_at', order: 'desc' },
    { name: 'name search', filter: { q: 'Last4321' }, sort: 'created_at', order: 'desc' },
    { name: 'email search + pending', filter: { q: 'user98765@', status: 'pending' }, sort: 'scheduled_at', order: 'asc' },
    { name: 'orders of one week', filter: { order_date_from: iso(100), order_date_to: iso(93) }, sort: 'created_at', order: 'desc' },
    { name: 'scheduled this month, pending', filter: { scheduled_from: iso(30), scheduled_to: iso(0), status: 'pending' }, sort: 'scheduled_at', order: 'desc' },
    { name: 'sent in a week', filter: { sent_from: iso(60), sent_to: iso(53) }, sort: 'sent_at', order: 'asc' },
    { name: 'reason frequency_cap', filter: { reason_code: 'frequency_cap' }, sort: 'created_at', order: 'desc' },
    { name: 'one store by sent_at, deep in the unsent', filter: { store: 'store-1' }, sort: 'sent_at', order: 'asc', deep: 0.8 },
  ];
}

/**
 * The cursor a client holds after reading `fraction` of the rows: read straight from the database
 * with OFFSET (once, outside any measurement), shaped exactly like the grid's own next_cursor.
 */
export async function cursorAt(
  deps: Pick<AppDeps, 'db' | 'clock'>, tenantId: number, filter: InvitationFilter, sort: GridSort, order: GridOrder, fraction: number,
): Promise<GridCursor | undefined> {
  const req = { sort, order, limit: 1 };
  const count = async (nulls: boolean) =>
    (await deps.db.selectFrom(gridRangeIds(deps, tenantId, filter, req, nulls, undefined).as('r')).select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow()).n;
  const valued = await count(false);
  const total = sort === 'sent_at' ? valued + (await count(true)) : valued;
  const k = Math.floor(total * fraction);
  if (k < 1) return undefined;
  const inNulls = sort === 'sent_at' && k > valued;
  const row = await gridRangeIds(deps, tenantId, filter, req, inNulls, undefined).limit(1).offset(inNulls ? k - valued - 1 : k - 1).executeTakeFirstOrThrow();
  if (sort === 'id') return { sort, order, id: row.id };
  if (inNulls) return { sort, order, id: row.id, value: null };
  const { value } = await deps.db.selectFrom('invitations as i').select(cursorValue(sql.ref(`i.${sort}`)).as('value')).where('i.id', '=', row.id).executeTakeFirstOrThrow();
  return { sort, order, id: row.id, value };
}
