import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engines } from '../helpers/test-databases.ts';
import { badFields, createOrdersFixture, type OrdersFixture } from './orders-fixture.ts';

const SECRET = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
const AMINO_KEY = 'amino-live-key-0123456789abcdef';

describe.each(engines)('/api/v1/campaigns on %s', (engine) => {
  let f: OrdersFixture;
  beforeAll(async () => {
    f = await createOrdersFixture(engine);
  });
  afterAll(async () => f?.close());

  it('every tenant starts with the default campaign: completed, 7 days, email to the hosted form', async () => {
    const shop = await f.shop([], { keepDefault: true });
    const res = await shop.get('/api/v1/campaigns');
    expect(res.statusCode).toBe(200);
    expect(res.json().campaigns).toEqual([
      expect.objectContaining({
        slug: 'default',
        is_default: true,
        enabled: true,
        trigger_statuses: ['completed'],
        delay_days: 7,
        send_window: null,
        channel: 'email',
        destinations: [{ type: 'hosted' }],
        expiry_days: 30,
        frequency_cap_days: null,
        send_late_days: null,
        cancel_statuses: null,
        template: { subject: null, html: null, text: null },
        criteria: {
          stores: [], excluded_stores: [], customer_groups: [], excluded_customer_groups: [], excluded_statuses: [], max_order_age_days: null,
          min_total: null, exclude_zero_total: false, excluded_skus: [], excluded_product_names: [], custom_rule: null,
        },
      }),
    ]);
  });

  it('creates a campaign with every field, answers it by id and slug, and what GET answers can be sent back unchanged', async () => {
    const shop = await f.shop([], { keepDefault: true });
    const body = {
      name: 'Wholesale follow-up',
      trigger_statuses: ['shipped', 'delivered'],
      delay_days: 14,
      send_window: { days: [1, 2, 3, 4, 5], from: '09:00', to: '17:30', timezone: 'Europe/Berlin' },
      criteria: {
        stores: ['de', 'at'],
        excluded_customer_groups: ['staff'],
        excluded_statuses: ['on-hold'],
        max_order_age_days: 60,
        min_total: 20,
        exclude_zero_total: true,
        excluded_skus: ['GIFT'],
        excluded_product_names: ['sample'],
        custom_rule: { '==': [{ var: 'order.currency' }, 'EUR'] },
      },
      cancel_statuses: { cancelled: 'order_cancelled', returned: 'order_refunded' },
      channel: 'webhook',
      destinations: [{ type: 'webhook', url: 'https://hooks.example.com/reviews', secret: SECRET }, { type: 'hosted' }],
      template: { subject: 'How was {{ shop }}?' },
      expiry_days: 60,
      frequency_cap_days: 90,
      send_late_days: 5,
    };
    const created = await shop.post('/api/v1/campaigns', body);
    expect(created.statusCode).toBe(201);
    const c = created.json().campaign;
    expect(c).toMatchObject({
      slug: 'wholesale-follow-up',
      is_default: false,
      ...body,
      criteria: { ...body.criteria, customer_groups: [], excluded_stores: [] },
      destinations: [{ type: 'webhook', url: 'https://hooks.example.com/reviews', secret_set: true }, { type: 'hosted' }],
      template: { subject: 'How was {{ shop }}?', html: null, text: null },
    });
    expect(created.body).not.toContain(SECRET.slice(6, 30));
    expect((await shop.get(`/api/v1/campaigns/${c.id}`)).json().campaign).toEqual(c);
    expect((await shop.get('/api/v1/campaigns/wholesale-follow-up')).json().campaign).toEqual(c);

    // Round trip: the answer (minus what is read-only) is a valid update that changes nothing but updated_at.
    const { id: _id, is_default: _d, created_at: _c, updated_at: _u, destinations: _dest, ...writable } = c;
    const again = await shop.patch(`/api/v1/campaigns/${c.id}`, writable);
    expect(again.statusCode).toBe(200);
    expect({ ...again.json().campaign, updated_at: c.updated_at }).toEqual(c);
  });

  it('secrets are write-only and kept when an update leaves them out', async () => {
    const shop = await f.shop([], { keepDefault: true });
    const res = await shop.post('/api/v1/campaigns', { name: 'Amino', channel: 'amino', destinations: [{ type: 'amino', api_key: AMINO_KEY }] });
    expect(res.statusCode).toBe(201);
    const c = res.json().campaign;
    expect(c.destinations).toEqual([{ type: 'amino', url: null, api_key_set: true, api_key_hint: '…cdef' }]);
    expect(res.body).not.toContain(AMINO_KEY);
    const patched = await shop.patch(`/api/v1/campaigns/${c.id}`, { destinations: [{ type: 'amino', url: 'https://reviews.example.org' }] });
    expect(patched.statusCode).toBe(200);
    expect(patched.json().campaign.destinations).toEqual([{ type: 'amino', url: 'https://reviews.example.org', api_key_set: true, api_key_hint: '…cdef' }]);
    const row = await f.s.deps.db.selectFrom('campaigns').select('destinations').where('id', '=', c.id).executeTakeFirstOrThrow();
    expect(row.destinations).toEqual([{ type: 'amino', url: 'https://reviews.example.org', api_key: AMINO_KEY }]);
    const listed = await shop.get('/api/v1/campaigns');
    expect(listed.body).not.toContain(AMINO_KEY);
  });

  it('PATCH changes only what it names; criteria key by key, null removes', async () => {
    const shop = await f.shop([{ name: 'Rules', slug: 'rules', criteria: { min_total: 10, excluded_skus: ['A'] }, frequency_cap_days: 30 }]);
    const res = await shop.patch('/api/v1/campaigns/rules', { criteria: { min_total: null, excluded_statuses: ['on-hold'] }, frequency_cap_days: null, delay_days: 0 });
    expect(res.statusCode).toBe(200);
    expect(res.json().campaign).toMatchObject({
      name: 'Rules',
      delay_days: 0,
      frequency_cap_days: null,
      criteria: { min_total: null, excluded_skus: ['A'], excluded_statuses: ['on-hold'] },
    });
  });

  it('a change that makes the whole campaign contradictory is refused, naming the field', async () => {
    const shop = await f.shop([{ name: 'Rules', slug: 'rules', criteria: { excluded_statuses: ['shipped'] } }]);
    const res = await shop.patch('/api/v1/campaigns/rules', { trigger_statuses: ['shipped'] });
    expect(badFields(res)).toEqual(['criteria.excluded_statuses']);
  });

  it('slugs are unique per tenant: 409', async () => {
    const shop = await f.shop([{ name: 'One', slug: 'one' }, { name: 'Two', slug: 'two' }]);
    const dup = await shop.post('/api/v1/campaigns', { name: 'One again', slug: 'one' });
    expect(dup.statusCode).toBe(409);
    expect(dup.json().error).toMatchObject({ code: 'conflict', fields: [{ field: 'slug', message: 'is taken' }] });
    expect((await shop.patch('/api/v1/campaigns/two', { slug: 'one' })).statusCode).toBe(409);
    // Another tenant may use the same slug.
    expect((await (await f.shop()).post('/api/v1/campaigns', { name: 'One', slug: 'one' })).statusCode).toBe(201);
  });

  it('there is no DELETE: the default campaign stays, and is disabled instead', async () => {
    const shop = await f.shop([], { keepDefault: true });
    const del = await f.app.inject({ method: 'DELETE', url: '/api/v1/campaigns/default', headers: { authorization: `Bearer ${shop.key}` } });
    expect(del.statusCode).toBe(404);
    expect((await shop.get('/api/v1/campaigns/default')).statusCode).toBe(200);
    const off = await shop.patch('/api/v1/campaigns/default', { enabled: false });
    expect(off.json().campaign).toMatchObject({ is_default: true, enabled: false });
  });

  it('another tenant\'s campaign is 404 for GET and PATCH, by id and by slug', async () => {
    const a = await f.shop([{ name: 'Mine', slug: 'mine' }]);
    const b = await f.shop();
    const id = a.campaigns.mine!;
    expect((await b.get(`/api/v1/campaigns/${id}`)).statusCode).toBe(404);
    expect((await b.get('/api/v1/campaigns/mine')).statusCode).toBe(404);
    expect((await b.patch(`/api/v1/campaigns/${id}`, { enabled: false })).statusCode).toBe(404);
    expect((await a.get(`/api/v1/campaigns/${id}`)).json().campaign.enabled).toBe(true);
  });
});
