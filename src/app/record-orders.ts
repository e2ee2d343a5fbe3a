/**
 * Orders in (DESIGN §3), set-based: a batch of order writes of one tenant — API requests that arrived
 * together, or a chunk of an import — applied in ONE transaction with a bounded number of statements,
 * each order exactly as if it had been written alone and in the order given: upsert by (tenant,
 * store, order_ref), append its status history, keep the customer's profile current, skip the
 * invitations of an order that ended, and let every campaign schedule its one invitation or say why
 * not. An order and the invitation it triggers commit together.
 *
 * Locks, always in this order:
 * 1. the tenant row, FOR NO KEY UPDATE, once per batch. suppressAddress (unsubscribe.ts) takes it FOR
 *    SHARE before it suppresses an address and skips its pending invitations; a conflicting lock here
 *    means an unsubscribe either commits before our suppression check (we see it) or waits until our
 *    invitations are committed (its UPDATE skips them). FOR SHARE would not conflict with FOR SHARE,
 *    and FOR UPDATE would also block every foreign-key check on the tenant. It also serializes this
 *    tenant's order writes, which is what makes the first insert of an order race-free.
 * 2. the stored order rows, FOR UPDATE, in (store, order_ref) order (write-orders.ts).
 *
 * An order that appears more than once in a batch is applied in turn: the batch is cut into runs of
 * consecutive rows in which each (store, order_ref) appears once, written one run after the other in
 * the same transaction.
 *
 * Every row gets its own outcome: the answer recordOrder gives for it, or why it was refused — its
 * field errors, or (when a value passes the checks but the database cannot hold it) the database
 * error, found by writing the batch's rows one at a time after the batch failed. Any other failure
 * (the database went away) fails the whole batch.
 */
import type { Kysely, Transaction } from 'kysely';
import type { Database, Store } from '../db/schema.ts';
import { validationError } from '../errors.ts';
import { campaignRulesOf } from './campaign-rules-of.ts';
import { checkOrderInput, type CheckedOrder, type OrderInputCheck } from './check-order-input.ts';
import { domainOrder } from './domain-order.ts';
import { findOrCreateStores, findStores } from './find-or-create-stores.ts';
import { invitationOrderRef } from './invitation-order-ref.ts';
import { lockTenantForOrders } from './lock-tenant-for-orders.ts';
import { invitationSummary, type OrderInvitationRow, type OrderInvitationSummary } from './order-invitations.ts';
import { orderView, type OrderView } from './order-view.ts';
import type { AppDeps } from './ports.ts';
import { inputStoreCode, orderInputErrors, resolveOrderDates, type OrderDates } from './resolve-order-dates.ts';
import { readScheduleFacts } from './read-schedule-facts.ts';
import { createScheduleMemo, needsNearby, scheduleOrderInvitations, type NotScheduled, type ScheduleOutcome } from './schedule-order-invitations.ts';
import { skipEndedOrderInvitations, type CampaignWithRules, type SkippedInvitation } from './skip-ended-order-invitations.ts';
import { writeOrders } from './write-orders.ts';

export type RecordOrdersOptions = {
  /** false = backfill: keep the orders and their history, schedule nothing (importing past orders). */
  schedule?: boolean;
  /** The platforms' payloads as received, kept with the orders: raw[i] belongs to inputs[i]. */
  raw?: readonly unknown[];
};

export type RecordOrderResult = {
  order: OrderView;
  /** True when this write created the order. */
  created: boolean;
  /** Every invitation of the order; `new` marks those this write created. */
  invitations: OrderInvitationSummary[];
  /** Campaigns that created no invitation in this write, and why. */
  not_scheduled: NotScheduled[];
  /** Pending invitations this write skipped because the order ended. */
  skipped: SkippedInvitation[];
};

/** `error` is an AppError (400, with fields) or the database error of a value it cannot store. */
export type RecordOrderOutcome = { ok: true; result: RecordOrderResult } | { ok: false; error: unknown };

type Valid = { i: number; v: CheckedOrder; dates: OrderDates };

export async function recordOrders(deps: AppDeps, tenantId: number, inputs: readonly unknown[], options: RecordOrdersOptions = {}): Promise<RecordOrderOutcome[]> {
  if (inputs.length === 0) return [];
  const now = deps.clock.now();
  const checks = inputs.map(checkOrderInput);
  // Nothing to write: the errors need store time zones, not locks.
  if (checks.every((c) => !c.ok)) {
    const stores = await findStores(deps.db, tenantId, storeCodes(inputs, checks));
    return inputs.map((input) => refused(input, stores, now));
  }
  try {
    let wake = false;
    const work = async (trx: Kysely<Database>) => {
      const applied = await applyBatch(deps, trx, tenantId, inputs, checks, options, now);
      wake = applied.wake;
      return applied.outcomes;
    };
    const outcomes = deps.db.isTransaction ? await work(deps.db) : await deps.db.transaction().execute((trx: Transaction<Database>) => work(trx));
    // After the commit, so the worker can see the invitations.
    if (wake) deps.wakeWorker();
    return outcomes;
  } catch (err) {
    if (!isUnstorableValue(err) || deps.db.isTransaction) throw err;
    if (inputs.length === 1) return [{ ok: false, error: err }];
    const out: RecordOrderOutcome[] = [];
    for (let i = 0; i < inputs.length; i++) {
      out.push(...(await recordOrders(deps, tenantId, [inputs[i]], { ...options, ...(options.raw ? { raw: [options.raw[i]] } : {}) })));
    }
    return out;
  }
}

/** PostgreSQL data and integrity errors (classes 22, 23): a value the checks let through but a column cannot hold. */
export function isUnstorableValue(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^2[23]/.test(code);
}

