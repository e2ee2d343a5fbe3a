/**
 * The order half of recordOrders for a set of orders that each appear once: lock the stored rows
 * (in (store, order_ref) order, after the tenant row the caller holds), decide each order's status,
 * history and customer as one order write would, then write them all with a fixed number of statements.
 *
 * The stored rows are found key by key — one probe of the unique key (store_id, order_ref, ...) each,
 * in a LATERAL subquery the planner cannot turn into a join — never by a plan that reads the tenant's
 * orders: with statistics older than the tenant's growth (a new shop importing its history, a fresh
 * install) the planner did exactly that, once per batch for a set-based lookup and once per key for a
 * probe that named the tenant (0005_lighter_invitation_rows.sql says why). The probe names the store
 * only; the batch's stores are the tenant's own.
 *
 * Status semantics: a repeat of the current status is no change (no history row, the time it was
 * reached stays); an explicit status_changed_at older than the stored one is a stale delivery: it
 * joins the history (once) but does not become the current status. Fields an update omits keep their
 * values.
 */
import { sql, type Kysely } from 'kysely';
import { columnsOf, opaque, prepared } from '../db/prepared-statements.ts';
import type { Database, OrderRow, Store } from '../db/schema.ts';
import { emailNorm } from '../domain/email-address.ts';
import { statusKey } from '../domain/order.ts';
import type { CheckedCustomer, CheckedOrder } from './check-order-input.ts';
import { recordCustomerOrders, type CustomerFacts } from './record-customer-orders.ts';
import type { OrderDates } from './resolve-order-dates.ts';

export type OrderToWrite = { v: CheckedOrder; dates: OrderDates; store: Store; raw: unknown };
export type WrittenOrder = { order: OrderRow; created: boolean; customer: CustomerFacts | null; previous: OrderRow | undefined };

type Values = {
  status: string; status_changed_at: string; placed_at: string; customer_id: number | null; email: string | null; first_name: string | null;
  last_name: string | null; customer_group: string | null; locale: string | null; country: string | null; customer_timezone: string | null;
  currency: string | null; total: number | null; items: unknown; source: string; raw: string | null; raw_given: boolean;
};

// Every column of an order, named: prepared statements never return `*` (prepared-statements.ts says why).
const orderColumns = columnsOf<OrderRow>()([
  'id', 'tenant_id', 'store_id', 'order_ref', 'status', 'customer_id', 'email', 'first_name', 'last_name', 'customer_group', 'currency', 'total',
  'placed_at', 'status_changed_at', 'locale', 'country', 'items', 'source', 'raw', 'customer_timezone', 'created_at', 'updated_at',
]);

// Inserted and updated rows come back with every column, as recordOrder's answer shows them.
const RECORD_COLUMNS = `status text, status_changed_at timestamptz, placed_at timestamptz, customer_id bigint, email text, first_name text, last_name text,
  customer_group text, locale text, country text, customer_timezone text, currency text, total numeric, items jsonb, source text, raw text, raw_given boolean`;

