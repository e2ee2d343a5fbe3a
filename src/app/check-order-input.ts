/**
 * One order as the API, imports and store adapters hand it to recordOrder, checked field by field so
 * one 400 names every problem (fields are named as in the API: snake_case, dotted, `items.0.price`).
 * Statuses are kept as sent (every platform has its own); dates stay unresolved here because a local
 * date-time needs the store's time zone, which only the database knows (see parse-order-date.ts).
 */
import { checkEmailAddress } from '../domain/email-address.ts';
import { checkLocale } from '../domain/locale.ts';
import { isTimeZone } from '../domain/wall-clock.ts';
import type { FieldError } from '../errors.ts';
import { parseOrderDate, type OrderDate } from './parse-order-date.ts';

export type RecordOrderInput = {
  order_ref?: unknown;
  store?: unknown;
  status?: unknown;
  status_changed_at?: unknown;
  placed_at?: unknown;
  customer?: unknown;
  currency?: unknown;
  total?: unknown;
  items?: unknown;
  /** 'api' | 'csv' | a platform id; where the order came from. Default 'api'. */
  source?: unknown;
};

/** A line item as stored in orders.items and shown by the API. */
export type StoredOrderItem = {
  sku: string;
  name: string;
  quantity: number;
  price: number;
  product_url: string | null;
  image_url: string | null;
  gtin: string | null;
};

export type CheckedCustomer = {
  email: string | null;
  emailNorm: string | null;
  firstName: string | null;
  lastName: string | null;
  group: string | null;
  locale: string | null;
  country: string | null;
  timezone: string | null;
};

export type CheckedOrder = {
  orderRef: string;
  storeCode: string;
  status: string;
  statusChangedAt: OrderDate | undefined;
  placedAt: OrderDate | undefined;
  /** Omitted: an update keeps the stored customer; a new order has none (and so no invitation). */
  customer: CheckedCustomer | undefined;
  /** null when omitted: an update keeps the stored value. */
  currency: string | null;
  total: number | null;
  items: StoredOrderItem[] | undefined;
  source: string;
};

export type OrderInputCheck = { ok: true; value: CheckedOrder } | { ok: false; fields: FieldError[] };

/** Orders without a store code land in this one (created on first use, platform custom). */
export const DEFAULT_STORE_CODE = 'default';
/** No ':' in codes: order invitations use `${storeCode}:${orderRef}` as their order_ref. */
export const STORE_CODE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const TOP_KEYS = new Set(['order_ref', 'store', 'status', 'status_changed_at', 'placed_at', 'customer', 'currency', 'total', 'items', 'source']);
const CUSTOMER_KEYS = new Set(['email', 'first_name', 'last_name', 'group', 'locale', 'country', 'timezone']);
const ITEM_KEYS = new Set(['sku', 'name', 'quantity', 'price', 'product_url', 'image_url', 'gtin']);
const MAX_ITEMS = 1000;
// numeric(14, 4)
const MAX_AMOUNT = 9_999_999_999;

export function checkOrderInput(input: unknown): OrderInputCheck {
  const fields: FieldError[] = [];
  const fail = problems(fields);
  if (!isRecord(input)) return { ok: false, fields: [{ field: 'body', message: 'must be a JSON object' }] };
  for (const key of Object.keys(input)) if (!TOP_KEYS.has(key)) fail(key, 'is not a known field');

  let orderRef: string | undefined;
  if (input.order_ref === undefined || input.order_ref === null) fail('order_ref', 'is required');
  else if (typeof input.order_ref === 'number' && Number.isSafeInteger(input.order_ref) && input.order_ref >= 0) orderRef = String(input.order_ref);
  else orderRef = text(input.order_ref, 'order_ref', 200, fail);

  let storeCode = DEFAULT_STORE_CODE;
  if (input.store !== undefined && input.store !== null) {
    if (typeof input.store !== 'string' || !STORE_CODE.test(input.store)) fail('store', 'must be a store code: 1-64 letters, digits, ".", "_" or "-"');
    else storeCode = input.store;
  }

  const status = input.status === undefined || input.status === null ? fail('status', 'is required') : text(input.status, 'status', 100, fail);
  const statusChangedAt = optionalDate(input.status_changed_at, 'status_changed_at', fail);
  const placedAt = optionalDate(input.placed_at, 'placed_at', fail);
  const customer = input.customer === undefined || input.customer === null ? undefined : checkCustomer(input.customer, fail);

  let currency: string | null = null;
  if (input.currency !== undefined && input.currency !== null) {
    if (typeof input.currency !== 'string' || !/^[A-Za-z]{3}$/.test(input.currency)) fail('currency', 'must be a three-letter ISO 4217 code like EUR');
    else currency = input.currency.toUpperCase();
  }
  let total: number | null = null;
  if (input.total !== undefined && input.total !== null) total = amount(input.total, 'total', fail) ?? null;

  let items: StoredOrderItem[] | undefined;
  if (input.items !== undefined && input.items !== null) {
    items = [];
    if (!Array.isArray(input.items)) fail('items', 'must be an array');
    else if (input.items.length > MAX_ITEMS) fail('items', `must have at most ${MAX_ITEMS} lines`);
    else input.items.forEach((item, i) => {
      const checked = checkItem(item, `items.${i}`, fail);
      if (checked) items!.push(checked);
    });
  }

  let source = 'api';
  if (input.source !== undefined && input.source !== null) {
    if (typeof input.source !== 'string' || !/^[a-z][a-z0-9_-]{0,39}$/.test(input.source)) fail('source', 'must be api, csv or a platform id');
    else source = input.source;
  }

  if (fields.length > 0 || orderRef === undefined || status === undefined) return { ok: false, fields };
  return { ok: true, value: { orderRef, storeCode, status, statusChangedAt, placedAt, customer, currency, total, items, source } };
}

