/**
 * An order's dates as instants, once the store (and so its time zone) is known; and the same check
 * ahead of the write, so a 400 names the date fields together with every other bad field.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { FieldError } from '../errors.ts';
import { checkOrderInput, DEFAULT_STORE_CODE, STORE_CODE, type CheckedOrder } from './check-order-input.ts';
import { findStore } from './find-or-create-stores.ts';
import { resolveOrderDate } from './parse-order-date.ts';

export type OrderDates = { statusChangedAt: Date | undefined; placedAt: Date | undefined };

export type OrderDatesCheck = { ok: true; value: OrderDates } | { ok: false; fields: FieldError[] };

// Shops' clocks drift and time zones get mislabelled; a day ahead is surely a mistake.
const MAX_FUTURE_MS = 24 * 60 * 60 * 1000;

export function resolveOrderDates(order: CheckedOrder, storeTimeZone: string | null, now: Date): OrderDatesCheck {
  const fields: FieldError[] = [];
  const one = (field: 'status_changed_at' | 'placed_at', date: CheckedOrder['placedAt']): Date | undefined => {
    if (date === undefined) return undefined;
    const at = resolveOrderDate(date, storeTimeZone);
    if (at === undefined) {
      fields.push({ field, message: `needs a time zone offset, like 2026-07-10T09:00:00+02:00: store "${order.storeCode}" defines no time zone to read a local time in` });
    } else if (at.getTime() > now.getTime() + MAX_FUTURE_MS) {
      fields.push({ field, message: 'must not be in the future' });
    }
    return at;
  };
  const statusChangedAt = one('status_changed_at', order.statusChangedAt);
  const placedAt = one('placed_at', order.placedAt);
  return fields.length > 0 ? { ok: false, fields } : { ok: true, value: { statusChangedAt, placedAt } };
}

/** The store an order input's local dates are read in: its store code, when it names a well-formed one. */
export function inputStoreCode(input: unknown): string | undefined {
  const raw = typeof input === 'object' && input !== null ? (input as Record<string, unknown>) : undefined;
  const given = raw?.store ?? DEFAULT_STORE_CODE;
  return typeof given === 'string' && STORE_CODE.test(given) ? given : undefined;
}

/**
 * Every field error of an order input, the store-dependent date checks included (in the time zone of
 * the store inputStoreCode names, null when it has none or does not exist): what recordOrders would
 * refuse, without writing anything.
 */
export function orderInputErrors(input: unknown, storeTimeZone: string | null, now: Date): FieldError[] {
  const check = checkOrderInput(input);
  if (check.ok) {
    const dates = resolveOrderDates(check.value, storeTimeZone, now);
    return dates.ok ? [] : dates.fields;
  }
  // The shape is wrong somewhere, but local dates can still be judged when the store is named well.
  const code = inputStoreCode(input);
  if (code === undefined) return check.fields;
  const raw = input as Record<string, unknown>;
  const dates = checkOrderInput({ order_ref: 'x', status: 'x', store: code, status_changed_at: raw.status_changed_at, placed_at: raw.placed_at });
  if (!dates.ok) return check.fields;
  const resolved = resolveOrderDates(dates.value, storeTimeZone, now);
  return resolved.ok ? check.fields : [...check.fields, ...resolved.fields];
}

/** orderInputErrors with the store read from the database. */
export async function orderFieldErrors(db: Kysely<Database>, tenantId: number, input: unknown, now: Date): Promise<FieldError[]> {
  const code = inputStoreCode(input);
  const store = code === undefined ? undefined : await findStore(db, tenantId, code);
  return orderInputErrors(input, store?.timezone ?? null, now);
}
