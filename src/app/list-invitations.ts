/**
 * The queue grid: the tenant's invitations, filtered, sorted and paged by keyset — (sort value, id)
 * of the last row — so page 1,000 costs what page 1 does and rows inserted meanwhile never shift a
 * page (no duplicates, no gaps). Each row carries the eKomi grid's columns plus what staff need to
 * act on it (destination, channel, attempts, last error, reason).
 *
 * Unsent invitations have no sent_at: under sort=sent_at they come after every sent one, in id
 * order, in both directions. Reading them is a second index range, entered when the first runs out.
 */
import { sql, type Expression, type SqlBool } from 'kysely';
import { decodeGridCursor, encodeGridCursor, type GridCursor, type GridOrder, type GridSort } from './grid-cursor.ts';
import { applyInvitationFilter, gridSource, resolveInvitationFilter, type InvitationFilter, type InvitationFilterInput } from './invitation-filter.ts';
import { isNarrowRange } from './grid-range-hint.ts';
import { reviewUrl } from './invitation-view.ts';
import type { AppDeps } from './ports.ts';

export type InvitationGridRow = {
  id: number;
  order_ref: string;
  /** The store's code (eKomi: purchase point). */
  store: string | null;
  first_name: string | null;
  last_name: string | null;
  email: string;
  /** When the order was placed; null for invitations without an order (invitations API). */
  order_date: string | null;
  /** The campaign's slug (eKomi: account). */
  campaign: string;
  scheduled_at: string;
  sent_at: string | null;
  review_url: string;
  status: string;
  reason_code: string | null;
  destination: string;
  channel: string;
  attempts: number;
  last_error: string | null;
  created_at: string;
};

export type GridPageRequest = {
  sort: GridSort;
  order: GridOrder;
  limit: number;
  cursor?: GridCursor | undefined;
  /** Read the matches first, then sort (see grid-range-hint.ts); decided per request when absent. */
  matchFirst?: boolean | undefined;
};

export type GridPage = { rows: InvitationGridRow[]; next: GridCursor | undefined };

export type ListInvitationsInput = {
  filter: InvitationFilterInput;
  sort?: GridSort | undefined;
  order?: GridOrder | undefined;
  limit?: number | undefined;
  cursor?: string | undefined;
};

export const DEFAULT_SORT: GridSort = 'created_at';
export const DEFAULT_ORDER: GridOrder = 'desc';
export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 500;

type Deps = Pick<AppDeps, 'db' | 'clock' | 'links' | 'publicUrl'>;

export async function listInvitations(deps: Deps, tenantId: number, input: ListInvitationsInput): Promise<{ invitations: InvitationGridRow[]; next_cursor: string | null }> {
  const sort = input.sort ?? DEFAULT_SORT;
  const order = input.order ?? DEFAULT_ORDER;
  const cursor = input.cursor === undefined ? undefined : decodeGridCursor(input.cursor, sort, order);
  const filter = await resolveInvitationFilter(deps.db, tenantId, input.filter);
  const page = await readGridPage(deps, tenantId, filter, { sort, order, limit: input.limit ?? DEFAULT_LIMIT, cursor });
  return { invitations: page.rows, next_cursor: page.next === undefined ? null : encodeGridCursor(page.next) };
}

/** Every row of the filter, page by page (the CSV export): each page is its own short query. */
export async function* readGridPages(deps: Deps, tenantId: number, filter: InvitationFilter, sort: GridSort, order: GridOrder, pageSize = 1000): AsyncGenerator<InvitationGridRow[]> {
  let cursor: GridCursor | undefined;
  const matchFirst = await isNarrowRange(deps.db, tenantId, filter, sort);
  do {
    const page = await readGridPage(deps, tenantId, filter, { sort, order, limit: pageSize, cursor, matchFirst });
    if (page.rows.length > 0) yield page.rows;
    cursor = page.next;
  } while (cursor !== undefined);
}

type Row = {
  id: number; tenant_id: number; campaign_id: number; order_ref: string; store: string | null; first_name: string | null; last_name: string | null;
  email: string; order_date: Date | null; campaign: string; scheduled_at: Date; sent_at: Date | null; status: string; reason_code: string | null;
  destination: string; channel: string; attempts: number; last_error: string | null; created_at: Date; sort_value: string | null;
};

/**
 * One keyset range: `nulls` reads the unsent rows of sort=sent_at. The sort value is read back as
 * UTC text with microseconds so the next page starts exactly after it. Exported for the index tests
 * and the grid benchmark, which EXPLAIN exactly what the grid runs.
 */
