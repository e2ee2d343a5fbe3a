/**
 * The set-based write path (recordOrders) and group commit (createOrderIntake): a batch gives every
 * row the answer it would get written alone, in the order given — an order repeated in a batch, a
 * frequency cap between the batch's own orders, an invitation a cancel in the batch withdraws — and a
 * refused row fails only itself. Concurrent writes of two tenants share transactions per tenant.
 */
import { Kysely, PostgresDialect } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrderIntake } from '../../src/app/create-order-intake.ts';
import { recordOrder } from '../../src/app/record-order.ts';
import { recordOrders, type RecordOrderOutcome } from '../../src/app/record-orders.ts';
import type { Database } from '../../src/db/schema.ts';
import { AppError } from '../../src/errors.ts';
import { engines } from '../helpers/test-databases.ts';
import { anOrder, createOrdersFixture, type OrdersFixture } from './orders-fixture.ts';

const ok = (o: RecordOrderOutcome | undefined) => {
  if (!o?.ok) throw new Error(`expected a result, got ${JSON.stringify(o)}`);
  return o.result;
};

describe.each(engines)('recordOrders on %s', (engine) => {
  let f: OrdersFixture;
  beforeAll(async () => {
    f = await createOrdersFixture(engine, { now: new Date('2026-07-10T10:00:00Z'), poolSize: 4 });
  });
  afterAll(async () => f?.close());

  it('an order repeated in one batch is applied in turn: created, then its invitation, then a duplicate', async () => {
    const shop = await f.shop([], { keepDefault: true });
    const out = await recordOrders(f.s.deps, shop.tenantId, [
      anOrder('R-1', { status: 'processing', status_changed_at: '2026-07-10T08:00:00Z' }),
      anOrder('R-1', { status: 'completed', status_changed_at: '2026-07-10T09:00:00Z' }),
      anOrder('R-2'),
      anOrder('R-1', { status: 'completed', status_changed_at: '2026-07-10T09:00:00Z' }),
    ]);
    const [a, b, c, d] = out.map(ok);
    expect(a).toMatchObject({ created: true, invitations: [], not_scheduled: [{ reason_code: 'not_trigger_status' }] });
    expect(b).toMatchObject({ created: false, order: { id: a!.order.id, status: 'completed' }, invitations: [{ new: true, state: 'pending', scheduled_at: '2026-07-17T09:00:00.000Z' }] });
    expect(c).toMatchObject({ created: true, invitations: [{ new: true }] });
    expect(d).toMatchObject({ created: false, invitations: [{ ...b!.invitations[0], new: false }], not_scheduled: [{ reason_code: 'duplicate' }] });
    expect((await shop.get('/api/v1/orders/R-1')).json().history.map((h: { status: string }) => h.status)).toEqual(['processing', 'completed']);
    const customer = await f.s.deps.db.selectFrom('customers').selectAll().where('tenant_id', '=', shop.tenantId).executeTakeFirstOrThrow();
    expect(customer).toMatchObject({ orders_count: 2, total_spent: 119.8 });
  });

  it('mixed rows: a refused row fails only itself, with its fields or the database error, and creates no store', async () => {
    const shop = await f.shop([], { keepDefault: true });
    const out = await recordOrders(f.s.deps, shop.tenantId, [
      anOrder('M-1'),
      anOrder('M-2', { total: -1 }),
      anOrder('M-3', { store: 'ghost', status_changed_at: '2026-07-10 09:00:00' }),
      // Passes the checks, but PostgreSQL cannot hold an unpaired surrogate: found by writing the rows one by one.
      anOrder('M-4', { customer: { email: 'm4@example.com', first_name: 'Bro\uD800ken' } }),
      anOrder('M-5', { customer: { email: 'm5@example.com' } }),
    ]);
    expect(out.map((o) => o.ok)).toEqual([true, false, false, false, true]);
    const error = (i: number) => (out[i] as { error: unknown }).error;
    expect(error(1)).toBeInstanceOf(AppError);
    expect((error(1) as AppError).fields).toEqual([{ field: 'total', message: 'must not be negative' }]);
    expect((error(2) as AppError).fields).toEqual([{ field: 'status_changed_at', message: expect.stringContaining('store "ghost" defines no time zone') }]);
    expect((error(3) as { code?: string }).code).toMatch(/^22/);
    expect(ok(out[4]).invitations).toHaveLength(1);
    const refs = await f.s.deps.db.selectFrom('orders').select('order_ref').where('tenant_id', '=', shop.tenantId).orderBy('order_ref').execute();
    expect(refs.map((r) => r.order_ref)).toEqual(['M-1', 'M-5']);
    const stores = await f.s.deps.db.selectFrom('stores').select('code').where('tenant_id', '=', shop.tenantId).execute();
    expect(stores.map((s) => s.code)).toEqual(['main']);
    // recordOrder throws what recordOrders reports.
    await expect(recordOrder(f.s.deps, shop.tenantId, anOrder('M-2', { total: -1 }))).rejects.toMatchObject({ code: 'validation_failed' });
  });

  it('the frequency cap sees the invitations made earlier in the same batch, and forgets one a cancel in the batch withdraws', async () => {
    const shop = await f.shop([{ name: 'Capped', slug: 'capped', delay_days: 7, frequency_cap_days: 30 }]);
    const max = { email: 'max@example.com', first_name: 'Max' };
    const first = await recordOrders(f.s.deps, shop.tenantId, [anOrder('F-1'), anOrder('F-2'), anOrder('F-3', { customer: max })]);
    expect(first.map((o) => ok(o).invitations.length)).toEqual([1, 0, 1]);
    expect(ok(first[1]).not_scheduled).toEqual([
      { campaign: 'default', campaign_id: expect.any(Number), reason_code: 'campaign_disabled' },
      { campaign: 'capped', campaign_id: shop.campaigns.capped, reason_code: 'frequency_cap', detail: expect.stringContaining('30 days') },
    ]);
    // Max's order F-3 is refunded and his next order comes in the same batch: the withdrawn invitation no longer caps it.
    const second = await recordOrders(f.s.deps, shop.tenantId, [
      anOrder('F-3', { customer: max, status: 'refunded', status_changed_at: '2026-07-10T09:00:00Z' }),
      anOrder('F-4', { customer: max }),
    ]);
    expect(ok(second[0]).skipped).toEqual([{ id: ok(first[2]).invitations[0]!.id, campaign: 'capped', campaign_id: shop.campaigns.capped, reason_code: 'order_refunded' }]);
    expect(ok(second[1]).invitations).toMatchObject([{ campaign: 'capped', new: true }]);
  });

  it('a batch answers exactly what the same orders written one by one answer', async () => {
    const campaigns = [
      { name: 'Capped', slug: 'capped', delay_days: 3, frequency_cap_days: 5 },
      { name: 'Repeat', slug: 'repeat', criteria: { custom_rule: { '>=': [{ var: 'customer.ordersCount' }, 2] } } },
    ];
    const rows = [
      anOrder('S-1', { status: 'processing' }),
      anOrder('S-2', { customer: { email: 'ann@example.com', first_name: 'Ann', timezone: 'Europe/Berlin' }, total: 10 }),
      anOrder('S-1', { status: 'completed', status_changed_at: '2026-07-10T09:00:00Z' }),
      anOrder('S-3', { customer: { email: 'ann@example.com', group: 'vip' }, total: 5.55 }),
      anOrder('S-2', { customer: { email: 'bob@example.com', first_name: 'Bob' }, total: 12 }),
      anOrder('S-4', { status: 'cancelled' }),
      anOrder('S-1', { status: 'refunded', status_changed_at: '2026-07-10T09:30:00Z' }),
      anOrder('S-5', { customer: { email: 'bob@example.com' } }),
      anOrder('S-3', { status: 'shipped', status_changed_at: '2026-07-09T09:00:00Z' }),
      { order_ref: 'S-5', store: 'main', status: 'delivered' },
    ];
    const batch = await f.shop(campaigns);
    const alone = await f.shop(campaigns);
    const together = (await recordOrders(f.s.deps, batch.tenantId, rows)).map(ok);
    const oneByOne = [];
    for (const row of rows) oneByOne.push(await recordOrder(f.s.deps, alone.tenantId, row));

    // Ids differ between the two tenants: compare them by order of appearance, orders and invitations apart.
    const normalize = (results: unknown[], shopCampaigns: Record<string, number>) => {
      const ids = { order: new Map<number, number>(), invitation: new Map<number, number>() };
      const slugOf = new Map(Object.entries(shopCampaigns).map(([slug, id]) => [id, slug]));
      const walk = (value: unknown, kind: 'order' | 'invitation'): unknown => {
        if (Array.isArray(value)) return value.map((v) => walk(v, kind));
        if (typeof value !== 'object' || value === null) return value;
        return Object.fromEntries(Object.entries(value).map(([key, v]) => {
          if (key === 'id' && typeof v === 'number') {
            const seen = ids[kind];
            if (!seen.has(v)) seen.set(v, seen.size);
            return [key, `${kind} #${seen.get(v)}`];
          }
          if (key === 'campaign_id') return [key, slugOf.get(v as number) ?? 'default'];
          if (key === 'detail' && typeof v === 'string') return [key, v.replace(/invitation \d+/, 'invitation #')];
          return [key, walk(v, key === 'order' ? 'order' : 'invitation')];
        }));
      };
      return results.map((r) => walk(r, 'invitation'));
    };
    expect(normalize(together, batch.campaigns)).toEqual(normalize(oneByOne, alone.campaigns));
    const state = async (tenantId: number) => ({
      customers: await f.s.deps.db.selectFrom('customers').select(['email_norm', 'first_name', 'customer_group', 'timezone', 'orders_count', 'total_spent', 'first_order_at', 'last_order_at'])
        .where('tenant_id', '=', tenantId).orderBy('email_norm').execute(),
      history: (await f.s.deps.db.selectFrom('order_events as e').innerJoin('orders as o', 'o.id', 'e.order_id').select(['o.order_ref', 'e.status', 'e.occurred_at'])
        .where('e.tenant_id', '=', tenantId).orderBy('o.order_ref').orderBy('e.occurred_at').execute()),
      invitations: await f.s.deps.db.selectFrom('invitations').select(['order_ref', 'state', 'reason_code', 'scheduled_at', 'name']).where('tenant_id', '=', tenantId).orderBy('order_ref').orderBy('scheduled_at').execute(),
    });
    expect(await state(batch.tenantId)).toEqual(await state(alone.tenantId));
  });
});

