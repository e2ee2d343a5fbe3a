/**
 * The queue grid's filter: one definition shared by the listing, the CSV export and the bulk actions,
 * so "skip everything I see" acts on exactly the rows the grid showed. Text in (query string or JSON
 * body), checked field by field; store codes and campaign slugs resolved to ids once, before the
 * query, so the planner sees constants and picks the matching index.
 */
import { sql, type ExpressionBuilder, type Kysely, type SelectQueryBuilder } from 'kysely';
import type { Database } from '../db/schema.ts';
import { invitationStates, type InvitationState } from '../domain/glossary.ts';
import { isReasonCode } from '../domain/reason-codes.ts';
import { validationError, type FieldError } from '../errors.ts';
import { invitationOrderRef } from './invitation-order-ref.ts';

/** A status of the grid: a queue state, or `overdue` = pending and scheduled in the past. */
export const gridStatuses = [...invitationStates, 'overdue'] as const;

/** The filter as it arrives: every value is text (a query string) or a list of texts (repeated key). */
export type InvitationFilterInput = {
  status?: string | string[] | undefined;
  store?: string | undefined;
  campaign?: string | undefined;
  order_ref?: string | undefined;
  q?: string | undefined;
  order_date_from?: string | undefined;
  order_date_to?: string | undefined;
  scheduled_from?: string | undefined;
  scheduled_to?: string | undefined;
  sent_from?: string | undefined;
  sent_to?: string | undefined;
  reason_code?: string | undefined;
};

export const invitationFilterKeys = [
  'status', 'store', 'campaign', 'order_ref', 'q', 'order_date_from', 'order_date_to',
  'scheduled_from', 'scheduled_to', 'sent_from', 'sent_to', 'reason_code',
] as const satisfies readonly (keyof InvitationFilterInput)[];

type Range = { from?: Date; to?: Date };

/** Checked and resolved: ids instead of codes, dates instead of text. Ranges: from inclusive, to exclusive. */
export type InvitationFilter = {
  states?: InvitationState[];
  overdue: boolean;
  storeId?: number;
  campaignId?: number;
  /** The order_ref as given, and as an order's invitations carry it (`store:ref`, invitation-order-ref.ts). */
  orderRefs?: string[];
  /** A LIKE pattern with the user's wildcards escaped. */
  search?: string;
  orderDate: Range;
  scheduled: Range;
  sent: Range;
  reasonCode?: string;
};

/** ISO 8601 with an explicit offset: a bare date or local time would mean a different instant per server. */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
const MAX_TEXT = 200;

export function parseInstant(value: string): Date | undefined {
  if (!ISO_INSTANT.test(value)) return undefined;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) || d.getUTCFullYear() > 9999 ? undefined : d;
}

