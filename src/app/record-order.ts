/**
 * Orders in (DESIGN §3): upsert one order by (tenant, store, order_ref), append its status history,
 * keep the customer's profile current, skip the invitations of an order that ended, and let every
 * enabled campaign schedule its one invitation or say why not — all in ONE transaction, so an order
 * and the invitation it triggers commit together.
 *
 * Locks, always in this order:
 * 1. the tenant row, FOR NO KEY UPDATE. suppressAddress (unsubscribe.ts) takes it FOR SHARE before it
 *    suppresses an address and skips its pending invitations; a conflicting lock here means an
 *    unsubscribe either commits before our suppression check (we see it) or waits until our
 *    invitation is committed (its UPDATE skips it). FOR SHARE would not conflict with FOR SHARE, and
 *    FOR UPDATE would also block every foreign-key check on the tenant. It also serializes this
 *    tenant's order writes, which is what makes the first insert of an order race-free.
 * 2. the order row, FOR UPDATE: repeated webhooks, status flips and imports of one order queue up.
 *
 * Status semantics: a repeat of the current status is no change (no history row, the time it was
 * reached stays); an explicit status_changed_at older than the stored one is a stale delivery: it
 * joins the history but does not become the current status. Fields an update omits keep their values.
 */
import { notFound, validationError } from '../errors.ts';
import type { Customer, Database, OrderRow, Store } from '../db/schema.ts';
import { emailNorm } from '../domain/email-address.ts';
import { statusKey } from '../domain/order.ts';
import type { Kysely } from 'kysely';
import { checkOrderInput, type CheckedCustomer, type CheckedOrder, type RecordOrderInput } from './check-order-input.ts';
import { domainOrder } from './domain-order.ts';
import { findOrCreateStore, findStore } from './find-or-create-store.ts';
import { orderInvitations, type OrderInvitationSummary } from './order-invitations.ts';
import { orderView, type OrderView } from './order-view.ts';
import type { AppDeps } from './ports.ts';
import { recordCustomerOrder, uncountCustomerOrder } from './record-customer-order.ts';
import { orderFieldErrors, resolveOrderDates, type OrderDates } from './resolve-order-dates.ts';
import { scheduleOrderInvitations, type NotScheduled } from './schedule-order-invitations.ts';
import { skipEndedOrderInvitations, type SkippedInvitation } from './skip-ended-order-invitations.ts';

export type { RecordOrderInput } from './check-order-input.ts';

export type RecordOrderOptions = {
  /** false = backfill: keep the order and its history, schedule nothing (importing past orders). */
  schedule?: boolean;
  /** The platform's payload as received, kept with the order. */
  raw?: unknown;
};

export type RecordOrderResult = {
  order: OrderView;
  /** True when this call created the order. */
  created: boolean;
  /** Every invitation of the order; `new` marks those this call created. */
  invitations: OrderInvitationSummary[];
  /** Campaigns that created no invitation in this call, and why. */
  not_scheduled: NotScheduled[];
  /** Pending invitations this call skipped because the order ended. */
  skipped: SkippedInvitation[];
};

export async function recordOrder(deps: AppDeps, tenantId: number, input: RecordOrderInput, options: RecordOrderOptions = {}): Promise<RecordOrderResult> {
  const now = deps.clock.now();
  const check = checkOrderInput(input);
  // orderFieldErrors adds the store-dependent date errors, so one 400 names every bad field.
  if (!check.ok) throw validationError(await orderFieldErrors(deps.db, tenantId, input, now));
  const v = check.value;
  // Checked before the transaction so bad dates cost no locks; checked again inside with the store
  // row the write uses, in case its time zone changed in between.
  const known = await findStore(deps.db, tenantId, v.storeCode);
  const early = resolveOrderDates(v, known?.timezone ?? null, now);
  if (!early.ok) throw validationError(early.fields);

  const outcome = await deps.db.transaction().execute(async (trx) => {
    const tenant = await trx.selectFrom('tenants').select(['id', 'timezone']).where('id', '=', tenantId).forNoKeyUpdate().executeTakeFirst();
    if (!tenant) throw notFound('Tenant');
    const store = await findOrCreateStore(trx, tenantId, v.storeCode);
    const dates = resolveOrderDates(v, store.timezone, now);
    if (!dates.ok) throw validationError(dates.fields);
    const existing = await trx
      .selectFrom('orders')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('store_id', '=', store.id)
      .where('order_ref', '=', v.orderRef)
      .forUpdate()
      .executeTakeFirst();

    const { order, customer } = await writeOrder(trx, { tenantId, store, v, dates: dates.value, existing, now, raw: options.raw });
    const campaigns = await trx.selectFrom('campaigns').selectAll().where('tenant_id', '=', tenantId).orderBy('id').execute();
    let skipped: SkippedInvitation[] = [];
    let notScheduled: NotScheduled[] = [];
    let createdIds: number[] = [];
    if (options.schedule !== false) {
      // Every call, not only on a status change: idempotent, and a campaign whose cancel statuses
      // were edited since takes effect on the order's next update.
      skipped = await skipEndedOrderInvitations(trx, order, campaigns, now);
      const suppressed =
        customer !== null &&
        (await trx.selectFrom('suppressions').select('email_norm').where('tenant_id', '=', tenantId).where('email_norm', '=', customer.email_norm).executeTakeFirst()) !== undefined;
      const scheduled = await scheduleOrderInvitations(deps, trx, {
        tenant,
        store,
        order,
        domain: domainOrder(order, store, customer),
        campaigns,
        suppressed,
        now,
      });
      notScheduled = scheduled.notScheduled;
      createdIds = scheduled.created.map((i) => i.id);
    }
    const invitations = await orderInvitations(trx, tenantId, order.id, createdIds);
    return { order: orderView(order, store.code), created: existing === undefined, invitations, not_scheduled: notScheduled, skipped };
  });

  if (outcome.invitations.some((i) => i.new && i.state === 'pending' && Date.parse(i.scheduled_at) <= now.getTime())) deps.wakeWorker();
  return outcome;
}

