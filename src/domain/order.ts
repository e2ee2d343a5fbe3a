/**
 * The order as campaign rules see it: normalized from any store platform (REST, webhooks, CSV) by the
 * store adapters, so nothing here knows a platform. Statuses stay the platform's own strings because
 * every platform has its own set; only the statuses that end an order are classified.
 */
export type OrderItem = {
  sku: string;
  name: string;
  quantity: number;
  /** Unit price in the order's currency. */
  price: number;
  productUrl?: string;
  imageUrl?: string;
  gtin?: string;
};

export type OrderStore = { id: number; code: string; timezone?: string };

export type OrderCustomer = {
  email?: string;
  /** The dedupe and suppression key (see email-address.ts). */
  emailNorm?: string;
  firstName: string;
  /** Empty when the store sent a single name. */
  lastName: string;
  group?: string;
  locale?: string;
  country?: string;
  timezone?: string;
  /** The customer's profile totals including this order, when the caller loaded them (custom rules use them). */
  ordersCount?: number;
  totalSpent?: number;
};

export type Order = {
  ref: string;
  /** The platform's status string, kept as sent. */
  status: string;
  /** When the order reached `status`: the clock the campaign delay starts from. */
  statusChangedAt: Date;
  placedAt: Date;
  store: OrderStore;
  customer: OrderCustomer;
  currency: string;
  total: number;
  items: readonly OrderItem[];
};

/** The reason codes that end an order; an order in such a status is never invited. */
export const orderLifecycleReasons = ['order_cancelled', 'order_refunded', 'order_failed'] as const;
export type OrderLifecycleReason = (typeof orderLifecycleReasons)[number];

/** Status → why it ends the order. A campaign may replace the whole map (`CampaignRules.cancelStatuses`). */
export type CancelStatuses = Readonly<Record<string, OrderLifecycleReason>>;

/** Both spellings of cancelled occur (WooCommerce vs Magento, Shopify); Shopify voids unpaid orders. */
export const defaultCancelStatuses: CancelStatuses = {
  cancelled: 'order_cancelled',
  canceled: 'order_cancelled',
  voided: 'order_cancelled',
  refunded: 'order_refunded',
  failed: 'order_failed',
};

/**
 * Statuses compare trimmed and case-insensitively: BigCommerce says "Completed" where WooCommerce says
 * "completed", and a campaign author should not have to know which.
 */
export function statusKey(status: string): string {
  return status.trim().toLowerCase();
}

export function isStatusIn(status: string, statuses: readonly string[]): boolean {
  const key = statusKey(status);
  return statuses.some((s) => statusKey(s) === key);
}

/**
 * Why `status` ends the order, or null when it does not (any other string, known or not: unknown
 * statuses are normal across platforms and never an error).
 */
export function orderEndReason(status: string, cancelStatuses: CancelStatuses = defaultCancelStatuses): OrderLifecycleReason | null {
  const key = statusKey(status);
  // Entries, not an index lookup: a status named "constructor" must not find Object's.
  for (const [configured, reason] of Object.entries(cancelStatuses)) {
    if (statusKey(configured) === key) return reason;
  }
  return null;
}