/** `%`, `_` and the escape character itself match literally; the user searches text, not patterns. */
export function likeContains(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

function text(value: string | undefined, field: string, fields: FieldError[]): string | undefined {
  if (value === undefined) return undefined;
  const t = value.trim();
  if (t === '' || t.length > MAX_TEXT || /\p{Cc}/u.test(t)) {
    fields.push({ field, message: `must be 1-${MAX_TEXT} characters without control characters` });
    return undefined;
  }
  return t;
}

function statuses(value: string | string[] | undefined, field: string, fields: FieldError[]): { states?: InvitationState[]; overdue: boolean } {
  if (value === undefined) return { overdue: false };
  // `status=pending,failed` and `status=pending&status=failed` mean the same.
  const names = (Array.isArray(value) ? value : [value]).flatMap((v) => v.split(',')).map((s) => s.trim().toLowerCase()).filter((s) => s !== '');
  const unknown = names.filter((n) => !(gridStatuses as readonly string[]).includes(n));
  if (names.length === 0 || unknown.length > 0) {
    fields.push({ field, message: `must be one or more of ${gridStatuses.join(', ')}` });
    return { overdue: false };
  }
  const states = [...new Set(names.filter((n): n is InvitationState => n !== 'overdue'))];
  return { ...(states.length > 0 ? { states } : {}), overdue: names.includes('overdue') };
}

function range(from: string | undefined, to: string | undefined, prefix: string, name: string, fields: FieldError[]): Range {
  const out: Range = {};
  for (const [key, value] of [['from', from], ['to', to]] as const) {
    if (value === undefined) continue;
    const d = parseInstant(value);
    if (d === undefined) fields.push({ field: `${prefix}${name}_${key}`, message: 'must be an ISO 8601 date-time with a time zone, like 2026-12-01T09:00:00Z' });
    else out[key] = d;
  }
  return out;
}

/**
 * Checks every field and resolves codes to ids; one 400 names every bad field. `prefix` names the
 * fields where they sit in a body (`filter.`). An unknown store or campaign is a 400, not an empty
 * page: a typo must not look like "nothing to do", least of all before a bulk action.
 */
export async function resolveInvitationFilter(
  db: Kysely<Database>,
  tenantId: number,
  input: InvitationFilterInput,
  prefix = '',
): Promise<InvitationFilter> {
  const fields: FieldError[] = [];
  const { states, overdue } = statuses(input.status, `${prefix}status`, fields);
  const store = text(input.store, `${prefix}store`, fields);
  const campaign = text(input.campaign, `${prefix}campaign`, fields);
  const orderRef = text(input.order_ref, `${prefix}order_ref`, fields);
  const q = text(input.q, `${prefix}q`, fields);
  const reasonCode = text(input.reason_code, `${prefix}reason_code`, fields);
  if (reasonCode !== undefined && !isReasonCode(reasonCode)) fields.push({ field: `${prefix}reason_code`, message: 'is not a known reason code' });
  const orderDate = range(input.order_date_from, input.order_date_to, prefix, 'order_date', fields);
  const scheduled = range(input.scheduled_from, input.scheduled_to, prefix, 'scheduled', fields);
  const sent = range(input.sent_from, input.sent_to, prefix, 'sent', fields);

  const [storeRow, campaignRow] = await Promise.all([
    store === undefined ? undefined : db.selectFrom('stores').select('id').where('tenant_id', '=', tenantId).where('code', '=', store).executeTakeFirst(),
    campaign === undefined ? undefined : db.selectFrom('campaigns').select('id').where('tenant_id', '=', tenantId).where('slug', '=', campaign).executeTakeFirst(),
  ]);
  if (store !== undefined && !storeRow) fields.push({ field: `${prefix}store`, message: `unknown store "${store}"` });
  if (campaign !== undefined && !campaignRow) fields.push({ field: `${prefix}campaign`, message: `unknown campaign "${campaign}"` });
  if (fields.length > 0) throw validationError(fields);

  const filter: InvitationFilter = { overdue, orderDate, scheduled, sent };
  if (states !== undefined) filter.states = states;
  if (storeRow) filter.storeId = storeRow.id;
  if (campaignRow) filter.campaignId = campaignRow.id;
  if (orderRef !== undefined) {
    // Staff type the shop's order number; an order's invitation carries it behind its store code.
    const codes = store !== undefined ? [store] : (await db.selectFrom('stores').select('code').where('tenant_id', '=', tenantId).execute()).map((r) => r.code);
    filter.orderRefs = [orderRef, ...codes.map((code) => invitationOrderRef(code, orderRef))];
  }
  if (q !== undefined) filter.search = likeContains(q);
  if (reasonCode !== undefined) filter.reasonCode = reasonCode;
  return filter;
}

/** The query source every grid query starts from: invitations as `i`. */
export function gridSource(db: Kysely<Database>) {
  return db.selectFrom('invitations as i');
}

type Source = ReturnType<typeof gridSource>;
type GridDb = Source extends SelectQueryBuilder<infer DB, infer _TB, infer _O> ? DB : never;
/** A query over gridSource with any selection. */
export type GridQuery<O> = SelectQueryBuilder<GridDb, 'i', O>;

/** The tenant condition and every filter. `now` decides what is overdue. */
export function applyInvitationFilter<O>(query: GridQuery<O>, tenantId: number, filter: InvitationFilter, now: Date): GridQuery<O> {
  let q = query.where('i.tenant_id', '=', tenantId);
  const { states, overdue } = filter;
  if (overdue && (states === undefined || !states.includes('pending'))) {
    const isOverdue = (eb: ExpressionBuilder<GridDb, 'i'>) =>
      eb.and([eb('i.state', '=', 'pending'), eb('i.scheduled_at', '<', now)]);
    q = states === undefined ? q.where(isOverdue) : q.where((eb) => eb.or([eb('i.state', 'in', states), isOverdue(eb)]));
  } else if (states !== undefined) {
    q = states.length === 1 ? q.where('i.state', '=', states[0]!) : q.where('i.state', 'in', states);
  }
  if (filter.storeId !== undefined) q = q.where('i.store_id', '=', filter.storeId);
  if (filter.campaignId !== undefined) q = q.where('i.campaign_id', '=', filter.campaignId);
  if (filter.orderRefs !== undefined) q = q.where('i.order_ref', 'in', filter.orderRefs);
  // Searched in invitation_search (0005), under its trigram index where pg_trgm is installed.
  const { search } = filter;
  if (search !== undefined) {
    q = q.where('i.id', 'in', (eb) =>
      eb.selectFrom('invitation_search as s').select('s.invitation_id').where('s.tenant_id', '=', tenantId).where('s.text', 'ilike', search),
    );
  }
  if (filter.reasonCode !== undefined) q = q.where('i.reason_code', '=', filter.reasonCode);
  // The order's date as copied onto the invitation (see 0003_queue_grid.sql).
  if (filter.orderDate.from !== undefined) q = q.where(sql<Date>`i.order_placed_at`, '>=', filter.orderDate.from);
  if (filter.orderDate.to !== undefined) q = q.where(sql<Date>`i.order_placed_at`, '<', filter.orderDate.to);
  if (filter.scheduled.from !== undefined) q = q.where('i.scheduled_at', '>=', filter.scheduled.from);
  if (filter.scheduled.to !== undefined) q = q.where('i.scheduled_at', '<', filter.scheduled.to);
  if (filter.sent.from !== undefined) q = q.where('i.sent_at', '>=', filter.sent.from);
  if (filter.sent.to !== undefined) q = q.where('i.sent_at', '<', filter.sent.to);
  return q;
}
