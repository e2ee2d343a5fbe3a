/** How an order is shown to API clients: the API's own field names, never internal columns (raw payload, ids of other rows). */
import type { OrderRow } from '../db/schema.ts';
import type { StoredOrderItem } from './check-order-input.ts';

export type OrderView = {
  id: number;
  order_ref: string;
  store: string;
  status: string;
  status_changed_at: string;
  placed_at: string | null;
  customer: {
    email: string | null;
    first_name: string | null;
    last_name: string | null;
    group: string | null;
    locale: string | null;
    country: string | null;
    timezone: string | null;
  };
  currency: string | null;
  total: number | null;
  items: StoredOrderItem[];
  source: string;
  created_at: string;
  updated_at: string;
};

export type OrderStatusEvent = { status: string; occurred_at: string; source: string };

export function orderView(row: OrderRow, storeCode: string): OrderView {
  return {
    id: row.id,
    order_ref: row.order_ref,
    store: storeCode,
    status: row.status,
    status_changed_at: row.status_changed_at.toISOString(),
    placed_at: row.placed_at === null ? null : row.placed_at.toISOString(),
    customer: {
      email: row.email,
      first_name: row.first_name,
      last_name: row.last_name,
      group: row.customer_group,
      locale: row.locale,
      country: row.country,
      timezone: row.customer_timezone,
    },
    currency: row.currency,
    total: row.total,
    items: row.items as StoredOrderItem[],
    source: row.source,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}