describe.each(engines)('group commit of order writes on %s', (engine) => {
  let f: OrdersFixture;
  beforeAll(async () => {
    f = await createOrdersFixture(engine, { now: new Date('2026-07-10T10:00:00Z'), poolSize: 4 });
  });
  afterAll(async () => f?.close());

  it('concurrent writes of two tenants share transactions per tenant; each caller gets its own answer', async () => {
    const a = await f.shop([], { keepDefault: true });
    const b = await f.shop([], { keepDefault: true });
    let begins = 0;
    const counted = new Kysely<Database>({
      dialect: new PostgresDialect({ pool: f.s.testDb.pool }),
      log: (event) => {
        if (/^begin/i.test(event.query.sql)) begins++;
      },
    });
    const intake = createOrderIntake({ ...f.s.deps, db: counted });
    const writes = Array.from({ length: 60 }, (_, i) => {
      const shop = i % 2 === 0 ? a : b;
      // One bad row among them: a local time in a store without a time zone.
      const body = i === 31 ? anOrder(`G-${i}`, { status_changed_at: '2026-07-10 09:00:00' }) : anOrder(`G-${i}`, { customer: { email: `g${i}@example.com` } });
      return intake(shop.tenantId, body).then((outcome) => ({ i, shop, outcome }));
    });
    const answers = await Promise.all(writes);
    for (const { i, shop, outcome } of answers) {
      if (i === 31) {
        expect(outcome.ok).toBe(false);
        continue;
      }
      const result = ok(outcome);
      expect(result.order.order_ref).toBe(`G-${i}`);
      expect(result.order.customer.email).toBe(`g${i}@example.com`);
      expect(result.invitations).toMatchObject([{ new: true, campaign: 'default' }]);
      const owner = await f.s.deps.db.selectFrom('orders').select('tenant_id').where('id', '=', result.order.id).executeTakeFirstOrThrow();
      expect(owner.tenant_id).toBe(shop.tenantId);
    }
    // 60 writes, far fewer transactions: they were grouped.
    expect(begins).toBeGreaterThanOrEqual(2);
    expect(begins).toBeLessThan(20);
  });

  it('a batch that fails as a whole fails every caller in it, with its error', async () => {
    const intake = createOrderIntake(f.s.deps);
    const answers = await Promise.allSettled(Array.from({ length: 5 }, (_, i) => intake(999_999, anOrder(`N-${i}`))));
    expect(answers.map((a) => a.status)).toEqual(Array(5).fill('rejected'));
    expect(answers.map((a) => (a as PromiseRejectedResult).reason.code)).toEqual(Array(5).fill('not_found'));
  });

  it('POST /api/v1/orders of two tenants at once: every request answered, a bad one with its own 400', async () => {
    const a = await f.shop([], { keepDefault: true });
    const b = await f.shop([], { keepDefault: true });
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? a : b).post('/api/v1/orders', i === 7 ? anOrder(`H-${i}`, { placed_at: '2026-07-08' }) : anOrder(`H-${i}`))),
    );
    expect(answers.map((r) => r.statusCode)).toEqual(Array.from({ length: 40 }, (_, i) => (i === 7 ? 400 : 200)));
    expect(answers[7]!.json().error.fields).toEqual([{ field: 'placed_at', message: expect.stringContaining('time zone') }]);
    expect(answers.filter((_r, i) => i !== 7).every((r) => r.json().order.order_ref.startsWith('H-'))).toBe(true);
    const count = async (tenantId: number) =>
      Number((await f.s.deps.db.selectFrom('invitations').select((eb) => eb.fn.countAll<number>().as('n')).where('tenant_id', '=', tenantId).executeTakeFirstOrThrow()).n);
    expect([await count(a.tenantId), await count(b.tenantId)]).toEqual([20, 19]);
  });
});
