/**
 * Keeps a customer's profile (segmentation totals) in step with one order write: each order counts
 * once, a changed total corrects total_spent by the difference, and an order whose address changed
 * moves from the old customer to the new one. Increments, never recounts: two orders of one customer
 * written at once both land (the upsert's row lock serializes the two updates; a recount in a
 * subquery would read a snapshot without the other's order).
 *
 * Totals add up every order's total whatever its currency or status: the shop's own numbers, as it
 * reported them.
 */
import { sql, type Kysely } from 'kysely';
import type { Customer, Database } from '../db/schema.ts';
import type { CheckedCustomer } from './check-order-input.ts';

/** What the order counted for before this write (undefined: a new order). */
export type PreviousCount = { customerId: number | null; total: number };

export async function recordCustomerOrder(
  db: Kysely<Database>,
  tenantId: number,
  customer: CheckedCustomer,
  order: { total: number; placedAt: Date; now: Date },
  previous: PreviousCount | undefined,
): Promise<Customer | null> {
  if (customer.email === null || customer.emailNorm === null) return null;
  const existing = await db.selectFrom('customers').select('id').where('tenant_id', '=', tenantId).where('email_norm', '=', customer.emailNorm).executeTakeFirst();
  const sameCustomer = previous !== undefined && existing !== undefined && previous.customerId === existing.id;
  const addCount = sameCustomer ? 0 : 1;
  const addTotal = sameCustomer ? order.total - previous.total : order.total;
  return db
    .insertInto('customers')
    .values({
      tenant_id: tenantId,
      email_norm: customer.emailNorm,
      email: customer.email,
      first_name: customer.firstName,
      last_name: customer.lastName,
      locale: customer.locale,
      country: customer.country,
      timezone: customer.timezone,
      customer_group: customer.group,
      orders_count: 1,
      total_spent: order.total,
      first_order_at: order.placedAt,
      last_order_at: order.placedAt,
      created_at: order.now,
      updated_at: order.now,
    })
    .onConflict((oc) =>
      oc.columns(['tenant_id', 'email_norm']).doUpdateSet({
        email: (eb) => eb.ref('excluded.email'),
        // What this order does not say is kept from earlier orders.
        first_name: sql`coalesce(excluded.first_name, customers.first_name)`,
        last_name: sql`coalesce(excluded.last_name, customers.last_name)`,
        locale: sql`coalesce(excluded.locale, customers.locale)`,
        country: sql`coalesce(excluded.country, customers.country)`,
        timezone: sql`coalesce(excluded.timezone, customers.timezone)`,
        customer_group: sql`coalesce(excluded.customer_group, customers.customer_group)`,
        orders_count: sql`customers.orders_count + ${addCount}::int`,
        total_spent: sql`customers.total_spent + ${addTotal}::numeric`,
        first_order_at: sql`least(customers.first_order_at, excluded.first_order_at)`,
        last_order_at: sql`greatest(customers.last_order_at, excluded.last_order_at)`,
        updated_at: (eb) => eb.ref('excluded.updated_at'),
      }),
    )
    .returningAll()
    .executeTakeFirstOrThrow();
}

/**
 * The order no longer belongs to `customerId` (its address changed or was removed). Call after the
 * order row points elsewhere, so the first/last order dates are recomputed without it.
 */
export async function uncountCustomerOrder(db: Kysely<Database>, customerId: number, total: number, now: Date): Promise<void> {
  await db
    .updateTable('customers')
    .set({
      orders_count: sql`greatest(orders_count - 1, 0)`,
      total_spent: sql`total_spent - ${total}::numeric`,
      first_order_at: sql`(SELECT min(placed_at) FROM orders WHERE customer_id = ${customerId})`,
      last_order_at: sql`(SELECT max(placed_at) FROM orders WHERE customer_id = ${customerId})`,
      updated_at: now,
    })
    .where('id', '=', customerId)
    .execute();
}