function storeCodes(inputs: readonly unknown[], checks: readonly OrderInputCheck[]): string[] {
  return [...new Set(inputs.flatMap((input, i) => {
    const c = checks[i]!;
    const code = c.ok ? c.value.storeCode : inputStoreCode(input);
    return code === undefined ? [] : [code];
  }))];
}

function refused(input: unknown, stores: Map<string, Store>, now: Date): RecordOrderOutcome {
  const code = inputStoreCode(input);
  return { ok: false, error: validationError(orderInputErrors(input, (code === undefined ? undefined : stores.get(code))?.timezone ?? null, now)) };
}

async function applyBatch(
  deps: AppDeps,
  trx: Kysely<Database>,
  tenantId: number,
  inputs: readonly unknown[],
  checks: readonly OrderInputCheck[],
  options: RecordOrdersOptions,
  now: Date,
): Promise<{ outcomes: RecordOrderOutcome[]; wake: boolean }> {
  const schedule = options.schedule !== false;
  // Dates are read in the time zone of the store row the write uses.
  const { tenant, campaigns: campaignRows, stores } = await lockTenantForOrders(trx, tenantId, storeCodes(inputs, checks));
  const outcomes: (RecordOrderOutcome | undefined)[] = new Array(inputs.length);
  const valid: Valid[] = [];
  checks.forEach((check, i) => {
    if (!check.ok) {
      outcomes[i] = refused(inputs[i], stores, now);
      return;
    }
    const dates = resolveOrderDates(check.value, stores.get(check.value.storeCode)?.timezone ?? null, now);
    if (!dates.ok) outcomes[i] = { ok: false, error: validationError(dates.fields) };
    else valid.push({ i, v: check.value, dates: dates.value });
  });
  await findOrCreateStores(trx, tenantId, valid.map((r) => r.v.storeCode), stores);
  const campaigns: CampaignWithRules[] = campaignRows.map((row) => ({ row, rules: campaignRulesOf(row) }));
  const slugs = new Map(campaignRows.map((c) => [c.id, c.slug]));
  const memo = createScheduleMemo();
  let wake = false;

  const writeRun = async (run: Valid[]) => {
    const written = await writeOrders(
      trx,
      tenantId,
      run.map((r) => ({ v: r.v, dates: r.dates, store: stores.get(r.v.storeCode)!, raw: options.raw?.[r.i] })),
      now,
    );
    const orders = written.map((w) => w.order);
    const skipped = schedule ? await skipEndedOrderInvitations(trx, tenantId, orders, campaigns, now) : orders.map(() => []);
    memo.forget(skipped.flat().map((s) => s.id));
    const refs = run.map((r) => invitationOrderRef(r.v.storeCode, r.v.orderRef));
    const domains = run.map((r, k) => domainOrder(written[k]!.order, stores.get(r.v.storeCode)!, written[k]!.customer));
    const emails = schedule ? [...new Set(domains.flatMap((d) => (d.customer.emailNorm === undefined ? [] : [d.customer.emailNorm])))] : [];
    const suppressionsOf = emails.filter((e) => !memo.suppressed.has(e));
    const nearbyOf = needsNearby(campaigns) ? emails.filter((e) => !memo.nearby.has(e)) : [];
    const facts = await readScheduleFacts(trx, tenantId, {
      orderIds: written.filter((w) => !w.created).map((w) => w.order.id),
      orderRefs: schedule ? refs : [],
      campaignIds: campaignRows.map((c) => c.id),
      suppressionsOf,
      nearbyOf,
    });
    memo.learn(facts, suppressionsOf, nearbyOf);
    const byOrder = new Map<number, OrderInvitationRow[]>();
    const byRef = new Map<string, OrderInvitationRow[]>();
    for (const f of facts.invitations) {
      if (f.order_id !== null) byOrder.set(f.order_id, [...(byOrder.get(f.order_id) ?? []), f]);
      byRef.set(f.order_ref, [...(byRef.get(f.order_ref) ?? []), f]);
    }
    const rows = run.map((r, k) => {
      const { order } = written[k]!;
      const existing = [...new Set([...(byOrder.get(order.id) ?? []), ...(byRef.get(refs[k]!) ?? [])])].sort((a, b) => a.id - b.id);
      return { order, store: stores.get(r.v.storeCode)!, domain: domains[k]!, orderRef: refs[k]!, existing };
    });
    const scheduled: ScheduleOutcome[] = schedule
      ? await scheduleOrderInvitations(deps, trx, { tenant, campaigns, rows, now, memo })
      : rows.map(() => ({ created: [], notScheduled: [] }));
    run.forEach((r, k) => {
      const { order, created } = written[k]!;
      const made = scheduled[k]!.created;
      if (made.some((m) => m.state === 'pending' && m.scheduled_at.getTime() <= now.getTime())) wake = true;
      const invitations = [
        ...rows[k]!.existing.filter((e) => e.order_id === order.id).map((e) => invitationSummary(e, slugs.get(e.campaign_id) ?? '', false)),
        ...made.map((m) => invitationSummary(m, slugs.get(m.campaign_id) ?? '', true)),
      ].sort((a, b) => a.id - b.id);
      outcomes[r.i] = {
        ok: true,
        result: { order: orderView(order, rows[k]!.store.code), created, invitations, not_scheduled: scheduled[k]!.notScheduled, skipped: skipped[k]! },
      };
    });
  };

  let run: Valid[] = [];
  let keys = new Set<string>();
  for (const r of valid) {
    const key = `${r.v.storeCode}\u0000${r.v.orderRef}`;
    if (keys.has(key)) {
      await writeRun(run);
      run = [];
      keys = new Set();
    }
    run.push(r);
    keys.add(key);
  }
  if (run.length > 0) await writeRun(run);
  return { outcomes: outcomes as RecordOrderOutcome[], wake };
}