/** Records a problem; `count` tells a helper whether its own checks added any. */
type Fail = ((field: string, message: string) => undefined) & { count(): number };

function problems(fields: FieldError[]): Fail {
  const fail = (field: string, message: string): undefined => {
    fields.push({ field, message });
    return undefined;
  };
  return Object.assign(fail, { count: () => fields.length });
}

function checkCustomer(input: unknown, fail: Fail): CheckedCustomer | undefined {
  if (!isRecord(input)) return fail('customer', 'must be a JSON object');
  const before = fail.count();
  for (const key of Object.keys(input)) if (!CUSTOMER_KEYS.has(key)) fail(`customer.${key}`, 'is not a known field');
  const out: CheckedCustomer = { email: null, emailNorm: null, firstName: null, lastName: null, group: null, locale: null, country: null, timezone: null };
  if (input.email !== undefined && input.email !== null && input.email !== '') {
    const email = checkEmailAddress(input.email);
    if (email.ok) {
      out.email = email.email;
      out.emailNorm = email.norm;
    } else fail('customer.email', email.message);
  }
  out.firstName = optionalText(input.first_name, 'customer.first_name', 100, fail);
  out.lastName = optionalText(input.last_name, 'customer.last_name', 100, fail);
  out.group = optionalText(input.group, 'customer.group', 200, fail);
  if (input.locale !== undefined && input.locale !== null && input.locale !== '') {
    const locale = checkLocale(input.locale);
    if (locale.ok) out.locale = locale.locale;
    else fail('customer.locale', locale.message);
  }
  if (input.country !== undefined && input.country !== null && input.country !== '') {
    if (typeof input.country !== 'string' || !/^[A-Za-z]{2}$/.test(input.country)) fail('customer.country', 'must be a two-letter ISO 3166 code like DE');
    else out.country = input.country.toUpperCase();
  }
  if (input.timezone !== undefined && input.timezone !== null && input.timezone !== '') {
    if (!isTimeZone(input.timezone)) fail('customer.timezone', 'must be an IANA time zone like Europe/Berlin');
    else out.timezone = input.timezone;
  }
  return fail.count() === before ? out : undefined;
}

function checkItem(input: unknown, at: string, fail: Fail): StoredOrderItem | undefined {
  if (!isRecord(input)) return fail(at, 'must be a JSON object');
  const before = fail.count();
  for (const key of Object.keys(input)) if (!ITEM_KEYS.has(key)) fail(`${at}.${key}`, 'is not a known field');
  const sku = optionalText(input.sku, `${at}.sku`, 200, fail) ?? '';
  const name = optionalText(input.name, `${at}.name`, 500, fail) ?? '';
  let quantity = 1;
  if (input.quantity !== undefined && input.quantity !== null) {
    // Decimal quantities exist (Magento sells by weight).
    if (typeof input.quantity !== 'number' || !Number.isFinite(input.quantity) || input.quantity < 0 || input.quantity > 1_000_000) fail(`${at}.quantity`, 'must be a number from 0 to 1000000');
    else quantity = input.quantity;
  }
  const price = input.price === undefined || input.price === null ? 0 : amount(input.price, `${at}.price`, fail) ?? 0;
  const productUrl = optionalUrl(input.product_url, `${at}.product_url`, fail);
  const imageUrl = optionalUrl(input.image_url, `${at}.image_url`, fail);
  const gtin = optionalText(input.gtin, `${at}.gtin`, 50, fail);
  if (fail.count() !== before) return undefined;
  return { sku, name, quantity, price, product_url: productUrl, image_url: imageUrl, gtin };
}

function optionalDate(input: unknown, field: string, fail: Fail): OrderDate | undefined {
  if (input === undefined || input === null) return undefined;
  const parsed = typeof input === 'string' ? parseOrderDate(input) : undefined;
  return parsed ?? fail(field, 'must be an ISO 8601 date-time with a time zone offset, like 2026-07-10T09:00:00+02:00');
}

function amount(input: unknown, field: string, fail: Fail): number | undefined {
  if (typeof input !== 'number' || !Number.isFinite(input)) return fail(field, 'must be a number');
  if (input < 0) return fail(field, 'must not be negative');
  if (input > MAX_AMOUNT) return fail(field, `must be at most ${MAX_AMOUNT}`);
  return input;
}

function text(input: unknown, field: string, max: number, fail: Fail): string | undefined {
  if (typeof input !== 'string') return fail(field, 'must be a string');
  const value = input.trim();
  if (value === '' || value.length > max || /\p{Cc}/u.test(value)) return fail(field, `must be 1-${max} characters without control characters`);
  return value;
}

function optionalText(input: unknown, field: string, max: number, fail: Fail): string | null {
  if (input === undefined || input === null || input === '') return null;
  return text(input, field, max, fail) ?? null;
}

function optionalUrl(input: unknown, field: string, fail: Fail): string | null {
  if (input === undefined || input === null || input === '') return null;
  if (typeof input === 'string' && input.length <= 2000 && URL.canParse(input) && /^https?:$/.test(new URL(input).protocol)) return input;
  fail(field, 'must be an http(s) URL of at most 2000 characters');
  return null;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