export async function writeOrders(db: Kysely<Database>, tenantId: number, rows: readonly OrderToWrite[], now: Date): Promise<WrittenOrder[]> {
  const key = (storeId: number, ref: string) => `${storeId}\u0000${ref}`;
  // One lock order for every batch: by store, then order_ref.
  const keys = rows.map((r) => ({ store: r.store.id, ref: r.v.orderRef })).sort((a, b) => a.store - b.store || (a.ref < b.ref ? -1 : a.ref > b.ref ? 1 : 0));
  const { rows: locked } = await sql<OrderRow>`${prepared}
    SELECT ${orderColumns('o')} FROM unnest(${opaque(keys.map((k) => k.store), 'bigint[]')}, ${opaque(keys.map((k) => k.ref), 'text[]')}) AS k(store_id, order_ref)
    CROSS JOIN LATERAL (SELECT * FROM orders o WHERE o.store_id = k.store_id AND o.order_ref = k.order_ref FOR UPDATE) o`.execute(db);
  if (locked.some((o) => o.tenant_id !== tenantId)) throw new Error(`a store of tenant ${tenantId} holds another tenant's orders`);
  const stored = new Map(locked.map((o) => [key(o.store_id, o.order_ref), o]));
  const existing = rows.map((r) => stored.get(key(r.store.id, r.v.orderRef)));

  // Stale deliveries join the history once: which of them it has already.
  const stale = rows.flatMap((r, i) => {
    const e = existing[i];
    const at = r.dates.statusChangedAt;
    return e && statusKey(e.status) !== statusKey(r.v.status) && at !== undefined && at < e.status_changed_at ? [{ i, order_id: e.id, status: r.v.status, at: at.toISOString() }] : [];
  });
  const seen = new Set<number>();
  if (stale.length > 0) {
    const { rows: hits } = await sql<{ i: number }>`
      SELECT k.i FROM json_to_recordset(${JSON.stringify(stale)}::json) AS k(i int, order_id bigint, status text, at timestamptz)
      WHERE EXISTS (SELECT 1 FROM order_events e WHERE e.order_id = k.order_id AND e.status = k.status AND e.occurred_at = k.at)`.execute(db);
    for (const h of hits) seen.add(h.i);
  }
  const staleAt = new Set(stale.map((s) => s.i));

  const decided = rows.map((r, i) => {
    const e = existing[i];
    let status = r.v.status;
    let statusChangedAt = r.dates.statusChangedAt ?? now;
    let event: { status: string; at: Date } | undefined = { status, at: statusChangedAt };
    if (e) {
      if (statusKey(e.status) === statusKey(r.v.status)) {
        status = e.status;
        statusChangedAt = e.status_changed_at;
        event = undefined;
      } else if (staleAt.has(i)) {
        status = e.status;
        statusChangedAt = e.status_changed_at;
        event = seen.has(i) ? undefined : { status: r.v.status, at: r.dates.statusChangedAt! };
      }
    }
    const total = r.v.total ?? e?.total ?? null;
    const placedAt = r.dates.placedAt ?? e?.placed_at ?? statusChangedAt;
    const person = r.v.customer ?? (e ? storedCustomer(e) : undefined);
    return { status, statusChangedAt, event, total, placedAt, person };
  });

  const profiles = await recordCustomerOrders(
    db,
    tenantId,
    decided.map((d, i) => ({
      person: d.person,
      total: d.total ?? 0,
      placedAt: d.placedAt,
      previous: existing[i] ? { customerId: existing[i]!.customer_id, emailNorm: existing[i]!.email === null ? null : emailNorm(existing[i]!.email!), total: existing[i]!.total ?? 0 } : undefined,
    })),
    now,
  );

  const values = decided.map((d, i): Values => {
    const r = rows[i]!;
    const p = d.person;
    const e = existing[i];
    return {
      status: d.status,
      status_changed_at: d.statusChangedAt.toISOString(),
      placed_at: d.placedAt.toISOString(),
      customer_id: profiles.customers[i]?.id ?? null,
      email: p?.email ?? null,
      first_name: p?.firstName ?? null,
      last_name: p?.lastName ?? null,
      customer_group: p?.group ?? null,
      locale: p?.locale ?? null,
      country: p?.country ?? null,
      customer_timezone: p?.timezone ?? null,
      currency: r.v.currency ?? e?.currency ?? null,
      total: d.total,
      items: r.v.items ?? e?.items ?? [],
      source: r.v.source,
      raw: r.raw === undefined ? null : JSON.stringify(r.raw),
      raw_given: r.raw !== undefined,
    };
  });

  const fresh = rows.flatMap((r, i) => (existing[i] ? [] : [{ store_id: r.store.id, order_ref: r.v.orderRef, ...values[i]! }]));
  const updates = rows.flatMap((_r, i) => {
    const e = existing[i];
    const ev = decided[i]!.event;
    return e ? [{ id: e.id, ...values[i]!, event_status: ev?.status ?? null, event_at: ev?.at.toISOString() ?? null }] : [];
  });
  const written = new Map<string, OrderRow>();
  if (fresh.length > 0) {
    // A new order's first status is its first history row.
    const { rows: inserted } = await sql<OrderRow>`${prepared}
      WITH v AS (SELECT * FROM json_to_recordset(${JSON.stringify(fresh)}::json) AS v(store_id bigint, order_ref text, ${sql.raw(RECORD_COLUMNS)})),
      o AS (
        INSERT INTO orders (tenant_id, store_id, order_ref, status, status_changed_at, placed_at, customer_id, email, first_name, last_name, customer_group,
                            locale, country, customer_timezone, currency, total, items, source, raw, created_at, updated_at)
        SELECT ${tenantId}, store_id, order_ref, status, status_changed_at, placed_at, customer_id, email, first_name, last_name, customer_group,
               locale, country, customer_timezone, currency, total, items, source, raw::jsonb, ${now}, ${now}
        FROM v
        RETURNING *),
      e AS (INSERT INTO order_events (tenant_id, order_id, status, occurred_at, source) SELECT tenant_id, id, status, status_changed_at, source FROM o)
      SELECT ${orderColumns('o')} FROM o`.execute(db);
    for (const o of inserted) written.set(key(o.store_id, o.order_ref), o);
  }
  if (updates.length > 0) {
    const { rows: updated } = await sql<OrderRow>`${prepared}
      WITH v AS (SELECT * FROM json_to_recordset(${JSON.stringify(updates)}::json) AS v(id bigint, event_status text, event_at timestamptz, ${sql.raw(RECORD_COLUMNS)})),
      u AS (
        UPDATE orders o SET status = v.status, status_changed_at = v.status_changed_at, placed_at = v.placed_at, customer_id = v.customer_id,
          email = v.email, first_name = v.first_name, last_name = v.last_name, customer_group = v.customer_group, locale = v.locale, country = v.country,
          customer_timezone = v.customer_timezone, currency = v.currency, total = v.total, items = v.items, source = v.source,
          raw = CASE WHEN v.raw_given THEN v.raw::jsonb ELSE o.raw END, updated_at = ${now}
        -- The ids again as an array: json_to_recordset is estimated at 100 rows whatever it holds, and
        -- against that a join on v alone was planned as a read of every order, of every tenant.
        FROM v WHERE o.id = v.id AND o.id = any(${opaque(updates.map((u) => u.id), 'bigint[]')})
        RETURNING o.*),
      e AS (INSERT INTO order_events (tenant_id, order_id, status, occurred_at, source)
            SELECT ${tenantId}, id, event_status, event_at, source FROM v WHERE event_status IS NOT NULL)
      SELECT ${orderColumns('u')} FROM u`.execute(db);
    for (const o of updated) written.set(key(o.store_id, o.order_ref), o);
  }
  await profiles.uncount();

  return rows.map((r, i) => ({
    order: written.get(key(r.store.id, r.v.orderRef))!,
    created: existing[i] === undefined,
    customer: profiles.customers[i] ?? null,
    previous: existing[i],
  }));
}

function storedCustomer(row: OrderRow): CheckedCustomer {
  return {
    email: row.email,
    emailNorm: row.email === null ? null : emailNorm(row.email),
    firstName: row.first_name,
    lastName: row.last_name,
    group: row.customer_group,
    locale: row.locale,
    country: row.country,
    timezone: row.customer_timezone,
  };
}