type WriteOrder = {
  tenantId: number;
  store: Store;
  v: CheckedOrder;
  dates: OrderDates;
  existing: OrderRow | undefined;
  now: Date;
  raw: unknown;
};

async function writeOrder(trx: Kysely<Database>, w: WriteOrder): Promise<{ order: OrderRow; customer: Customer | null }> {
  const { v, existing, now } = w;
  let status = v.status;
  let statusChangedAt = w.dates.statusChangedAt ?? now;
  let event: { status: string; at: Date } | undefined = { status, at: statusChangedAt };
  if (existing) {
    if (statusKey(existing.status) === statusKey(v.status)) {
      status = existing.status;
      statusChangedAt = existing.status_changed_at;
      event = undefined;
    } else if (w.dates.statusChangedAt !== undefined && w.dates.statusChangedAt < existing.status_changed_at) {
      status = existing.status;
      statusChangedAt = existing.status_changed_at;
      const seen = await trx
        .selectFrom('order_events')
        .select('id')
        .where('order_id', '=', existing.id)
        .where('status', '=', v.status)
        .where('occurred_at', '=', w.dates.statusChangedAt)
        .executeTakeFirst();
      event = seen ? undefined : { status: v.status, at: w.dates.statusChangedAt };
    }
  }

  const total = v.total ?? existing?.total ?? null;
  const placedAt = w.dates.placedAt ?? existing?.placed_at ?? statusChangedAt;
  const person = v.customer ?? (existing ? storedCustomer(existing) : undefined);
  const previous = existing ? { customerId: existing.customer_id, total: existing.total ?? 0 } : undefined;
  const customer = person ? await recordCustomerOrder(trx, w.tenantId, person, { total: total ?? 0, placedAt, now }, previous) : null;

  const values = {
    status,
    status_changed_at: statusChangedAt,
    placed_at: placedAt,
    customer_id: customer?.id ?? null,
    email: person?.email ?? null,
    first_name: person?.firstName ?? null,
    last_name: person?.lastName ?? null,
    customer_group: person?.group ?? null,
    locale: person?.locale ?? null,
    country: person?.country ?? null,
    customer_timezone: person?.timezone ?? null,
    currency: v.currency ?? existing?.currency ?? null,
    total,
    items: JSON.stringify(v.items ?? existing?.items ?? []),
    source: v.source,
    ...(w.raw === undefined ? {} : { raw: JSON.stringify(w.raw) }),
    updated_at: now,
  };
  const order = existing
    ? await trx.updateTable('orders').set(values).where('id', '=', existing.id).returningAll().executeTakeFirstOrThrow()
    : await trx
        .insertInto('orders')
        .values({ ...values, tenant_id: w.tenantId, store_id: w.store.id, order_ref: v.orderRef, created_at: now })
        .returningAll()
        .executeTakeFirstOrThrow();
  if (existing?.customer_id != null && existing.customer_id !== order.customer_id) {
    await uncountCustomerOrder(trx, existing.customer_id, existing.total ?? 0, now);
  }
  if (event) {
    await trx.insertInto('order_events').values({ tenant_id: w.tenantId, order_id: order.id, status: event.status, occurred_at: event.at, source: v.source }).execute();
  }
  return { order, customer };
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
