/**
 * Bad input to the orders, campaigns and stores endpoints: one 400 names every offending field in
 * the API's own words, and nothing is written.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engines } from '../helpers/test-databases.ts';
import { anOrder, badFields, createOrdersFixture, type OrdersFixture, type Shop } from './orders-fixture.ts';

type Case = { name: string; body: Record<string, unknown>; fields: string[] };

const orderCases: Case[] = [
  { name: 'dates without a time zone (the store has none)', body: anOrder('B-1', { status_changed_at: '2026-07-10T08:00:00', placed_at: '2026-07-08' }), fields: ['placed_at', 'status_changed_at'] },
  { name: 'dates that are not dates', body: anOrder('B-1', { status_changed_at: 'yesterday', placed_at: '2026-02-30T10:00:00Z' }), fields: ['placed_at', 'status_changed_at'] },
  { name: 'a date far in the future', body: anOrder('B-1', { status_changed_at: '2027-01-01T00:00:00Z' }), fields: ['status_changed_at'] },
  { name: 'a negative total and item price', body: anOrder('B-1', { total: -5, items: [{ sku: 'A', name: 'A', quantity: 1, price: -1 }] }), fields: ['items.0.price', 'total'] },
  { name: 'a total that is a string', body: anOrder('B-1', { total: '59.90' }), fields: ['total'] },
  { name: 'missing order_ref and status', body: { customer: { email: 'jane@example.com' } }, fields: ['order_ref', 'status'] },
  {
    name: 'unknown fields at every level (mass assignment included)',
    body: anOrder('B-1', { tenant_id: 2, state: 'sent', source: 'shopify', customer: { email: 'jane@example.com', age: 40 }, items: [{ sku: 'A', colour: 'red' }] }),
    fields: ['customer.age', 'items.0.colour', 'source', 'state', 'tenant_id'],
  },
  {
    name: 'a bad customer',
    body: anOrder('B-1', { customer: { email: 'not-an-address', locale: 'deutsch!', country: 'Germany', timezone: 'Mars/Olympus' } }),
    fields: ['customer.country', 'customer.email', 'customer.locale', 'customer.timezone'],
  },
  { name: 'a store code with a colon', body: anOrder('B-1', { store: 'de:1' }), fields: ['store'] },
  { name: 'a status with a line break', body: anOrder('B-1', { status: 'completed\r\nX: 1' }), fields: ['status'] },
  { name: 'a currency that is not a code', body: anOrder('B-1', { currency: 'Euro' }), fields: ['currency'] },
  { name: 'an image URL that is not http(s)', body: anOrder('B-1', { items: [{ sku: 'A', image_url: 'javascript:alert(1)' }] }), fields: ['items.0.image_url'] },
];

const campaignCases: Case[] = [
  { name: 'an absurd delay', body: { name: 'X', delay_days: 400 }, fields: ['delay_days'] },
  { name: 'a fractional delay', body: { name: 'X', delay_days: 1.5 }, fields: ['delay_days'] },
  { name: 'a send window without days', body: { name: 'X', send_window: { days: [], from: '09:00', to: '17:00' } }, fields: ['send_window.days'] },
  { name: 'a send window that never opens (from = to)', body: { name: 'X', send_window: { days: [1], from: '09:00', to: '09:00' } }, fields: ['send_window.to'] },
  { name: 'a send window with bad times and zone', body: { name: 'X', send_window: { days: [8], from: '9am', to: '25:00', timezone: 'Nowhere/City' } }, fields: ['send_window.days', 'send_window.from', 'send_window.timezone', 'send_window.to'] },
  { name: 'a malformed custom rule', body: { name: 'X', criteria: { custom_rule: { '==': [{ var: 'order.totl' }, 5] } } }, fields: ['criteria.custom_rule'] },
  { name: 'a custom rule with an unknown operator', body: { name: 'X', criteria: { custom_rule: { eval: ['process.exit()'] } } }, fields: ['criteria.custom_rule'] },
  { name: 'a custom rule that is not a rule', body: { name: 'X', criteria: { custom_rule: 'order.total > 5' } }, fields: ['criteria.custom_rule'] },
  { name: 'an unknown criterion', body: { name: 'X', criteria: { min_totl: 5 } }, fields: ['criteria.min_totl'] },
  { name: 'a trigger status that ends the order', body: { name: 'X', trigger_statuses: ['refunded'] }, fields: ['trigger_statuses'] },
  { name: 'no trigger status', body: { name: 'X', trigger_statuses: [] }, fields: ['trigger_statuses'] },
  { name: 'a store both included and excluded', body: { name: 'X', criteria: { stores: ['de'], excluded_stores: ['de'] } }, fields: ['criteria.stores'] },
  { name: 'negative money and bad counts', body: { name: 'X', criteria: { min_total: -1, max_order_age_days: 0 }, frequency_cap_days: 0, send_late_days: -2, expiry_days: 0 }, fields: ['criteria.max_order_age_days', 'criteria.min_total', 'expiry_days', 'frequency_cap_days', 'send_late_days'] },
  { name: 'a cancel status with an unknown reason', body: { name: 'X', cancel_statuses: { returned: 'order_lost' } }, fields: ['cancel_statuses.returned'] },
  { name: 'an unknown channel', body: { name: 'X', channel: 'sms' }, fields: ['channel'] },
  { name: 'a webhook channel without a webhook destination', body: { name: 'X', channel: 'webhook' }, fields: ['destinations'] },
  { name: 'a webhook destination without url and secret', body: { name: 'X', channel: 'webhook', destinations: [{ type: 'webhook' }] }, fields: ['destinations.0.secret', 'destinations.0.url'] },
  { name: 'a weak webhook secret', body: { name: 'X', channel: 'webhook', destinations: [{ type: 'webhook', url: 'https://h.example.com', secret: 'whsec_c2hvcnQ=' }] }, fields: ['destinations.0.secret'] },
  { name: 'an amino destination without api_key', body: { name: 'X', channel: 'amino', destinations: [{ type: 'amino' }] }, fields: ['destinations.0.api_key'] },
  { name: 'a destination of an unknown type', body: { name: 'X', destinations: [{ type: 'hosted' }, { type: 'carrier-pigeon' }] }, fields: ['destinations.1.type'] },
  { name: 'a template that does not parse', body: { name: 'X', template: { subject: 'Hi {{ name ', html: '{% if x %}open', text: '{{ name | shout }}' } }, fields: ['template.html', 'template.subject', 'template.text'] },
  { name: 'unknown fields', body: { name: 'X', tenant_id: 3, is_default: true, template: { footer: 'x' } }, fields: ['is_default', 'template.footer', 'tenant_id'] },
  { name: 'a missing name and a bad slug', body: { slug: 'Not A Slug' }, fields: ['name', 'slug'] },
];

describe.each(engines)('bad input to orders, campaigns and stores on %s', (engine) => {
  let f: OrdersFixture;
  let shop: Shop;
  beforeAll(async () => {
    f = await createOrdersFixture(engine, { now: new Date('2026-07-10T10:00:00Z') });
    shop = await f.shop([], { keepDefault: true });
  });
  afterAll(async () => f?.close());

  const count = async (table: 'orders' | 'campaigns' | 'stores') =>
    (await f.s.deps.db.selectFrom(table).select('id').where('tenant_id', '=', shop.tenantId).execute()).length;

  it.each(orderCases)('POST /orders with $name → 400 naming $fields', async ({ body, fields }) => {
    const before = await count('orders');
    const res = await shop.post('/api/v1/orders', body);
    expect(badFields(res)).toEqual(fields);
    expect(res.json().error.code).toBe('validation_failed');
    expect(await count('orders')).toBe(before);
  });

  it.each(campaignCases)('POST /campaigns with $name → 400 naming $fields', async ({ body, fields }) => {
    const before = await count('campaigns');
    expect(badFields(await shop.post('/api/v1/campaigns', body))).toEqual(fields);
    expect(await count('campaigns')).toBe(before);
  });

  it('PATCH /campaigns names bad fields too and changes nothing', async () => {
    const res = await shop.patch('/api/v1/campaigns/default', { delay_days: -1, send_window: { days: [1], from: '10:00', to: '10:00' }, colour: 'red' });
    expect(badFields(res)).toEqual(['colour', 'delay_days', 'send_window.to']);
    expect((await shop.get('/api/v1/campaigns/default')).json().campaign.delay_days).toBe(7);
  });

  it('a local date-time is refused for a new store, and also when other fields are wrong', async () => {
    const res = await shop.post('/api/v1/orders', anOrder('B-2', { store: 'fresh', status_changed_at: '2026-07-10 08:00', total: -1 }));
    expect(badFields(res)).toEqual(['status_changed_at', 'total']);
    expect(res.json().error.fields.find((x: { field: string }) => x.field === 'status_changed_at').message).toContain('store "fresh" defines no time zone');
    expect((await shop.get('/api/v1/stores')).json().stores.map((s: { code: string }) => s.code)).not.toContain('fresh');
  });

  it('stores: bad fields are named; a taken code is 409', async () => {
    expect(badFields(await shop.post('/api/v1/stores', { code: 'a b', name: '', platform: 'etsy', timezone: 'Berlin', locale: 'xx_' }))).toEqual([
      'code', 'locale', 'name', 'platform', 'timezone',
    ]);
    expect((await shop.post('/api/v1/stores', { code: 'dup', name: 'Dup' })).statusCode).toBe(201);
    const again = await shop.post('/api/v1/stores', { code: 'dup', name: 'Dup' });
    expect(again.statusCode).toBe(409);
    expect(await count('stores')).toBe(1);
  });
});
