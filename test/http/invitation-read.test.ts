import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engines } from '../helpers/test-databases.ts';
import { createTestClock } from '../helpers/test-services.ts';
import { createHttpFixture, type HttpFixture } from './http-fixture.ts';

describe.each(engines)('reading invitations on %s', (engine) => {
  let f: HttpFixture;
  const clock = createTestClock(new Date('2026-11-23T10:00:00Z'));
  beforeAll(async () => {
    f = await createHttpFixture(engine, { clock });
  });
  afterAll(async () => f?.close());

  async function invite(orderRef: string, key?: string): Promise<number> {
    const res = await f.api({ method: 'POST', url: '/api/v1/invitations', ...(key ? { key } : {}), payload: { email: `${orderRef}@example.com`, name: 'C', order_ref: orderRef } });
    expect(res.statusCode).toBe(200);
    return res.json().invitation.id;
  }

  describe('GET /api/v1/invitations/stats', () => {
    let other: { tenantId: number; key: string };
    beforeAll(async () => {
      other = await f.newTenant('Stats Shop');
      const db = f.s.deps.db;
      const ids = [];
      for (let i = 1; i <= 6; i++) ids.push(await invite(`S-${i}`, other.key));
      const at = (iso: string) => new Date(iso);
      // 5 sent (3 in November, 2 in December), 3 opened, 1 completed, 1 expired; S-6 still pending.
      const facts = [
        { sent_at: at('2026-11-01T10:00:00Z'), opened_at: at('2026-11-02T10:00:00Z'), completed_at: at('2026-11-02T10:05:00Z') },
        { sent_at: at('2026-11-10T10:00:00Z'), opened_at: at('2026-11-11T10:00:00Z') },
        { sent_at: at('2026-11-20T10:00:00Z'), expired_at: at('2026-12-20T10:00:00Z') },
        { sent_at: at('2026-12-01T00:00:00Z'), opened_at: at('2026-12-02T10:00:00Z') },
        { sent_at: at('2026-12-05T10:00:00Z') },
      ];
      for (const [i, set] of facts.entries()) await db.updateTable('invitations').set({ state: 'sent', ...set }).where('id', '=', ids[i]!).execute();
      // A second campaign with one sent invitation of its own.
      const campaign = await db
        .insertInto('campaigns')
        .values({ tenant_id: other.tenantId, slug: 'vip', name: 'VIP', criteria: '{}', template: '{}', reminders: '[]', destinations: '[]' })
        .returning('id')
        .executeTakeFirstOrThrow();
      const vip = await f.api({ method: 'POST', url: '/api/v1/invitations', key: other.key, payload: { email: 'v@example.com', name: 'V', campaign: 'vip' } });
      expect(vip.statusCode).toBe(200);
      expect(vip.json().invitation.campaign_id).toBe(campaign.id);
      await db.updateTable('invitations').set({ state: 'sent', sent_at: at('2026-11-15T10:00:00Z'), opened_at: at('2026-11-15T11:00:00Z') }).where('id', '=', vip.json().invitation.id).execute();
    });

    const stats = async (query = '', key = other.key) => f.api({ method: 'GET', url: `/api/v1/invitations/stats${query}`, key });

    it('counts each stamped fact over all the tenant\'s invitations', async () => {
      const res = await stats();
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ ok: true, stats: { sent: 6, opened: 4, completed: 1, expired: 1 } });
    });

    it('filters by sent_at with from (inclusive) and to (exclusive)', async () => {
      expect((await stats('?from=2026-12-01T00:00:00Z')).json().stats).toEqual({ sent: 2, opened: 1, completed: 0, expired: 0 });
      expect((await stats('?to=2026-12-01T00:00:00Z')).json().stats).toEqual({ sent: 4, opened: 3, completed: 1, expired: 1 });
      expect((await stats('?from=2026-11-05T00:00:00Z&to=2026-11-30T00:00:00%2B01:00')).json().stats).toEqual({ sent: 3, opened: 2, completed: 0, expired: 1 });
    });

    it('filters by campaign slug', async () => {
      expect((await stats('?campaign=vip')).json().stats).toEqual({ sent: 1, opened: 1, completed: 0, expired: 0 });
      expect((await stats('?campaign=default')).json().stats).toEqual({ sent: 5, opened: 3, completed: 1, expired: 1 });
    });

    it('counts only the caller\'s tenant', async () => {
      expect((await stats('', f.key)).json().stats).toEqual({ sent: 0, opened: 0, completed: 0, expired: 0 });
    });

    it.each([
      ['?from=yesterday', ['from']],
      ['?from=2026-11-01', ['from']],
      ['?to=2026-11-01T00:00:00&from=1', ['from', 'to']],
      ['?campaign=Not%20A%20Slug', ['campaign']],
      ['?campaign=unknown', ['campaign']],
      ['?store=1', ['store']],
      ['?from=2026-11-01T00:00:00Z&from=2026-11-02T00:00:00Z', ['from']],
    ])('400 for %s', async (query, fields) => {
      const res = await stats(query);
      expect(res.statusCode).toBe(400);
      expect(res.json().error.code).toBe('validation_failed');
      expect(res.json().error.fields.map((x: { field: string }) => x.field).sort()).toEqual(fields);
    });
  });

  describe('GET /api/v1/invitations/:id', () => {
    it('returns the invitation with its timeline and delivery attempts', async () => {
      const id = await invite('D-1');
      const db = f.s.deps.db;
      const t0 = new Date('2026-11-23T10:00:05Z');
      await db
        .insertInto('delivery_attempts')
        .values([
          { invitation_id: id, tenant_id: f.tenantId, attempt: 1, lease_token: '00000000-0000-4000-8000-000000000001', channel: 'email', started_at: t0, finished_at: new Date(t0.getTime() + 120), outcome: 'transient', error: '421 try later', duration_ms: 120 },
          { invitation_id: id, tenant_id: f.tenantId, attempt: 2, lease_token: '00000000-0000-4000-8000-000000000002', channel: 'email', started_at: new Date(t0.getTime() + 60_000) },
        ])
        .execute();
      await db.insertInto('invitation_events').values({ invitation_id: id, tenant_id: f.tenantId, type: 'retry', at: new Date(t0.getTime() + 200), data: JSON.stringify({ attempt: 1 }) }).execute();
      await db.updateTable('invitations').set({ attempts: 2, last_error: '421 try later' }).where('id', '=', id).execute();

      const res = await f.api({ method: 'GET', url: `/api/v1/invitations/${id}` });
      expect(res.statusCode).toBe(200);
      const { ok, invitation } = res.json();
      expect(ok).toBe(true);
      expect(invitation).toMatchObject({ id, order_ref: 'D-1', state: 'pending', attempt_count: 2, last_error: '421 try later', review_url: expect.stringMatching(/\/r\//) });
      expect(invitation.timeline).toEqual([
        { type: 'created', at: '2026-11-23T10:00:00.000Z', data: { source: 'api' } },
        { type: 'retry', at: '2026-11-23T10:00:05.200Z', data: { attempt: 1 } },
      ]);
      expect(invitation.attempts).toEqual([
        { attempt: 1, started_at: '2026-11-23T10:00:05.000Z', finished_at: '2026-11-23T10:00:05.120Z', outcome: 'transient', error: '421 try later', duration_ms: 120 },
        { attempt: 2, started_at: '2026-11-23T10:01:05.000Z', finished_at: null, outcome: null, error: null, duration_ms: null },
      ]);
    });

    it('404 for another tenant\'s id, the same as for an id that does not exist', async () => {
      const id = await invite('D-2');
      const stranger = await f.newTenant('Stranger Shop');
      const theirs = await f.api({ method: 'GET', url: `/api/v1/invitations/${id}`, key: stranger.key });
      const missing = await f.api({ method: 'GET', url: '/api/v1/invitations/999999999', key: stranger.key });
      expect(theirs.statusCode).toBe(404);
      expect(missing.statusCode).toBe(404);
      expect(theirs.body).toBe(missing.body);
      expect(theirs.json()).toEqual({ ok: false, error: { code: 'not_found', message: 'Invitation not found' } });
    });

    it.each(['abc', '0', '-1', '1.5', '1e3', '99999999999999999999', '%20'])('404 for the id %s', async (id) => {
      const res = await f.api({ method: 'GET', url: `/api/v1/invitations/${id}` });
      expect(res.statusCode).toBe(404);
      expect(res.json()).toEqual({ ok: false, error: { code: 'not_found', message: 'Invitation not found' } });
    });
  });
});
