import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engines } from '../helpers/test-databases.ts';
import { createOrdersFixture, type OrdersFixture } from './orders-fixture.ts';

describe.each(engines)('/api/v1/stores on %s', (engine) => {
  let f: OrdersFixture;
  beforeAll(async () => {
    f = await createOrdersFixture(engine);
  });
  afterAll(async () => f?.close());

  it.each(['shopify', 'woocommerce', 'bigcommerce', 'magento'])('a %s store gets its webhook URL and a secret, shown once', async (platform) => {
    const shop = await f.shop();
    const res = await shop.post('/api/v1/stores', { code: `${platform}-de`, name: 'DE', platform, timezone: 'Europe/Berlin', locale: 'de_DE' });
    expect(res.statusCode).toBe(201);
    const { store, webhook } = res.json();
    expect(store).toMatchObject({ code: `${platform}-de`, platform, timezone: 'Europe/Berlin', locale: 'de-DE', webhook_secret_set: true });
    expect(webhook).toEqual({ url: `https://reviews.example.test/webhooks/${platform}/${store.id}`, secret: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) });
    expect(store.webhook_url).toBe(webhook.url);
    const listed = await shop.get('/api/v1/stores');
    expect(listed.json().stores).toEqual([store]);
    expect(listed.body).not.toContain(webhook.secret);
  });

  it('a custom store has no webhook; stores are per tenant', async () => {
    const a = await f.shop();
    const b = await f.shop();
    const res = await a.post('/api/v1/stores', { code: 'pos', name: 'Point of sale' });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ store: { platform: 'custom', webhook_url: null, webhook_secret_set: false }, webhook: null });
    expect((await b.get('/api/v1/stores')).json().stores).toEqual([]);
    expect((await b.post('/api/v1/stores', { code: 'pos', name: 'Their POS' })).statusCode).toBe(201);
  });
});
