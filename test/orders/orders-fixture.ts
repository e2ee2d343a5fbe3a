/**
 * What the order and campaign tests start from: services on a fresh database with a settable clock,
 * the real HTTP app, and tenants whose campaigns are set up through the API itself. `shop()` gives a
 * tenant whose default campaign is disabled and that has exactly the campaigns a test asks for, so a
 * test sees only its own rules: `order()` checks that every answer reports the disabled default
 * campaign (campaign_disabled, first, as it is the oldest campaign) and leaves that entry out of what
 * it returns.
 */
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { createTenant } from '../../src/app/tenants.ts';
import type { DatabaseKind } from '../../src/db/create-database.ts';
import { buildHttpApp } from '../../src/http/app.ts';
import { createTestClock, createTestServices, type TestServices } from '../helpers/test-services.ts';

export type Shop = {
  tenantId: number;
  key: string;
  /** Campaign ids by slug, in creation order. */
  campaigns: Record<string, number>;
  post(url: string, payload: unknown): Promise<LightMyRequestResponse>;
  patch(url: string, payload: unknown): Promise<LightMyRequestResponse>;
  get(url: string): Promise<LightMyRequestResponse>;
  /** POST /api/v1/orders; fails the test unless it answers 200. */
  order(payload: Record<string, unknown>): Promise<OrderResult>;
};

export type OrderResult = {
  order: { id: number; order_ref: string; store: string; status: string; status_changed_at: string; placed_at: string | null; total: number | null };
  created: boolean;
  invitations: { id: number; campaign: string; campaign_id: number; scheduled_at: string; state: string; reason_code: string | null; new: boolean }[];
  not_scheduled: { campaign: string; campaign_id: number; reason_code: string; detail?: string }[];
  skipped: { id: number; campaign: string; reason_code: string }[];
};

export type OrdersFixture = {
  s: TestServices;
  app: FastifyInstance;
  clock: ReturnType<typeof createTestClock>;
  /** A tenant with the given campaigns (POST /api/v1/campaigns bodies) and its default campaign disabled, unless keepDefault. */
  shop(campaigns?: Record<string, unknown>[], options?: { keepDefault?: boolean; timezone?: string }): Promise<Shop>;
  close(): Promise<void>;
};

let seq = 0;

export async function createOrdersFixture(engine: DatabaseKind, options: { now?: Date; poolSize?: number } = {}): Promise<OrdersFixture> {
  const clock = createTestClock(options.now ?? new Date('2026-07-10T10:00:00Z'));
  const s = await createTestServices(engine, { clock, ...(options.poolSize === undefined ? {} : { poolSize: options.poolSize }) });
  const app = await buildHttpApp(s);
  const call = (key: string) => (method: 'GET' | 'POST' | 'PATCH', url: string, payload?: unknown) =>
    app.inject({ method, url, headers: { authorization: `Bearer ${key}` }, ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }) });

  return {
    s,
    app,
    clock,
    async shop(campaigns = [], shopOptions = {}) {
      const created = await createTenant(s.deps, { name: `Shop ${++seq}`, timezone: shopOptions.timezone ?? 'UTC' });
      const key = created.apiKey.key;
      const send = call(key);
      let disabledDefault: number | undefined;
      const shop: Shop = {
        tenantId: created.tenant.id,
        key,
        campaigns: {},
        post: (url, payload) => send('POST', url, payload),
        patch: (url, payload) => send('PATCH', url, payload),
        get: (url) => send('GET', url),
        async order(payload) {
          const res = await send('POST', '/api/v1/orders', payload);
          if (res.statusCode !== 200) throw new Error(`POST /api/v1/orders answered ${res.statusCode}: ${res.body}`);
          const result = res.json() as OrderResult;
          if (disabledDefault === undefined) return result;
          const [first, ...rest] = result.not_scheduled;
          if (first?.campaign_id !== disabledDefault || first.reason_code !== 'campaign_disabled') {
            throw new Error(`the disabled default campaign is not reported first as campaign_disabled: ${JSON.stringify(result.not_scheduled)}`);
          }
          return { ...result, not_scheduled: rest };
        },
      };
      if (!shopOptions.keepDefault) {
        const off = await shop.patch('/api/v1/campaigns/default', { enabled: false });
        if (off.statusCode !== 200) throw new Error(`disabling the default campaign answered ${off.statusCode}: ${off.body}`);
        disabledDefault = (off.json().campaign as { id: number }).id;
      }
      for (const body of campaigns) {
        const res = await shop.post('/api/v1/campaigns', body);
        if (res.statusCode !== 201) throw new Error(`POST /api/v1/campaigns answered ${res.statusCode}: ${res.body}`);
        const c = res.json().campaign as { id: number; slug: string };
        shop.campaigns[c.slug] = c.id;
      }
      return shop;
    },
    async close() {
      await app.close();
      await s.dispose();
    },
  };
}

/** A completed order for jane@example.com; `patch` overrides any field. */
export function anOrder(ref: string, patch: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    order_ref: ref,
    store: 'main',
    status: 'completed',
    status_changed_at: '2026-07-10T08:00:00Z',
    placed_at: '2026-07-08T12:00:00Z',
    customer: { email: 'jane@example.com', first_name: 'Jane', last_name: 'Doe', group: 'retail' },
    currency: 'EUR',
    total: 59.9,
    items: [{ sku: 'TEE-1', name: 'Organic T-Shirt', quantity: 2, price: 19.95 }, { sku: 'MUG-2', name: 'Coffee mug', quantity: 1, price: 20 }],
    ...patch,
  };
}

/** The field names of a 400 answer, sorted. */
export function badFields(res: LightMyRequestResponse): string[] {
  if (res.statusCode !== 400) throw new Error(`expected 400, got ${res.statusCode}: ${res.body}`);
  return (res.json().error.fields as { field: string }[]).map((f) => f.field).sort();
}