export function gridRangeQuery(deps: Pick<Deps, 'db' | 'clock'>, tenantId: number, filter: InvitationFilter, req: GridPageRequest, nulls: boolean, after: GridCursor | undefined, limit: number) {
  const column = sql.ref(`i.${req.sort}`);
  // The page's ids first, the columns shown after: joins for 50 rows, not for every candidate. The
  // cursor's text too: formatted in the range, it was computed for every row the range sorted.
  const byValue = req.sort !== 'id' && !nulls;
  let query = deps.db
    .selectFrom(gridRangeIds(deps, tenantId, filter, req, nulls, after).limit(limit).as('p'))
    .innerJoin('invitations as i', 'i.id', 'p.id')
    .leftJoin('stores as s', 's.id', 'i.store_id')
    .innerJoin('campaigns as c', 'c.id', 'i.campaign_id')
    .select([
      'i.id', 'i.tenant_id', 'i.campaign_id', 'i.order_ref', 's.code as store', 'i.first_name', 'i.last_name', 'i.email', sql<Date | null>`i.order_placed_at`.as('order_date'),
      'c.slug as campaign', 'i.scheduled_at', 'i.sent_at', 'i.state as status', 'i.reason_code', 'i.destination', 'i.channel', 'i.attempts',
      'i.last_error', 'i.created_at',
      byValue ? cursorValue(column).as('sort_value') : sql<string | null>`NULL::text`.as('sort_value'),
    ]);
  query = req.sort !== 'id' ? query.orderBy(column, req.order).orderBy('i.id', req.order) : query.orderBy('i.id', req.order);
  return query;
}

/** A sort column's value as a cursor carries it: UTC text with microseconds (a JS Date holds milliseconds). */
export function cursorValue(column: Expression<unknown>) {
  return sql<string>`to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
}

/** The ids of one keyset range, in page order, without a limit. */
export function gridRangeIds(deps: Pick<Deps, 'db' | 'clock'>, tenantId: number, filter: InvitationFilter, req: GridPageRequest, nulls: boolean, after: GridCursor | undefined) {
  const dir = req.order;
  const byValue = req.sort !== 'id' && !nulls;
  const column = sql.ref(`i.${req.sort}`);
  let page = applyInvitationFilter(gridSource(deps.db), tenantId, filter, deps.clock.now()).select('i.id');
  if (nulls) page = page.where('i.sent_at', 'is', null);
  else if (req.sort === 'sent_at') page = page.where('i.sent_at', 'is not', null);
  if (after !== undefined) page = page.where(keysetCondition(req.sort, dir, after, byValue));
  // The unsent range also orders by sent_at (all null there): that is the order of the index
  // (tenant_id, sent_at, id), which the planner only recognises when the ORDER BY names it.
  // Match-first pages order by expressions no index provides, so the planner reads the narrow
  // range and sorts it instead of walking a sort index (same order, same keyset).
  const key = req.matchFirst === true ? sql`${column} + interval '0 seconds'` : column;
  const id = req.matchFirst === true ? sql`i.id + 0` : sql.ref('i.id');
  return byValue || nulls ? page.orderBy(key, dir).orderBy(id, dir) : page.orderBy(id, dir);
}

async function readRange(deps: Deps, tenantId: number, filter: InvitationFilter, req: GridPageRequest, nulls: boolean, after: GridCursor | undefined, limit: number): Promise<Row[]> {
  return (await gridRangeQuery(deps, tenantId, filter, req, nulls, after, limit).execute()) as Row[];
}

/** Rows strictly after the cursor in the sort order, as one index condition: (value, id) > (v, id). */
function keysetCondition(sort: GridSort, dir: GridOrder, after: GridCursor, byValue: boolean): Expression<SqlBool> {
  const op = sql.raw(dir === 'asc' ? '>' : '<');
  if (!byValue) return sql<SqlBool>`i.id ${op} ${after.id}`;
  return sql<SqlBool>`(${sql.ref(`i.${sort}`)}, i.id) ${op} (${after.value}::timestamptz, ${after.id}::bigint)`;
}

export async function readGridPage(deps: Deps, tenantId: number, filter: InvitationFilter, request: GridPageRequest): Promise<GridPage> {
  const req = { ...request, matchFirst: request.matchFirst ?? (await isNarrowRange(deps.db, tenantId, filter, request.sort)) };
  const want = req.limit + 1;
  const after = req.cursor;
  let rows: Row[] = [];
  // A sent_at cursor with a null value is already among the unsent rows: skip the sent range.
  const inNulls = req.sort === 'sent_at' && after !== undefined && after.value === null;
  if (!inNulls) rows = await readRange(deps, tenantId, filter, req, false, after, want);
  if (req.sort === 'sent_at' && rows.length < want) {
    rows = rows.concat(await readRange(deps, tenantId, filter, req, true, inNulls ? after : undefined, want - rows.length));
  }
  const more = rows.length > req.limit;
  const pageRows = more ? rows.slice(0, req.limit) : rows;
  const last = pageRows.at(-1);
  const next: GridCursor | undefined = more && last !== undefined
    ? { sort: req.sort, order: req.order, id: last.id, ...(req.sort === 'id' ? {} : { value: last.sort_value }) }
    : undefined;
  return { rows: pageRows.map((r) => gridRow(deps, r)), next };
}

const iso = (d: Date | null): string | null => (d === null ? null : d.toISOString());

function gridRow(deps: Deps, r: Row): InvitationGridRow {
  return {
    id: r.id,
    order_ref: r.order_ref,
    store: r.store,
    first_name: r.first_name,
    last_name: r.last_name,
    email: r.email,
    order_date: iso(r.order_date),
    campaign: r.campaign,
    scheduled_at: r.scheduled_at.toISOString(),
    sent_at: iso(r.sent_at),
    // Derived from the install's secret, never stored: the same link the email carries.
    review_url: reviewUrl(deps, r),
    status: r.status,
    reason_code: r.reason_code,
    destination: r.destination,
    channel: r.channel,
    attempts: r.attempts,
    last_error: r.last_error,
    created_at: r.created_at.toISOString(),
  };
}
