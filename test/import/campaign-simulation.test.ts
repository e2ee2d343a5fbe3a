import { Readable } from 'node:stream';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importOrders } from '../../src/app/import-orders.ts';
import { engines } from '../helpers/test-databases.ts';
import { createTestClock } from '../helpers/test-services.ts';
import { createHttpFixture, type HttpFixture } from '../http/http-fixture.ts';

const CSV = [
  'order_ref,store,status,email,first_name,customer_group,placed_at,status_changed_at,total',
  'V-1,web,completed,anna@example.com,Anna,retail,2026-11-01T09:00:00Z,2026-11-02T10:00:00Z,50',
  'V-2,web,processing,ben@example.com,Ben,retail,2026-11-02T09:00:00Z,2026-11-02T10:00:00Z,50',
  'V-3,web,cancelled,cara@example.com,Cara,retail,2026-11-03T09:00:00Z,2026-11-04T10:00:00Z,50',
  'V-4,web,completed,dan@example.com,Dan,staff,2026-11-04T09:00:00Z,2026-11-05T10:00:00Z,50',
  'V-5,web,completed,eve@example.com,Eve,retail,2026-11-05T09:00:00Z,2026-11-06T10:00:00Z,10',
  'V-6,web,completed,anna@example.com,Anna,retail,2026-11-09T09:00:00Z,2026-11-10T10:00:00Z,50',
  'V-7,web,completed,gone@example.com,Gus,retail,2026-11-10T09:00:00Z,2026-11-11T10:00:00Z,50',
  'V-8,shop,delivered,bob@example.com,Bob,,2026-11-11T09:00:00Z,2026-11-12T10:00:00Z,30',
  'V-9,web,completed,,Nobody,retail,2026-11-12T09:00:00Z,2026-11-13T10:00:00Z,50',
  'V-10,web,completed,late@example.com,Lea,retail,2026-12-01T09:00:00Z,2026-12-01T10:00:00Z,50',
  'V-11,web,completed,carl@example.com,Carl,retail,2026-11-17T09:00:00Z,2026-11-18T10:00:00Z,50',
].join('\n');

const TABLES = ['orders', 'order_events', 'customers', 'stores', 'campaigns', 'invitations', 'invitation_events', 'suppressions'] as const;

