/**
 * A stored order as the domain's campaign rules see it (src/domain/order.ts). Shared by recordOrder
 * and anything that replays rules over stored orders.
 */
import type { Customer, OrderRow, Store } from '../db/schema.ts';
import type { Order, OrderItem } from '../domain/order.ts';
import type { StoredOrderItem } from './check-order-input.ts';

export function domainOrder(
  row: OrderRow,
  store: Pick<Store, 'id' | 'code' | 'timezone'>,
  customer: Pick<Customer, 'email_norm' | 'orders_count' | 'total_spent' | 'timezone'> | null,
): Order {
  const items = (row.items as StoredOrderItem[]).map((i): OrderItem => {
    const item: OrderItem = { sku: i.sku, name: i.name, quantity: i.quantity, price: i.price };
    if (i.product_url) item.productUrl = i.product_url;
    if (i.image_url) item.imageUrl = i.image_url;
    if (i.gtin) item.gtin = i.gtin;
    return item;
  });
  const c: Order['customer'] = { firstName: row.first_name ?? '', lastName: row.last_name ?? '' };
  if (row.email !== null) c.email = row.email;
  if (customer !== null) {
    c.emailNorm = customer.email_norm;
    c.ordersCount = customer.orders_count;
    c.totalSpent = customer.total_spent;
  }
  if (row.customer_group !== null) c.group = row.customer_group;
  if (row.locale !== null) c.locale = row.locale;
  if (row.country !== null) c.country = row.country;
  const timezone = row.customer_timezone ?? customer?.timezone ?? null;
  if (timezone !== null) c.timezone = timezone;
  return {
    ref: row.order_ref,
    status: row.status,
    statusChangedAt: row.status_changed_at,
    placedAt: row.placed_at ?? row.status_changed_at,
    store: store.timezone === null ? { id: store.id, code: store.code } : { id: store.id, code: store.code, timezone: store.timezone },
    customer: c,
    currency: row.currency ?? '',
    // An order reported without a total counts as 0 for min_total and exclude_zero_total.
    total: row.total ?? 0,
    items,
  };
}
