import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engines } from '../helpers/test-databases.ts';
import { anOrder, createOrdersFixture, type OrdersFixture } from './orders-fixture.ts';

describe.each(engines)('POST and GET /api/v1/orders on %s', (engine) => {
  let f: OrdersFixture;
  beforeAll(async () => {
    f = await createOrdersFixture(engine, { now: new Date('2026-07-10T10:00:00Z') });
  });
  afterAll(async () => f?.close());

  it('a completed order schedules the default campaign\'s invitation 7 days after the status time, in one answer', async () => {
    const shop = await f.shop([], { keepDefault: true });
    const res = await shop.order(anOrder('1001'));
    expect(res.created).toBe(true);
    expect(res.order).toMatchObject({ order_ref: '1001', store: 'main', status: 'completed', status_changed_at: '2026-07-10T08:00:00.000Z', total: 59.9 });
    expect(res.invitations).toEqual([
      { id: expect.any(Number), campaign: 'default', campaign_id: expect.any(Number), scheduled_at: '2026-07-17T08:00:00.000Z', state: 'pending', reason_code: null, new: true },
    ]);
    expect(res.not_scheduled).toEqual([]);
    expect(res.skipped).toEqual([]);

    const row = await f.s.deps.db.selectFrom('invitations').selectAll().where('id', '=', res.invitations[0]!.id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ order_ref: 'main:1001', email: 'jane@example.com', name: 'Jane Doe', first_name: 'Jane', channel: 'email', destination: 'hosted', source: 'order', order_id: res.order.id });
    const events = await f.s.deps.db.selectFrom('invitation_events').select('type').where('invitation_id', '=', row.id).execute();
    expect(events.map((e) => e.type)).toEqual(['created']);
  });

  it('the same order again changes nothing: duplicate, no second invitation, no second history row', async () => {
    const shop = await f.shop([], { keepDefault: true });
    const first = await shop.order(anOrder('2001'));
    const again = await shop.order(anOrder('2001'));
    expect(again.created).toBe(false);
    expect(again.invitations).toEqual([{ ...first.invitations[0], new: false }]);
    expect(again.not_scheduled).toEqual([{ campaign: 'default', campaign_id: first.invitations[0]!.campaign_id, reason_code: 'duplicate', detail: expect.stringContaining(String(first.invitations[0]!.id)) }]);
    const detail = await shop.get('/api/v1/orders/2001');
    expect(detail.json().history).toHaveLength(1);
  });

  it('completed → processing → completed makes ONE invitation; its history has three rows', async () => {
    const shop = await f.shop([], { keepDefault: true });
    const a = await shop.order(anOrder('3001'));
    const b = await shop.order(anOrder('3001', { status: 'processing', status_changed_at: '2026-07-10T09:00:00Z' }));
    const c = await shop.order(anOrder('3001', { status: 'completed', status_changed_at: '2026-07-10T09:30:00Z' }));
    expect(b.invitations).toEqual([{ ...a.invitations[0], new: false }]);
    expect(b.skipped).toEqual([]);
    expect(c.invitations).toEqual([{ ...a.invitations[0], new: false }]);
    expect(c.not_scheduled.map((n) => n.reason_code)).toEqual(['duplicate']);

    const detail = await shop.get('/api/v1/orders/3001');
    expect(detail.statusCode).toBe(200);
    const body = detail.json();
    expect(body.history.map((h: { status: string }) => h.status)).toEqual(['completed', 'processing', 'completed']);
    expect(body.invitations).toHaveLength(1);
    expect(body.invitations[0]).toMatchObject({ id: a.invitations[0]!.id, state: 'pending', order_ref: 'main:3001', review_url: expect.stringMatching(/^https:\/\/reviews\.example\.test\/r\//) });
    expect(body.invitations[0]).not.toHaveProperty('token_hash');
  });

  it('completed → refunded skips the pending invitation with order_refunded, in the answer and the timeline', async () => {
    const shop = await f.shop([], { keepDefault: true });
    const a = await shop.order(anOrder('4001'));
    const b = await shop.order(anOrder('4001', { status: 'refunded', status_changed_at: '2026-07-10T09:00:00Z' }));
    expect(b.skipped).toEqual([{ id: a.invitations[0]!.id, campaign: 'default', campaign_id: a.invitations[0]!.campaign_id, reason_code: 'order_refunded' }]);
    expect(b.invitations).toEqual([{ ...a.invitations[0], state: 'skipped', reason_code: 'order_refunded', new: false }]);
    const events = await f.s.deps.db.selectFrom('invitation_events').select(['type', 'data']).where('invitation_id', '=', a.invitations[0]!.id).orderBy('id').execute();
    expect(events).toEqual([
      { type: 'created', data: expect.any(Object) },
      { type: 'skipped', data: { reason_code: 'order_refunded', order_status: 'refunded' } },
    ]);
    // Completed again later: the campaign's one invitation for this order exists (skipped); no new one.
    const c = await shop.order(anOrder('4001', { status: 'completed', status_changed_at: '2026-07-10T09:30:00Z' }));
    expect(c.invitations).toHaveLength(1);
    expect(c.not_scheduled.map((n) => n.reason_code)).toEqual(['duplicate']);
  });

  it('statuses compare case-insensitively and unknown ones are kept as sent', async () => {
    const shop = await f.shop([], { keepDefault: true });
    const a = await shop.order(anOrder('5001', { status: 'Awaiting-Pickup ✈' }));
    expect(a.order.status).toBe('Awaiting-Pickup ✈');
    expect(a.not_scheduled).toEqual([{ campaign: 'default', campaign_id: expect.any(Number), reason_code: 'not_trigger_status', detail: expect.any(String) }]);
    const b = await shop.order(anOrder('5001', { status: 'Completed', status_changed_at: '2026-07-10T09:00:00Z' }));
    expect(b.invitations).toHaveLength(1);
    // "completed" after "Completed" is the same status: no history row, the time it was reached stays.
    const c = await shop.order(anOrder('5001', { status: 'completed', status_changed_at: '2026-07-10T09:45:00Z' }));
    expect(c.order).toMatchObject({ status: 'Completed', status_changed_at: '2026-07-10T09:00:00.000Z' });
    expect((await shop.get('/api/v1/orders/5001')).json().history).toHaveLength(2);
  });

  it('a stale status (older than the current one) joins the history but does not become the status', async () => {
    const shop = await f.shop([], { keepDefault: true });
    await shop.order(anOrder('6001', { status: 'completed', status_changed_at: '2026-07-10T09:00:00Z' }));
    const late = await shop.order(anOrder('6001', { status: 'processing', status_changed_at: '2026-07-09T09:00:00Z' }));
    expect(late.order).toMatchObject({ status: 'completed', status_changed_at: '2026-07-10T09:00:00.000Z' });
    await shop.order(anOrder('6001', { status: 'processing', status_changed_at: '2026-07-09T09:00:00Z' }));
    const history = (await shop.get('/api/v1/orders/6001')).json().history;
    expect(history).toEqual([
      { status: 'processing', occurred_at: '2026-07-09T09:00:00.000Z', source: 'api' },
      { status: 'completed', occurred_at: '2026-07-10T09:00:00.000Z', source: 'api' },
    ]);
  });

  it('an unknown store code creates a custom store; the same order_ref in two stores is two orders with two invitations', async () => {
    const shop = await f.shop([], { keepDefault: true });
    const de = await shop.order(anOrder('7001', { store: 'de' }));
    const at = await shop.order(anOrder('7001', { store: 'at' }));
    expect(at.created).toBe(true);
    expect(at.order.id).not.toBe(de.order.id);
    expect(at.invitations[0]!.id).not.toBe(de.invitations[0]!.id);
    const stores = (await shop.get('/api/v1/stores')).json().stores;
    expect(stores).toEqual([
      expect.objectContaining({ code: 'de', platform: 'custom', timezone: null, webhook_url: null, webhook_secret_set: false }),
      expect.objectContaining({ code: 'at', platform: 'custom' }),
    ]);

    const ambiguous = await shop.get('/api/v1/orders/7001');
    expect(ambiguous.statusCode).toBe(409);
    expect(ambiguous.json().error).toMatchObject({ code: 'conflict', message: expect.stringContaining('at, de'), fields: [{ field: 'store', message: 'one of: at, de' }] });
    const one = await shop.get('/api/v1/orders/7001?store=at');
    expect(one.statusCode).toBe(200);
    expect(one.json().order).toMatchObject({ id: at.order.id, store: 'at' });
    expect(one.json().invitations.map((i: { order_ref: string }) => i.order_ref)).toEqual(['at:7001']);
  });

  it('GET of an unknown order, or another tenant\'s, is 404; another tenant\'s same order_ref is its own order', async () => {
    const a = await f.shop([], { keepDefault: true });
    const b = await f.shop([], { keepDefault: true });
    const mine = await a.order(anOrder('8001'));
    expect((await b.get('/api/v1/orders/8001')).statusCode).toBe(404);
    expect((await a.get('/api/v1/orders/nope')).statusCode).toBe(404);
    // The same answer as for an order that does not exist anywhere.
    expect((await b.get('/api/v1/orders/8001')).json()).toEqual({ ok: false, error: { code: 'not_found', message: 'Order not found' } });
    const theirs = await b.order(anOrder('8001'));
    expect(theirs.created).toBe(true);
    expect(theirs.order.id).not.toBe(mine.order.id);
    expect((await a.get('/api/v1/orders/8001')).json().order.id).toBe(mine.order.id);
  });

  it('keeps the customer profile current: each order counted once, totals corrected, moves between addresses', async () => {
    const shop = await f.shop([], { keepDefault: true });
    const profile = async (email: string) =>
      f.s.deps.db.selectFrom('customers').selectAll().where('tenant_id', '=', shop.tenantId).where('email_norm', '=', email).executeTakeFirst();
    await shop.order(anOrder('P-1', { total: 50, placed_at: '2026-07-01T10:00:00Z', customer: { email: 'Max@Example.com', first_name: 'Max', group: 'vip' } }));
    await shop.order(anOrder('P-2', { total: 30, placed_at: '2026-07-05T10:00:00Z', customer: { email: 'max@example.com', country: 'de' } }));
    await shop.order(anOrder('P-2', { total: 30, placed_at: '2026-07-05T10:00:00Z', customer: { email: 'max@example.com', country: 'de' } }));
    expect(await profile('max@example.com')).toMatchObject({
      orders_count: 2,
      total_spent: 80,
      first_order_at: new Date('2026-07-01T10:00:00Z'),
      last_order_at: new Date('2026-07-05T10:00:00Z'),
      first_name: 'Max',
      customer_group: 'vip',
      country: 'DE',
    });
    // A corrected total corrects the sum; a status update without customer or total keeps both.
    await shop.order(anOrder('P-1', { total: 45, placed_at: '2026-07-01T10:00:00Z', customer: { email: 'max@example.com' } }));
    await shop.order({ order_ref: 'P-1', store: 'main', status: 'shipped' });
    expect(await profile('max@example.com')).toMatchObject({ orders_count: 2, total_spent: 75 });
    // The order's address changes: it moves to the other customer.
    await shop.order(anOrder('P-1', { total: 45, placed_at: '2026-07-01T10:00:00Z', customer: { email: 'maxine@example.com' } }));
    expect(await profile('max@example.com')).toMatchObject({ orders_count: 1, total_spent: 30, first_order_at: new Date('2026-07-05T10:00:00Z') });
    expect(await profile('maxine@example.com')).toMatchObject({ orders_count: 1, total_spent: 45 });
    const order = (await shop.get('/api/v1/orders/P-1')).json().order;
    expect(order).toMatchObject({ status: 'shipped', total: 45, customer: { email: 'maxine@example.com' } });
  });

  it('a local date-time is read in the store\'s time zone when the store has one', async () => {
    const shop = await f.shop([], { keepDefault: true });
    const created = await shop.post('/api/v1/stores', { code: 'berlin', name: 'Berlin', timezone: 'Europe/Berlin' });
    expect(created.statusCode).toBe(201);
    const res = await shop.order(anOrder('L-1', { store: 'berlin', status_changed_at: '2026-07-10 09:00:00', placed_at: '2026-07-08' }));
    expect(res.order).toMatchObject({ status_changed_at: '2026-07-10T07:00:00.000Z', placed_at: '2026-07-07T22:00:00.000Z' });
  });

  it('wakes the worker when an invitation is due now', async () => {
    const shop = await f.shop([{ name: 'At once', delay_days: 0 }]);
    let woken = 0;
    const onWake = () => woken++;
    f.s.wake.on('wake', onWake);
    try {
      await shop.order(anOrder('W-1', { status_changed_at: '2026-07-10T09:59:00Z' }));
      expect(woken).toBe(1);
      await shop.order(anOrder('W-1', { status_changed_at: '2026-07-10T09:59:00Z' }));
      expect(woken).toBe(1);
    } finally {
      f.s.wake.off('wake', onWake);
    }
  });

  it('backfill mode keeps the order and its history but schedules nothing', async () => {
    const { recordOrder } = await import('../../src/app/record-order.ts');
    const shop = await f.shop([], { keepDefault: true });
    const res = await recordOrder(f.s.deps, shop.tenantId, { ...anOrder('B-1'), source: 'csv' }, { schedule: false });
    expect(res).toMatchObject({ created: true, invitations: [], not_scheduled: [], skipped: [], order: { source: 'csv' } });
    expect((await shop.get('/api/v1/orders/B-1')).json().history).toEqual([{ status: 'completed', occurred_at: '2026-07-10T08:00:00.000Z', source: 'csv' }]);
  });
});