describe.each(engines)('campaign dry run on %s', (engine) => {
  let f: HttpFixture;
  let campaignId: number;
  const clock = createTestClock(new Date('2026-12-02T10:00:00Z'));

  beforeAll(async () => {
    f = await createHttpFixture(engine, { clock });
    const created = await f.api({
      method: 'POST',
      url: '/api/v1/campaigns',
      payload: { name: 'VIP', enabled: false, trigger_statuses: ['completed', 'delivered'], delay_days: 3, criteria: { excluded_customer_groups: ['staff'], min_total: 20 }, frequency_cap_days: 30 },
    });
    expect(created.statusCode, created.body).toBe(201);
    campaignId = created.json().campaign.id;
    const report = await importOrders(f.s.deps, f.tenantId, Readable.from([CSV]), { format: 'csv', backfill: true });
    expect(report).toMatchObject({ imported: 11, errors: 0, invitations_created: 0 });
    await f.s.deps.db.insertInto('suppressions').values({ tenant_id: f.tenantId, email_norm: 'gone@example.com', reason: 'unsubscribed', source: 'test' }).execute();
    // A stored invitation of another campaign caps carl's.
    const api = await f.api({ method: 'POST', url: '/api/v1/invitations', payload: { email: 'carl@example.com', name: 'Carl', order_ref: 'API-CARL', send_at: '2026-11-20T10:00:00Z' } });
    expect(api.statusCode).toBe(200);
  });
  afterAll(async () => f?.close());

  const simulate = (id: string | number, payload: Record<string, unknown>, key?: string) =>
    f.api({ method: 'POST', url: `/api/v1/campaigns/${id}/simulate`, payload, ...(key ? { key } : {}) });
  const counts = () =>
    Promise.all(TABLES.map(async (t) => Number((await sql<{ n: number }>`SELECT count(*) AS n FROM ${sql.table(t)}`.execute(f.s.deps.db)).rows[0]!.n)));

  it('reports what it would schedule and why every other order would not be invited, writing nothing', async () => {
    const before = await counts();
    const res = await simulate('vip', { from: '2026-11-01T00:00:00Z', to: '2026-12-01T00:00:00Z' });
    expect(res.statusCode, res.body).toBe(200);
    const { simulation } = res.json();
    expect(simulation).toMatchObject({ campaign: { id: campaignId, slug: 'vip', enabled: false }, orders: 10, would_schedule: 2 });
    expect(simulation.scheduled).toEqual([
      { order_ref: 'V-1', store: 'web', scheduled_at: '2026-11-05T10:00:00.000Z' },
      { order_ref: 'V-8', store: 'shop', scheduled_at: '2026-11-15T10:00:00.000Z' },
    ]);
    const reasons = Object.fromEntries(Object.entries(simulation.not_scheduled as Record<string, { count: number; examples: Array<{ order_ref: string }> }>).map(([r, v]) => [r, [v.count, v.examples.map((e) => e.order_ref)]]));
    expect(reasons).toEqual({
      not_trigger_status: [1, ['V-2']],
      order_cancelled: [1, ['V-3']],
      customer_group_excluded: [1, ['V-4']],
      below_min_total: [1, ['V-5']],
      // V-6: anna's V-1 invitation of this very replay; V-11: carl's stored API invitation.
      frequency_cap: [2, ['V-6', 'V-11']],
      suppressed: [1, ['V-7']],
      no_email: [1, ['V-9']],
    });
    expect(simulation.not_scheduled.below_min_total.examples[0].detail).toMatch(/below 20/);
    expect(await counts()).toEqual(before);
  });

  it('lists at most limit entries, and takes the campaign by id', async () => {
    const { simulation } = (await simulate(campaignId, { from: '2026-11-01T00:00:00Z', to: '2026-12-01T00:00:00Z', limit: 1 })).json();
    expect(simulation.would_schedule).toBe(2);
    expect(simulation.scheduled).toHaveLength(1);
    expect(simulation.not_scheduled.frequency_cap).toEqual({ count: 2, examples: [expect.objectContaining({ order_ref: 'V-6' })] });
  });

  it('counts only orders placed in the range', async () => {
    // 2026-11-09T23:00Z to 2026-11-12T09:00Z: V-7 and V-8; V-9 was placed at the excluded upper bound.
    const { simulation } = (await simulate('vip', { from: '2026-11-10T00:00:00+01:00', to: '2026-11-12T09:00:00Z' })).json();
    expect(simulation.orders).toBe(2);
    expect(simulation.scheduled.map((s: { order_ref: string }) => s.order_ref)).toEqual(['V-8']);
    expect(Object.keys(simulation.not_scheduled)).toEqual(['suppressed']);
  });

  it("replays each order's status history: invited at its trigger status, skipped by an end status before the send", async () => {
    const history = (rows: string[]) => ['order_ref,store,status,email,first_name,placed_at,status_changed_at,total', ...rows].join('\n');
    const first = history([
      'H-1,web,completed,h1@example.com,Hana,2026-10-01T09:00:00Z,2026-10-02T10:00:00Z,50',
      'H-2,web,completed,h2@example.com,Hugo,2026-10-01T09:00:00Z,2026-10-02T10:00:00Z,50',
      'H-3,web,completed,h3@example.com,Hedy,2026-10-01T09:00:00Z,2026-10-02T10:00:00Z,50',
      'H-4,web,processing,h4@example.com,Hal,2026-10-01T09:00:00Z,2026-10-02T10:00:00Z,50',
    ]);
    const later = history([
      'H-1,web,delivered,h1@example.com,Hana,2026-10-01T09:00:00Z,2026-10-03T10:00:00Z,50', // moved on: still invited at completed
      'H-2,web,cancelled,h2@example.com,Hugo,2026-10-01T09:00:00Z,2026-10-04T10:00:00Z,50', // before the send on the 5th
      'H-3,web,refunded,h3@example.com,Hedy,2026-10-01T09:00:00Z,2026-10-09T10:00:00Z,50', // after it: the invitation went out
      'H-4,web,shipped,h4@example.com,Hal,2026-10-01T09:00:00Z,2026-10-03T10:00:00Z,50', // never a trigger status
    ]);
    for (const csv of [first, later]) {
      expect(await importOrders(f.s.deps, f.tenantId, Readable.from([csv]), { format: 'csv', backfill: true })).toMatchObject({ errors: 0 });
    }
    const created = await f.api({ method: 'POST', url: '/api/v1/campaigns', payload: { name: 'History', trigger_statuses: ['completed'], delay_days: 3 } });
    expect(created.statusCode, created.body).toBe(201);
    const { simulation } = (await simulate(created.json().campaign.slug, { from: '2026-10-01T00:00:00Z', to: '2026-10-02T00:00:00Z' })).json();
    expect(simulation.orders).toBe(4);
    expect(simulation.scheduled).toEqual([
      { order_ref: 'H-1', store: 'web', scheduled_at: '2026-10-05T10:00:00.000Z' },
      { order_ref: 'H-3', store: 'web', scheduled_at: '2026-10-05T10:00:00.000Z' },
    ]);
    expect(simulation.not_scheduled).toEqual({
      order_cancelled: { count: 1, examples: [{ order_ref: 'H-2', store: 'web', detail: expect.stringMatching(/scheduled for 2026-10-05.*cancelled/) }] },
      not_trigger_status: { count: 1, examples: [expect.objectContaining({ order_ref: 'H-4' })] },
    });
  });

  it("404 for another tenant's campaign; 400 for a bad range", async () => {
    const other = await f.newTenant('Other');
    expect((await simulate(campaignId, { from: '2026-11-01T00:00:00Z', to: '2026-12-01T00:00:00Z' }, other.key)).statusCode).toBe(404);
    expect((await simulate('vip', { from: '2026-11-01T00:00:00Z', to: '2026-12-01T00:00:00Z' }, other.key)).statusCode).toBe(404);
    for (const [payload, fields] of [
      [{ from: '2026-12-01T00:00:00Z', to: '2026-11-01T00:00:00Z' }, ['to']],
      [{ from: '2026-11-01', to: '2026-12-01T00:00:00' }, ['from', 'to']],
      [{ from: '2026-11-01T00:00:00Z' }, ['to']],
      [{ from: '2026-11-01T00:00:00Z', to: '2026-12-01T00:00:00Z', limit: 0 }, ['limit']],
    ] as const) {
      const res = await simulate('vip', payload);
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(res.json().error.fields.map((x: { field: string }) => x.field).sort()).toEqual(fields);
    }
  });
});
