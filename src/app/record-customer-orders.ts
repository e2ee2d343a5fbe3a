/**
 * Keeps customers' profiles (segmentation totals) in step with a batch of order writes, in one upsert
 * per batch: each order counts once, a changed total corrects total_spent by the difference, and an
 * order whose address changed moves from the old customer to the new one. Increments, never
 * recounts: the upsert adds each customer's sum of the batch's changes to what is stored, so writers
 * that do not hold the tenant lock cannot be overwritten.
 *
 * Several orders of one customer in a batch are applied as if one after the other: the profile
 * fields an order names replace the stored ones in batch order (the last one that names a field
 * wins), and each order's campaign rules see the profile as it is right after that order
 * (`CustomerFacts`: the running count and total, computed here from the stored row). The caller
 * passes each order at most once per batch.
 *
 * Totals add up every order's total whatever its currency or status: the shop's own numbers, as it
 * reported them.
 */
import { sql, type Kysely } from 'kysely';
import { prepared } from '../db/prepared-statements.ts';
import type { Customer, Database } from '../db/schema.ts';
import type { CheckedCustomer } from './check-order-input.ts';

/**
 * What the order counted for before this write (undefined: a new order). `emailNorm` is the stored
 * order's address: the key of the customer `customerId` names, since an order's address and customer
 * are always written together.
 */
export type PreviousCount = { customerId: number | null; emailNorm: string | null; total: number };

export type CustomerOrder = { person: CheckedCustomer | undefined; total: number; placedAt: Date; previous: PreviousCount | undefined };

/** The profile an order's campaign rules see (domain-order.ts). */
export type CustomerFacts = Pick<Customer, 'id' | 'email_norm' | 'orders_count' | 'total_spent' | 'timezone'>;

export type CustomerOrders = {
  /** Per order: the customer it now counts for, with the profile right after it, or null (no address). */
  customers: (CustomerFacts | null)[];
  /** Takes moved orders off their old customers; call once the orders point to their new ones. */
  uncount(): Promise<void>;
};

type Upsert = {
  email_norm: string; email: string; first_name: string | null; last_name: string | null; locale: string | null; country: string | null; timezone: string | null;
  customer_group: string | null; orders_count: number; total_spent: number; first_order_at: string; last_order_at: string;
};
type Step = { email: string; addCount: number; addTotal: number; timezone: string | null } | null;
type Stored = { orders_count: number; total_spent: number; timezone: string | null };

// numeric(14, 4): what the database keeps of a sum of floats.
const money = (n: number) => Math.round(n * 1e4) / 1e4;

