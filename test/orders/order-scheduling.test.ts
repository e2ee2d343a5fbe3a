/**
 * When invitations are scheduled: delay from the trigger status time, send windows read on the
 * customer's / store's / tenant's clock across DST changes (exact instants), and who is not invited:
 * the frequency cap across campaigns and suppressed addresses.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInvitation } from '../../src/app/create-invitation.ts';
import { suppressAddress } from '../../src/app/unsubscribe.ts';
import { engines } from '../helpers/test-databases.ts';
import { anOrder, createOrdersFixture, type OrdersFixture } from './orders-fixture.ts';

const weekdays9to12 = { days: [1, 2, 3, 4, 5], from: '09:00', to: '12:00' };

describe.each(engines)('scheduling order invitations on %s', (engine) => {
  let f: OrdersFixture;
  beforeAll(async () => {
    f = await createOrdersFixture(engine);
  });
  afterAll(async () => f?.close());

  const berlin = (patch: Record<string, unknown> = {}) => ({ email: 'jane@example.com', first_name: 'Jane', timezone: 'Europe/Berlin', ...patch });

  it('delay counts calendar days on the customer\'s clock across the autumn DST change (169 hours)', async () => {
    f.clock.set(new Date('2026-10-24T08:00:00Z'));
    const shop = await f.shop([{ name: 'Week', slug: 'week', delay_days: 7 }]);
    const res = await shop.order(anOrder('DST-1', { status_changed_at: '2026-10-24T10:00:00+02:00', placed_at: '2026-10-22T10:00:00Z', customer: berlin() }));
    // Saturday 10:00 CEST + 7 days = Saturday 10:00 CET.
    expect(res.invitations[0]!.scheduled_at).toBe('2026-10-31T09:00:00.000Z');
  });

  it('delay across the spring DST change (167 hours)', async () => {
    f.clock.set(new Date('2026-03-25T09:00:00Z'));
    const shop = await f.shop([{ name: 'Week', slug: 'week', delay_days: 7 }]);
    const res = await shop.order(anOrder('DST-2', { status_changed_at: '2026-03-25T10:30:00+01:00', placed_at: '2026-03-20T10:00:00Z', customer: berlin() }));
    expect(res.invitations[0]!.scheduled_at).toBe('2026-04-01T08:30:00.000Z');
  });

  it('delay then send window: pushed to the next window opening, in the new offset after the change', async () => {
    f.clock.set(new Date('2026-10-20T14:00:00Z'));
    const shop = await f.shop([{ name: 'Office hours', slug: 'office', delay_days: 7, send_window: weekdays9to12 }]);
    const res = await shop.order(anOrder('DST-3', { status_changed_at: '2026-10-20T16:00:00+02:00', placed_at: '2026-10-19T10:00:00Z', customer: berlin() }));
    // Tuesday 16:00 + 7 days is after the window: Wednesday 09:00 CET.
    expect(res.invitations[0]!.scheduled_at).toBe('2026-10-28T08:00:00.000Z');
  });

  it('the send window falls back from the customer\'s zone to the store\'s to the tenant\'s, unless it pins its own', async () => {
    f.clock.set(new Date('2026-07-06T00:00:00Z')); // a Monday
    const body = { order_ref: 'TZ-1', status: 'completed', status_changed_at: '2026-07-06T00:30:00Z', customer: { email: 'jane@example.com' } };
    const shop = await f.shop([{ name: 'Morning', slug: 'morning', delay_days: 0, send_window: { days: [1, 2, 3, 4, 5], from: '09:00', to: '10:00' } }], { timezone: 'Asia/Tokyo' });
    expect((await shop.order(body)).invitations[0]!.scheduled_at).toBe('2026-07-06T00:30:00.000Z'); // 09:30 in Tokyo: inside
    expect((await shop.post('/api/v1/stores', { code: 'ny', name: 'New York', timezone: 'America/New_York' })).statusCode).toBe(201);
    expect((await shop.order({ ...body, store: 'ny' })).invitations[0]!.scheduled_at).toBe('2026-07-06T13:00:00.000Z');
    const customerZone = { ...body, order_ref: 'TZ-2', store: 'ny', customer: { email: 'max@example.com', timezone: 'Europe/London' } };
    expect((await shop.order(customerZone)).invitations[0]!.scheduled_at).toBe('2026-07-06T08:00:00.000Z');
    const pinned = await f.shop([{ name: 'Pinned', slug: 'pinned', delay_days: 0, send_window: { days: [1], from: '09:00', to: '10:00', timezone: 'Europe/Berlin' } }]);
    expect((await pinned.order(customerZone)).invitations[0]!.scheduled_at).toBe('2026-07-06T07:00:00.000Z');
  });

  it('an order reported late is scheduled from now (the next window opening), never in the past', async () => {
    f.clock.set(new Date('2026-07-10T10:00:00Z'));
    const shop = await f.shop([{ name: 'Week', slug: 'week', delay_days: 7 }]);
    const res = await shop.order(anOrder('LATE-1', { status_changed_at: '2026-06-01T10:00:00Z', placed_at: '2026-05-30T10:00:00Z' }));
    expect(res.invitations[0]!.scheduled_at).toBe('2026-07-10T10:00:00.000Z');
  });

  it('the frequency cap holds across campaigns, within one order and across orders', async () => {
    f.clock.set(new Date('2026-07-10T10:00:00Z'));
    const shop = await f.shop([
      { name: 'A', slug: 'a', delay_days: 7, frequency_cap_days: 30 },
      { name: 'B', slug: 'b', delay_days: 14, frequency_cap_days: 30 },
    ]);
    const first = await shop.order(anOrder('F-1', { status_changed_at: '2026-07-10T09:00:00Z' }));
    expect(first.invitations.map((i) => [i.campaign, i.scheduled_at])).toEqual([['a', '2026-07-17T09:00:00.000Z']]);
    expect(first.not_scheduled).toEqual([{ campaign: 'b', campaign_id: shop.campaigns.b, reason_code: 'frequency_cap', detail: expect.stringContaining('30 days') }]);
    f.clock.set(new Date('2026-07-20T10:00:00Z'));
    const second = await shop.order(anOrder('F-2', { status_changed_at: '2026-07-20T09:00:00Z' }));
    expect(second.invitations).toEqual([]);
    expect(second.not_scheduled.map((n) => n.reason_code)).toEqual(['frequency_cap', 'frequency_cap']);
    // Another customer is not capped by Jane's invitations.
    const other = await shop.order(anOrder('F-3', { status_changed_at: '2026-07-20T09:00:00Z', customer: { email: 'max@example.com' } }));
    expect(other.invitations.map((i) => i.campaign)).toEqual(['a']);
    // Exactly the cap apart is allowed: 30 days after Jane's first invitation.
    f.clock.set(new Date('2026-08-09T09:00:00Z'));
    const later = await shop.order(anOrder('F-4', { status_changed_at: '2026-08-09T09:00:00Z' }));
    expect(later.invitations.map((i) => [i.campaign, i.scheduled_at])).toEqual([['a', '2026-08-16T09:00:00.000Z']]);
  });

  it('invitations from the amino-compatible API count for the cap too', async () => {
    f.clock.set(new Date('2026-07-10T10:00:00Z'));
    const shop = await f.shop([{ name: 'Capped', slug: 'capped', delay_days: 7, frequency_cap_days: 10 }], { keepDefault: true });
    await createInvitation(f.s.deps, shop.tenantId, { email: 'jane@example.com', name: 'Jane', order_ref: 'manual-1' });
    const res = await shop.order(anOrder('F-5'));
    // The default campaign has no cap; the capped one sees the API invitation sent today.
    expect(res.invitations.map((i) => i.campaign)).toEqual(['default']);
    expect(res.not_scheduled.map((n) => [n.campaign, n.reason_code])).toEqual([['capped', 'frequency_cap']]);
  });

  it('a suppressed address is not invited; a skipped or failed invitation does not cap', async () => {
    f.clock.set(new Date('2026-07-10T10:00:00Z'));
    const shop = await f.shop([{ name: 'Capped', slug: 'capped', delay_days: 7, frequency_cap_days: 30 }]);
    await suppressAddress(f.s.deps, shop.tenantId, 'jane@example.com', 'unsubscribed', 'test');
    const res = await shop.order(anOrder('S-1', { customer: { email: 'JANE@example.com' } }));
    expect(res.invitations).toEqual([]);
    expect(res.not_scheduled).toEqual([{ campaign: 'capped', campaign_id: shop.campaigns.capped, reason_code: 'suppressed' }]);

    const max = await shop.order(anOrder('S-2', { customer: { email: 'max@example.com' } }));
    await suppressAddress(f.s.deps, shop.tenantId, 'max@example.com', 'unsubscribed', 'test');
    const detail = (await shop.get('/api/v1/orders/S-2')).json();
    expect(detail.invitations[0]).toMatchObject({ id: max.invitations[0]!.id, state: 'skipped', reason_code: 'suppressed' });
    await f.s.deps.db.deleteFrom('suppressions').where('tenant_id', '=', shop.tenantId).where('email_norm', '=', 'max@example.com').execute();
    const again = await shop.order(anOrder('S-3', { customer: { email: 'max@example.com' } }));
    expect(again.invitations.map((i) => i.campaign)).toEqual(['capped']);
  });
});
