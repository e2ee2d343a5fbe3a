/**
 * The grid's order date is the order's placed_at as the database copies it onto each invitation
 * (0003_queue_grid.sql): it must follow the order through recordOrder's inserts and updates.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordOrder } from '../../src/app/record-order.ts';
import { engines } from '../helpers/test-databases.ts';
import { createTestClock } from '../helpers/test-services.ts';
import { createHttpFixture, type HttpFixture } from '../http/http-fixture.ts';

describe.each(engines)('queue grid order date on %s', (engine) => {
  let f: HttpFixture;
  const clock = createTestClock(new Date('2026-11-23T10:00:00Z'));

  beforeAll(async () => {
    f = await createHttpFixture(engine, { clock });
  });
  afterAll(async () => f?.close());

  const order = (placedAt: string) => ({
    order_ref: 'OD-1', store: 'web', status: 'completed', placed_at: placedAt, status_changed_at: '2026-11-21T09:00:00Z',
    customer: { email: 'od@example.com', first_name: 'Olga' },
  });
  const grid = async (query: string) => (await f.api({ method: 'GET', url: `/api/v1/invitations${query}` })).json().invitations as Array<{ order_ref: string; order_date: string | null }>;

  it('is set when the invitation is scheduled and follows a corrected order date', async () => {
    const first = await recordOrder(f.s.deps, f.tenantId, order('2026-11-20T09:00:00Z'));
    expect(first.invitations).toHaveLength(1);
    expect((await grid('')).map((r) => [r.order_ref, r.order_date])).toEqual([['web:OD-1', '2026-11-20T09:00:00.000Z']]);
    expect(await grid('?order_date_from=2026-11-20T00:00:00Z&order_date_to=2026-11-21T00:00:00Z')).toHaveLength(1);
    // The shop's order number finds the invitation, which carries it behind the store code.
    for (const q of ['?order_ref=OD-1', '?order_ref=web:OD-1', '?order_ref=OD-1&store=web']) expect((await grid(q)).map((r) => r.order_ref)).toEqual(['web:OD-1']);

    await recordOrder(f.s.deps, f.tenantId, order('2026-11-19T09:00:00Z'));
    expect((await grid('')).map((r) => r.order_date)).toEqual(['2026-11-19T09:00:00.000Z']);
    expect(await grid('?order_date_from=2026-11-20T00:00:00Z&order_date_to=2026-11-21T00:00:00Z')).toEqual([]);
    expect(await grid('?order_date_from=2026-11-19T00:00:00Z&order_date_to=2026-11-20T00:00:00Z')).toHaveLength(1);
  });

  it('is empty for invitations without an order, which no order-date filter matches', async () => {
    const res = await f.api({ method: 'POST', url: '/api/v1/invitations', payload: { email: 'api@example.com', name: 'Api', order_ref: 'API-1' } });
    expect(res.statusCode).toBe(200);
    expect((await grid('?order_ref=API-1')).map((r) => r.order_date)).toEqual([null]);
    expect((await grid('?order_date_from=2000-01-01T00:00:00Z')).map((r) => r.order_ref)).toEqual(['web:OD-1']);
  });
});
