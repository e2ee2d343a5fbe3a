/**
 * One row of an order import (a CSV record or a JSON line) as recordOrder's input. CSV is flat —
 * customer fields as columns, the line items as a JSON `items` cell or, for single-line orders, as
 * sku/product_name/quantity/price columns — and every cell is text; a JSON line may be flat the same
 * way or shaped like the body of POST /api/v1/orders. Problems are named by the row's own columns.
 */
import type { FieldError } from '../errors.ts';
import type { RecordOrderInput } from './check-order-input.ts';

/** Flat customer columns → the API's customer fields. */
const CUSTOMER_COLUMNS = {
  email: 'email', first_name: 'first_name', last_name: 'last_name', customer_group: 'group', locale: 'locale', country: 'country', timezone: 'timezone',
} as const;

/** Single-line order columns → the API's item fields. */
const ITEM_COLUMNS = {
  sku: 'sku', product_name: 'name', quantity: 'quantity', price: 'price', product_url: 'product_url', image_url: 'image_url', gtin: 'gtin',
} as const;

const ORDER_COLUMNS = ['order_ref', 'store', 'status', 'placed_at', 'status_changed_at', 'currency', 'total', 'items', 'source'] as const;

export const importColumns: readonly string[] = [...ORDER_COLUMNS, ...Object.keys(CUSTOMER_COLUMNS), ...Object.keys(ITEM_COLUMNS)];

const REQUIRED_COLUMNS = ['order_ref', 'status'];

/** A CSV header: every column known, the required ones present, none twice. */
export function checkImportHeader(header: readonly string[]): FieldError[] {
  const problems: FieldError[] = [];
  const seen = new Set<string>();
  for (const column of header) {
    if (!importColumns.includes(column)) problems.push({ field: column, message: `is not a known column (known: ${importColumns.join(', ')})` });
    else if (seen.has(column)) problems.push({ field: column, message: 'appears twice' });
    seen.add(column);
  }
  for (const column of REQUIRED_COLUMNS) if (!seen.has(column)) problems.push({ field: column, message: 'is a required column' });
  return problems;
}

const NUMBER = /^\s*-?\d+(\.\d+)?\s*$/;

/** CSV cells are text: numbers are read as numbers, anything else is left for the check to name. */
function numeric(value: unknown): unknown {
  return typeof value === 'string' && NUMBER.test(value) ? Number(value) : value;
}

function given(value: unknown): boolean {
  return value !== undefined && value !== null && value !== '';
}

export type ImportRowInput = { input: RecordOrderInput; flat: { customer: boolean; item: boolean } } | { error: FieldError };

export function importRowInput(record: Record<string, unknown>, defaultSource: string): ImportRowInput {
  const input: Record<string, unknown> = {};
  const customer: Record<string, unknown> = {};
  const item: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) {
    if (!given(value)) continue;
    if (key in CUSTOMER_COLUMNS) customer[CUSTOMER_COLUMNS[key as keyof typeof CUSTOMER_COLUMNS]] = value;
    else if (key in ITEM_COLUMNS) item[ITEM_COLUMNS[key as keyof typeof ITEM_COLUMNS]] = key === 'quantity' || key === 'price' ? numeric(value) : value;
    // Unknown keys go through: the order check names them.
    else input[key] = key === 'total' ? numeric(value) : value;
  }
  if (typeof input.items === 'string') {
    try {
      input.items = JSON.parse(input.items);
    } catch {
      return { error: { field: 'items', message: 'must be a JSON array of line items, like [{"sku":"A1","name":"Mug","quantity":1,"price":9.5}]' } };
    }
  }
  const flatCustomer = Object.keys(customer).length > 0;
  const flatItem = Object.keys(item).length > 0;
  if (flatCustomer) {
    if (input.customer !== undefined) return { error: { field: 'customer', message: 'give the customer as an object or as columns, not both' } };
    input.customer = customer;
  }
  if (flatItem) {
    if (input.items !== undefined) return { error: { field: 'items', message: 'give items or sku/product_name/quantity/price, not both' } };
    input.items = [item];
  }
  input.source ??= defaultSource;
  return { input: input as RecordOrderInput, flat: { customer: flatCustomer, item: flatItem } };
}

const CUSTOMER_FIELD = Object.fromEntries(Object.entries(CUSTOMER_COLUMNS).map(([column, field]) => [`customer.${field}`, column]));
const ITEM_FIELD = Object.fromEntries(Object.entries(ITEM_COLUMNS).map(([column, field]) => [`items.0.${field}`, column]));

/** The order check's field names (customer.email, items.0.price) back in the row's own columns. */
export function rowFieldName(field: string, flat: { customer: boolean; item: boolean }): string {
  if (flat.customer && CUSTOMER_FIELD[field] !== undefined) return CUSTOMER_FIELD[field]!;
  if (flat.item && ITEM_FIELD[field] !== undefined) return ITEM_FIELD[field]!;
  return field;
}
