/**
 * Every eligibility criterion reaches the API: a campaign with one criterion, an order it refuses
 * (the reason code in not_scheduled) and an order it accepts (an invitation).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engines } from '../helpers/test-databases.ts';
import { anOrder, createOrdersFixture, type OrdersFixture } from './orders-fixture.ts';

type Case = { name: string; campaign: Record<string, unknown>; refused: Record<string, unknown>; accepted: Record<string, unknown>; reason: string };

const item = (sku: string, name: string) => [{ sku, name, quantity: 1, price: 10 }];

const cases: Case[] = [
  { name: 'trigger statuses (any of several)', campaign: { trigger_statuses: ['shipped', 'delivered'] }, refused: { status: 'processing' }, accepted: { status: 'Delivered' }, reason: 'not_trigger_status' },
  { name: 'included stores', campaign: { criteria: { stores: ['de'] } }, refused: { store: 'at' }, accepted: { store: 'de' }, reason: 'store_excluded' },
  { name: 'excluded stores', campaign: { criteria: { excluded_stores: ['outlet'] } }, refused: { store: 'outlet' }, accepted: { store: 'de' }, reason: 'store_excluded' },
  {
    name: 'included customer groups (case-insensitive)',
    campaign: { criteria: { customer_groups: ['Retail'] } },
    refused: { customer: { email: 'jane@example.com', group: 'wholesale' } },
    accepted: { customer: { email: 'jane@example.com', group: 'RETAIL' } },
    reason: 'customer_group_excluded',
  },
  {
    name: 'excluded customer groups',
    campaign: { criteria: { excluded_customer_groups: ['staff'] } },
    refused: { customer: { email: 'jane@example.com', group: 'Staff' } },
    accepted: { customer: { email: 'jane@example.com' } },
    reason: 'customer_group_excluded',
  },
  { name: 'maximum order age', campaign: { criteria: { max_order_age_days: 30 } }, refused: { placed_at: '2026-06-01T09:00:00Z' }, accepted: { placed_at: '2026-06-11T09:00:00Z' }, reason: 'order_too_old' },
  { name: 'exclude zero-total orders', campaign: { criteria: { exclude_zero_total: true } }, refused: { total: 0 }, accepted: { total: 0.01 }, reason: 'zero_total' },
  { name: 'minimum total', campaign: { criteria: { min_total: 25 } }, refused: { total: 24.99 }, accepted: { total: 25 }, reason: 'below_min_total' },
  { name: 'an order without a total counts as 0', campaign: { criteria: { min_total: 1 } }, refused: { total: null }, accepted: { total: 1 }, reason: 'below_min_total' },
  { name: 'excluded SKUs', campaign: { criteria: { excluded_skus: ['gift-card'] } }, refused: { items: item('GIFT-CARD', 'Voucher') }, accepted: { items: item('TEE-1', 'Shirt') }, reason: 'excluded_sku' },
  {
    name: 'excluded product names',
    campaign: { criteria: { excluded_product_names: ['gift card'] } },
    refused: { items: item('V-50', 'Gift Card 50 EUR') },
    accepted: { items: item('V-50', 'Voucher') },
    reason: 'excluded_sku',
  },
  {
    name: 'a custom JSON Logic rule',
    campaign: { criteria: { custom_rule: { and: [{ '==': [{ var: 'order.currency' }, 'EUR'] }, { in: [{ var: 'customer.country' }, ['DE', 'AT']] }] } } },
    refused: { customer: { email: 'jane@example.com', country: 'CH' } },
    accepted: { customer: { email: 'jane@example.com', country: 'at' } },
    reason: 'custom_condition',
  },
  { name: 'an address is needed', campaign: {}, refused: { customer: { first_name: 'Jane' } }, accepted: {}, reason: 'no_email' },
  { name: 'an order that arrives cancelled', campaign: {}, refused: { status: 'cancelled' }, accepted: {}, reason: 'order_cancelled' },
  { name: 'an order that arrives refunded', campaign: {}, refused: { status: 'refunded' }, accepted: {}, reason: 'order_refunded' },
  { name: 'an order that arrives failed', campaign: {}, refused: { status: 'failed' }, accepted: {}, reason: 'order_failed' },
  {
    name: 'a campaign\'s own cancel statuses',
    campaign: { cancel_statuses: { returned: 'order_refunded' } },
    refused: { status: 'returned' },
    accepted: {},
    reason: 'order_refunded',
  },
];

describe.each(engines)('campaign criteria through POST /api/v1/orders on %s', (engine) => {
  let f: OrdersFixture;
  beforeAll(async () => {
    f = await createOrdersFixture(engine, { now: new Date('2026-07-10T10:00:00Z') });
  });
  afterAll(async () => f?.close());

  it.each(cases)('$name → $reason', async ({ campaign, refused, accepted, reason }) => {
    const shop = await f.shop([{ name: 'Rule', slug: 'rule', ...campaign }]);
    const no = await shop.order(anOrder('R-1', refused));
    expect(no.invitations).toEqual([]);
    expect(no.not_scheduled).toEqual([{ campaign: 'rule', campaign_id: shop.campaigns.rule, reason_code: reason, ...(no.not_scheduled[0]?.detail === undefined ? {} : { detail: expect.any(String) }) }]);
    const yes = await shop.order(anOrder('R-2', accepted));
    expect(yes.not_scheduled).toEqual([]);
    expect(yes.invitations).toMatchObject([{ campaign: 'rule', state: 'pending', new: true }]);
  });

  it('a custom rule sees the customer\'s profile including this order', async () => {
    const shop = await f.shop([{ name: 'Repeat buyers', slug: 'repeat', criteria: { custom_rule: { '>=': [{ var: 'customer.ordersCount' }, 2] } } }]);
    expect((await shop.order(anOrder('C-1'))).not_scheduled.map((n) => n.reason_code)).toEqual(['custom_condition']);
    expect((await shop.order(anOrder('C-2'))).invitations).toHaveLength(1);
  });

  it('several campaigns decide independently for one order', async () => {
    const shop = await f.shop([
      { name: 'Everyone', slug: 'everyone' },
      { name: 'Big orders', slug: 'big', criteria: { min_total: 100 } },
      { name: 'Shipped', slug: 'shipped', trigger_statuses: ['shipped'] },
    ]);
    const res = await shop.order(anOrder('M-1', { total: 59.9 }));
    expect(res.invitations.map((i) => i.campaign)).toEqual(['everyone']);
    expect(res.not_scheduled.map((n) => [n.campaign, n.reason_code])).toEqual([
      ['big', 'below_min_total'],
      ['shipped', 'not_trigger_status'],
    ]);
  });

  it('a disabled campaign schedules nothing and says so: campaign_disabled', async () => {
    const shop = await f.shop([{ name: 'Off', slug: 'off', enabled: false }, { name: 'On', slug: 'on' }]);
    const res = await shop.order(anOrder('D-1'));
    expect(res.invitations).toMatchObject([{ campaign: 'on', new: true }]);
    expect(res.not_scheduled).toEqual([{ campaign: 'off', campaign_id: shop.campaigns.off, reason_code: 'campaign_disabled' }]);
  });

  it('custom cancel statuses skip a pending invitation too (completed → returned)', async () => {
    const shop = await f.shop([{ name: 'Returns', slug: 'returns', cancel_statuses: { returned: 'order_refunded', 'chargeback': 'order_failed' } }]);
    const a = await shop.order(anOrder('X-1'));
    const b = await shop.order(anOrder('X-1', { status: 'chargeback', status_changed_at: '2026-07-10T09:00:00Z' }));
    expect(b.skipped).toEqual([{ id: a.invitations[0]!.id, campaign: 'returns', campaign_id: shop.campaigns.returns, reason_code: 'order_failed' }]);
    // With its own map, "cancelled" is just another status for this campaign: nothing is skipped.
    const c = await shop.order(anOrder('X-2'));
    const d = await shop.order(anOrder('X-2', { status: 'cancelled', status_changed_at: '2026-07-10T09:00:00Z' }));
    expect(d.skipped).toEqual([]);
    expect(d.invitations).toEqual([{ ...c.invitations[0], new: false }]);
  });
});