export async function recordCustomerOrders(db: Kysely<Database>, tenantId: number, orders: readonly CustomerOrder[], now: Date): Promise<CustomerOrders> {
  const upserts = new Map<string, Upsert>();
  const uncounts = new Map<number, { n: number; total: number }>();
  const steps: Step[] = [];
  const moves: ({ from: number; total: number } | null)[] = [];
  for (const o of orders) {
    const p = o.person;
    let step: Step = null;
    if (p?.email != null && p.emailNorm != null) {
      const same = o.previous?.customerId != null && o.previous.emailNorm === p.emailNorm;
      const addCount = same ? 0 : 1;
      const addTotal = same ? o.total - o.previous!.total : o.total;
      step = { email: p.emailNorm, addCount, addTotal, timezone: p.timezone };
      const at = o.placedAt.toISOString();
      const u = upserts.get(p.emailNorm);
      if (!u) {
        upserts.set(p.emailNorm, {
          email_norm: p.emailNorm, email: p.email, first_name: p.firstName, last_name: p.lastName, locale: p.locale, country: p.country, timezone: p.timezone,
          customer_group: p.group, orders_count: addCount, total_spent: addTotal, first_order_at: at, last_order_at: at,
        });
      } else {
        u.email = p.email;
        u.first_name = p.firstName ?? u.first_name;
        u.last_name = p.lastName ?? u.last_name;
        u.locale = p.locale ?? u.locale;
        u.country = p.country ?? u.country;
        u.timezone = p.timezone ?? u.timezone;
        u.customer_group = p.group ?? u.customer_group;
        u.orders_count += addCount;
        u.total_spent = money(u.total_spent + addTotal);
        if (at < u.first_order_at) u.first_order_at = at;
        if (at > u.last_order_at) u.last_order_at = at;
      }
    }
    steps.push(step);
    const from = o.previous?.customerId;
    // The order leaves its customer unless it stays with the same address.
    if (from != null && !(step !== null && o.previous!.emailNorm === step.email)) {
      const u = uncounts.get(from) ?? { n: 0, total: 0 };
      u.n++;
      u.total = money(u.total + o.previous!.total);
      uncounts.set(from, u);
      moves.push({ from, total: o.previous!.total });
    } else moves.push(null);
  }

  const ids = new Map<string, number>();
  const running = new Map<number, Stored>();
  if (upserts.size > 0) {
    // The subqueries read the statement's snapshot: each customer as it was before this upsert (null: new).
    const { rows } = await sql<{ id: number; email_norm: string; was_count: number | null; was_total: number | null; was_timezone: string | null }>`${prepared}
      INSERT INTO customers AS c (tenant_id, email_norm, email, first_name, last_name, locale, country, timezone, customer_group,
                             orders_count, total_spent, first_order_at, last_order_at, created_at, updated_at)
      SELECT ${tenantId}, v.email_norm, v.email, v.first_name, v.last_name, v.locale, v.country, v.timezone, v.customer_group,
             v.orders_count, v.total_spent, v.first_order_at, v.last_order_at, ${now}, ${now}
      FROM json_to_recordset(${JSON.stringify([...upserts.values()])}::json) AS v(email_norm text, email text, first_name text, last_name text,
           locale text, country text, timezone text, customer_group text, orders_count int, total_spent numeric, first_order_at timestamptz, last_order_at timestamptz)
      ON CONFLICT (tenant_id, email_norm) DO UPDATE SET
        email = excluded.email,
        -- What these orders do not say is kept from earlier orders.
        first_name = coalesce(excluded.first_name, c.first_name),
        last_name = coalesce(excluded.last_name, c.last_name),
        locale = coalesce(excluded.locale, c.locale),
        country = coalesce(excluded.country, c.country),
        timezone = coalesce(excluded.timezone, c.timezone),
        customer_group = coalesce(excluded.customer_group, c.customer_group),
        orders_count = c.orders_count + excluded.orders_count,
        total_spent = c.total_spent + excluded.total_spent,
        first_order_at = least(c.first_order_at, excluded.first_order_at),
        last_order_at = greatest(c.last_order_at, excluded.last_order_at),
        updated_at = excluded.updated_at
      RETURNING c.id, c.email_norm,
        (SELECT w.orders_count FROM customers w WHERE w.id = c.id) AS was_count,
        (SELECT w.total_spent FROM customers w WHERE w.id = c.id) AS was_total,
        (SELECT w.timezone FROM customers w WHERE w.id = c.id) AS was_timezone`.execute(db);
    for (const r of rows) {
      ids.set(r.email_norm, r.id);
      running.set(r.id, { orders_count: r.was_count ?? 0, total_spent: r.was_total ?? 0, timezone: r.was_timezone });
    }
  }

  // Each order's view of its customer: the stored profile plus the batch's changes up to that order.
  const customers = steps.map((step, i): CustomerFacts | null => {
    let facts: CustomerFacts | null = null;
    if (step !== null) {
      const id = ids.get(step.email)!;
      const r = running.get(id)!;
      r.orders_count += step.addCount;
      r.total_spent = money(r.total_spent + step.addTotal);
      r.timezone = step.timezone ?? r.timezone;
      facts = { id, email_norm: step.email, orders_count: r.orders_count, total_spent: r.total_spent, timezone: r.timezone };
    }
    const move = moves[i];
    const left = move ? running.get(move.from) : undefined;
    if (left) {
      left.orders_count = Math.max(left.orders_count - 1, 0);
      left.total_spent = money(left.total_spent - move!.total);
    }
    return facts;
  });

  return {
    customers,
    async uncount() {
      if (uncounts.size === 0) return;
      const moved = [...uncounts].map(([id, u]) => ({ id, n: u.n, total: u.total }));
      // The first/last order dates are recomputed without the orders that left.
      await sql`
        UPDATE customers c SET
          orders_count = greatest(c.orders_count - v.n, 0),
          total_spent = c.total_spent - v.total,
          first_order_at = (SELECT min(placed_at) FROM orders WHERE customer_id = c.id),
          last_order_at = (SELECT max(placed_at) FROM orders WHERE customer_id = c.id),
          updated_at = ${now}
        FROM json_to_recordset(${JSON.stringify(moved)}::json) AS v(id bigint, n int, total numeric)
        WHERE c.id = v.id`.execute(db);
    },
  };
}
