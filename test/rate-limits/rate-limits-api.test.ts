import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import type { RateLimitView } from '../../src/app/list-rate-limits.ts';
import { claimInvitations } from '../../src/db/queue/claim-invitations.ts';
import { engines } from '../helpers/test-databases.ts';
import { createHttpFixture, type HttpFixture } from '../http/http-fixture.ts';

describe.each(engines)('/api/v1/rate-limits on %s', (engine) => {
  let f: HttpFixture;
  beforeAll(async () => {
    f = await createHttpFixture(engine);
  });
  afterAll(async () => f?.close());

  const put = (key: string, payload: unknown, apiKey?: string) =>
    f.api({ method: 'PUT', url: `/api/v1/rate-limits/${key}`, payload: payload as Record<string, unknown>, ...(apiKey ? { key: apiKey } : {}) });
  const byKey = (list: RateLimitView[]): Record<string, RateLimitView> => Object.fromEntries(list.map((l) => [l.key, l]));

  it('lists every channel with the budget in force and where it comes from', async () => {
    const res = await f.api({ method: 'GET', url: '/api/v1/rate-limits' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    const list = res.json().rate_limits;
    expect(list.map((l: { key: string }) => l.key)).toEqual(['amino', 'email', 'webhook']);
    expect(byKey(list)).toEqual({
      amino: { key: 'amino', max_count: 100, window_seconds: 3600, source: 'default', default: { max_count: 100, window_seconds: 3600 }, used: 0, blocked_until: null },
      email: { key: 'email', max_count: null, window_seconds: null, source: 'none', default: null, used: null, blocked_until: null },
      webhook: { key: 'webhook', max_count: null, window_seconds: null, source: 'none', default: null, used: null, blocked_until: null },
    });
  });

  it('PUT sets an override, DELETE goes back to the default; both answer the entry', async () => {
    const set = await put('amino', { max_count: 20, window_seconds: 60 });
    expect(set.statusCode).toBe(200);
    expect(set.json()).toEqual({
      ok: true,
      rate_limit: { key: 'amino', max_count: 20, window_seconds: 60, source: 'override', default: { max_count: 100, window_seconds: 3600 }, used: 0, blocked_until: null },
    });
    expect((await put('email', { max_count: 500, window_seconds: 3600 })).json().rate_limit).toMatchObject({ source: 'override', max_count: 500, used: 0 });
    // One delivery started (an API invitation, claimed): counted as the claim counts it.
    expect((await f.api({ method: 'POST', url: '/api/v1/invitations', payload: { email: 'jane@example.com', name: 'Jane', order_ref: 'A-1' } })).statusCode).toBe(200);
    expect((await claimInvitations(f.s.database.pool, { batchSize: 10, leaseMs: 60_000 })).claimed).toHaveLength(1);
    expect(byKey((await f.api({ method: 'GET', url: '/api/v1/rate-limits' })).json().rate_limits).email).toMatchObject({ used: 1, max_count: 500 });
    const row = await f.s.deps.db.selectFrom('rate_limits').selectAll().where('tenant_id', '=', f.tenantId).where('key', '=', 'amino').executeTakeFirstOrThrow();
    expect(row).toMatchObject({ max_count: 20, window_seconds: 60 });

    const reset = await f.api({ method: 'DELETE', url: '/api/v1/rate-limits/amino' });
    expect(reset.statusCode).toBe(200);
    expect(reset.json().rate_limit).toMatchObject({ key: 'amino', max_count: 100, window_seconds: 3600, source: 'default' });
    const email = await f.api({ method: 'DELETE', url: '/api/v1/rate-limits/email' });
    expect(email.json().rate_limit).toMatchObject({ key: 'email', max_count: null, source: 'none' });
    // Deleting what is not set is a no-op, not an error.
    expect((await f.api({ method: 'DELETE', url: '/api/v1/rate-limits/webhook' })).statusCode).toBe(200);
  });

  it("shows a provider's pause and the window's usage; DELETE keeps the pause (it is the provider's word)", async () => {
    await sql`INSERT INTO rate_limits (tenant_id, key, blocked_until) VALUES (${f.tenantId}, 'webhook', now() + interval '10 minutes')
      ON CONFLICT (tenant_id, key) DO UPDATE SET blocked_until = EXCLUDED.blocked_until`.execute(f.s.deps.db);
    await put('webhook', { max_count: 5, window_seconds: 3600 });
    const list = byKey((await f.api({ method: 'GET', url: '/api/v1/rate-limits' })).json().rate_limits);
    expect(list.webhook).toMatchObject({ source: 'override', max_count: 5, used: 0, blocked_until: expect.any(String) });
    const after = (await f.api({ method: 'DELETE', url: '/api/v1/rate-limits/webhook' })).json().rate_limit;
    expect(after).toMatchObject({ source: 'none', blocked_until: expect.any(String) });
    await sql`UPDATE rate_limits SET blocked_until = now() - interval '1 second' WHERE tenant_id = ${f.tenantId}`.execute(f.s.deps.db);
    expect(byKey((await f.api({ method: 'GET', url: '/api/v1/rate-limits' })).json().rate_limits).webhook?.blocked_until).toBeNull();
  });

  it('needs an API key', async () => {
    for (const [method, url] of [
      ['GET', '/api/v1/rate-limits'],
      ['PUT', '/api/v1/rate-limits/email'],
      ['DELETE', '/api/v1/rate-limits/email'],
    ] as const) {
      const res = await f.app.inject({ method, url, ...(method === 'PUT' ? { payload: { max_count: 1, window_seconds: 60 } } : {}) });
      expect(res.statusCode).toBe(401);
      expect(res.json().error.code).toBe('unauthorized');
      expect((await f.api({ method, url, key: 'rik_live_not-a-real-key' })).statusCode).toBe(401);
    }
  });

  it.each([
    ['both missing', {}, ['max_count', 'window_seconds']],
    ['negative count, zero window', { max_count: -1, window_seconds: 0 }, ['max_count', 'window_seconds']],
    ['fractions and strings', { max_count: 1.5, window_seconds: '60' }, ['max_count', 'window_seconds']],
    ['a window over 7 days', { max_count: 10, window_seconds: 604_801 }, ['window_seconds']],
    ['an unknown field', { max_count: 10, window_seconds: 60, per_hour: 10 }, ['per_hour']],
  ])('400 names every bad field: %s', async (_name, body, fields) => {
    const res = await put('email', body);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('validation_failed');
    expect(res.json().error.fields.map((e: { field: string }) => e.field).sort()).toEqual(fields);
  });

  it('400 for a key that is no channel, also together with body errors and on DELETE', async () => {
    const res = await put('emial', { max_count: -5, window_seconds: 60 });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.fields).toEqual([
      { field: 'key', message: 'must be one of email, amino, webhook' },
      { field: 'max_count', message: 'must be an integer from 0 to 1000000' },
    ]);
    expect((await put('emial', { max_count: 5, window_seconds: 60 })).json().error.fields.map((e: { field: string }) => e.field)).toEqual(['key']);
    const del = await f.api({ method: 'DELETE', url: '/api/v1/rate-limits/nope' });
    expect(del.statusCode).toBe(400);
    expect(del.json().error.fields).toEqual([{ field: 'key', message: 'must be one of email, amino, webhook' }]);
  });

  it("is per tenant: one tenant's budgets are invisible to and untouched by another", async () => {
    const other = await f.newTenant('Other Shop');
    await put('amino', { max_count: 7, window_seconds: 600 });
    expect(byKey((await f.api({ method: 'GET', url: '/api/v1/rate-limits', key: other.key })).json().rate_limits).amino).toMatchObject({ source: 'default', max_count: 100 });
    await put('amino', { max_count: 3, window_seconds: 60 }, other.key);
    expect((await f.api({ method: 'DELETE', url: '/api/v1/rate-limits/amino', key: other.key })).json().rate_limit.source).toBe('default');
    expect(byKey((await f.api({ method: 'GET', url: '/api/v1/rate-limits' })).json().rate_limits).amino).toMatchObject({ source: 'override', max_count: 7, window_seconds: 600 });
  });
});
