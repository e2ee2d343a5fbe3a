import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engines } from '../helpers/test-databases.ts';
import { createTestClock } from '../helpers/test-services.ts';
import { countInvitations, createHttpFixture, type HttpFixture } from './http-fixture.ts';

describe.each(engines)('POST /api/v1/invitations on %s', (engine) => {
  let f: HttpFixture;
  const clock = createTestClock(new Date('2026-11-23T10:00:00Z'));
  beforeAll(async () => {
    f = await createHttpFixture(engine, { clock });
  });
  afterAll(async () => f?.close());

  it('200 with the review link, then 200 duplicate with the same link and nothing new stored', async () => {
    const body = { email: 'jane@example.com', name: 'Jane Doe', order_ref: 'A-1' };
    const first = await f.api({ method: 'POST', url: '/api/v1/invitations', payload: body });
    expect(first.statusCode).toBe(200);
    const a = first.json();
    expect(a).toMatchObject({ ok: true, duplicate: false, invitation: { order_ref: 'A-1', email: 'jane@example.com', name: 'Jane Doe', state: 'pending' } });
    expect(a.review_url).toMatch(/^https:\/\/reviews\.example\.test\/r\/[A-Za-z0-9_-]{43}$/);
    expect(a.invitation.review_url).toBe(a.review_url);
    expect(a.invitation).not.toHaveProperty('token_hash');

    const before = await countInvitations(f.s, f.tenantId);
    const second = await f.api({ method: 'POST', url: '/api/v1/invitations', payload: body });
    expect(second.statusCode).toBe(200);
    expect(second.json()).toMatchObject({ ok: true, duplicate: true, review_url: a.review_url, invitation: { id: a.invitation.id } });
    expect(await countInvitations(f.s, f.tenantId)).toBe(before);
  });

  it('accepts the optional fields and schedules at send_at', async () => {
    const res = await f.api({
      method: 'POST',
      url: '/api/v1/invitations',
      payload: { email: 'max@example.de', name: 'Max', order_ref: 42, campaign: 'default', locale: 'de_DE', send_at: '2026-12-01T09:00:00+01:00' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().invitation).toMatchObject({ order_ref: '42', locale: 'de-DE', scheduled_at: '2026-12-01T08:00:00.000Z' });
  });

  it('400 names every missing, invalid and unknown field at once, and stores nothing', async () => {
    const before = await countInvitations(f.s, f.tenantId);
    const res = await f.api({
      method: 'POST',
      url: '/api/v1/invitations',
      payload: { email: 'not-an-address', name: 7, send_at: 'tomorrow', order_ref: true, colour: 'red', extra: 1 },
    });
    expect(res.statusCode).toBe(400);
    const { ok, error } = res.json();
    expect(ok).toBe(false);
    expect(error.code).toBe('validation_failed');
    expect(error.message).toMatch(/email/);
    expect(error.fields.map((x: { field: string }) => x.field).sort()).toEqual(['colour', 'email', 'extra', 'name', 'order_ref', 'send_at']);
    for (const field of error.fields) expect(field.message).toEqual(expect.any(String));

    const empty = await f.api({ method: 'POST', url: '/api/v1/invitations', payload: {} });
    expect(empty.statusCode).toBe(400);
    expect(empty.json().error.fields).toEqual(expect.arrayContaining([{ field: 'email', message: 'is required' }, { field: 'name', message: 'is required' }]));
    expect(await countInvitations(f.s, f.tenantId)).toBe(before);
  });

  it('400 for an unknown campaign', async () => {
    const res = await f.api({ method: 'POST', url: '/api/v1/invitations', payload: { email: 'a@example.com', name: 'A', campaign: 'nope' } });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.fields).toEqual([{ field: 'campaign', message: 'unknown campaign "nope"' }]);
  });

  it('429 with Retry-After in seconds past the rolling-hour limit; duplicates still answer', async () => {
    const t = await f.newTenant('Busy Shop', 2);
    for (const ref of ['L-1', 'L-2']) {
      const ok = await f.api({ method: 'POST', url: '/api/v1/invitations', key: t.key, payload: { email: 'a@example.com', name: 'A', order_ref: ref } });
      expect(ok.statusCode).toBe(200);
    }
    const limited = await f.api({ method: 'POST', url: '/api/v1/invitations', key: t.key, payload: { email: 'b@example.com', name: 'B', order_ref: 'L-3' } });
    expect(limited.statusCode).toBe(429);
    expect(limited.json()).toMatchObject({ ok: false, error: { code: 'rate_limited' } });
    const retryAfter = Number(limited.headers['retry-after']);
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(3600);
    const dup = await f.api({ method: 'POST', url: '/api/v1/invitations', key: t.key, payload: { email: 'a@example.com', name: 'A', order_ref: 'L-1' } });
    expect(dup.statusCode).toBe(200);
    expect(dup.json().duplicate).toBe(true);
    expect(await countInvitations(f.s, t.tenantId)).toBe(2);
  });
});
