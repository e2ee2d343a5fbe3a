import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { claimInvitations } from '../../src/db/queue/claim-invitations.ts';
import { engines } from '../helpers/test-databases.ts';
import { createTestClock } from '../helpers/test-services.ts';
import { createHttpFixture, type HttpFixture } from '../http/http-fixture.ts';
import { addStore, defaultCampaignId, seedInvitation, seedMany } from './grid-fixtures.ts';

const at = (iso: string) => new Date(iso);
const NOW = '2026-11-23T10:00:00.000Z';

describe.each(engines)('queue grid actions on %s', (engine) => {
  let f: HttpFixture;
  let campaignId: number;
  let wakes = 0;
  let seq = 0;
  const clock = createTestClock(at(NOW));

  beforeAll(async () => {
    f = await createHttpFixture(engine, { clock });
    campaignId = await defaultCampaignId(f.s.deps.db, f.tenantId);
    f.s.wake.on('wake', () => wakes++);
  });
  afterAll(async () => f?.close());
  beforeEach(() => {
    wakes = 0;
  });

  const seed = (s: Partial<Parameters<typeof seedInvitation>[1]> = {}) =>
    seedInvitation(f.s.deps.db, { tenantId: f.tenantId, campaignId, orderRef: `X-${++seq}`, scheduledAt: at('2026-12-01T09:00:00Z'), ...s });
  const post = (url: string, payload?: Record<string, unknown>, key?: string) =>
    f.api({ method: 'POST', url: `/api/v1/invitations${url}`, ...(payload === undefined ? {} : { payload }), ...(key ? { key } : {}) });
  const row = (id: number) => f.s.deps.db.selectFrom('invitations').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const events = async (id: number) =>
    (await f.s.deps.db.selectFrom('invitation_events').select(['type', 'data', 'at']).where('invitation_id', '=', id).orderBy('id').execute()).map((e) => ({ type: e.type, data: e.data, at: e.at.toISOString() }));

  describe('skip', () => {
    it('skips a pending invitation with manual_skip and records the note', async () => {
      const id = await seed();
      const res = await post(`/${id}/skip`, { reason: 'customer asked by phone' });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json().invitation).toMatchObject({ id, state: 'skipped', reason_code: 'manual_skip' });
      expect((await row(id)).state).toBe('skipped');
      expect(await events(id)).toEqual([{ type: 'skipped', data: { reason_code: 'manual_skip', note: 'customer asked by phone' }, at: NOW }]);
    });

    it('needs no body', async () => {
      const id = await seed();
      const res = await post(`/${id}/skip`);
      expect(res.statusCode, res.body).toBe(200);
      expect(await events(id)).toEqual([{ type: 'skipped', data: { reason_code: 'manual_skip' }, at: NOW }]);
    });

    it('409 for an invitation a worker has claimed, which it leaves alone', async () => {
      const id = await seed({ scheduledAt: at('2000-01-01T00:00:00Z') });
      const claim = await claimInvitations(f.s.database.pool, { batchSize: 1, leaseMs: 60_000 });
      expect(claim.claimed.map((c) => c.invitation.id)).toEqual([id]);
      const res = await post(`/${id}/skip`);
      expect(res.statusCode).toBe(409);
      expect(res.json().error).toEqual({ code: 'invalid_state', message: expect.stringMatching(/worker is sending it right now/) });
      expect(await row(id)).toMatchObject({ state: 'sending', reason_code: null, lease_token: claim.claimed[0]!.leaseToken });
      expect(await events(id)).toEqual([]);
    });

    it.each(['sent', 'skipped', 'failed'] as const)('409 for a %s invitation', async (state) => {
      const id = await seed({ state, reasonCode: state === 'sent' ? null : 'suppressed' });
      const res = await post(`/${id}/skip`);
      expect(res.statusCode).toBe(409);
      expect(res.json().error.message).toMatch(new RegExp(`already ${state}`));
      expect((await row(id)).reason_code).toBe(state === 'sent' ? null : 'suppressed');
    });

    it("404 for another tenant's invitation, an unknown id and a non-number", async () => {
      const id = await seed();
      const stranger = await f.newTenant('Stranger');
      for (const [url, key] of [[`/${id}/skip`, stranger.key], ['/99999999/skip', undefined], ['/abc/skip', undefined], [`/${id}/push`, stranger.key], [`/${id}/reschedule`, stranger.key]] as const) {
        const res = await post(url, url.endsWith('reschedule') ? { scheduled_at: '2026-12-24T09:00:00Z' } : undefined, key);
        expect(res.statusCode, url).toBe(404);
        expect(res.json().error.code).toBe('not_found');
      }
      expect((await row(id)).state).toBe('pending');
    });

    it('400 for an overlong note or an unknown field', async () => {
      const id = await seed();
      expect((await post(`/${id}/skip`, { reason: 'x'.repeat(501) })).statusCode).toBe(400);
      expect((await post(`/${id}/skip`, { reason_code: 'suppressed' })).statusCode).toBe(400);
      expect((await row(id)).state).toBe('pending');
    });
  });

  describe('push and reschedule', () => {
    it('push makes a pending invitation due now, records where it was, and wakes the worker', async () => {
      const id = await seed({ scheduledAt: at('2026-12-01T09:00:00Z') });
      const res = await post(`/${id}/push`);
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json().invitation).toMatchObject({ state: 'pending', scheduled_at: NOW });
      expect(await events(id)).toEqual([{ type: 'pushed', data: { from: expect.stringMatching(/^2026-12-01T09:00:00/) }, at: NOW }]);
      expect(wakes).toBe(1);
    });

    it('reschedule moves it and records from and to', async () => {
      const id = await seed({ scheduledAt: at('2026-12-01T09:00:00Z') });
      const res = await post(`/${id}/reschedule`, { scheduled_at: '2026-12-24T09:00:00+01:00' });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json().invitation.scheduled_at).toBe('2026-12-24T08:00:00.000Z');
      const [event] = await events(id);
      expect(event!.type).toBe('rescheduled');
      expect(new Date((event!.data as { to: string }).to).toISOString()).toBe('2026-12-24T08:00:00.000Z');
      expect(new Date((event!.data as { from: string }).from).toISOString()).toBe('2026-12-01T09:00:00.000Z');
      expect(wakes).toBe(0);
    });

    it.each([{}, { scheduled_at: '2026-12-24' }, { scheduled_at: '2026-12-24T09:00:00' }, { scheduled_at: 'soon' }])('reschedule 400 for %j', async (payload) => {
      const id = await seed();
      const res = await post(`/${id}/reschedule`, payload);
      expect(res.statusCode).toBe(400);
      expect(res.json().error.fields.map((x: { field: string }) => x.field)).toEqual(['scheduled_at']);
    });

    it('409 for push and reschedule of an invitation that is no longer pending', async () => {
      const id = await seed({ state: 'sent', sentAt: at('2026-11-20T09:00:00Z') });
      expect((await post(`/${id}/push`)).statusCode).toBe(409);
      expect((await post(`/${id}/reschedule`, { scheduled_at: '2026-12-24T09:00:00Z' })).statusCode).toBe(409);
      expect(await events(id)).toEqual([]);
    });
  });

  describe('bulk', () => {
    it('acts on the pending invitations of a filter only, each with its event', async () => {
      const db = f.s.deps.db;
      const store = await addStore(db, f.tenantId, 'bulk-store');
      const pending = [await seed({ storeId: store }), await seed({ storeId: store }), await seed({ storeId: store })];
      const sent = await seed({ storeId: store, state: 'sent', sentAt: at('2026-11-20T09:00:00Z') });
      const elsewhere = await seed();
      const res = await post('/bulk', { action: 'skip', filter: { store: 'bulk-store' }, reason: 'store closed' });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toEqual({ ok: true, matched: 4, changed: 3 });
      for (const id of pending) {
        expect(await row(id)).toMatchObject({ state: 'skipped', reason_code: 'manual_skip' });
        expect(await events(id)).toEqual([{ type: 'skipped', data: { reason_code: 'manual_skip', note: 'store closed' }, at: NOW }]);
      }
      expect((await row(sent)).state).toBe('sent');
      expect((await row(elsewhere)).state).toBe('pending');
      // Again: nothing pending is left to change.
      expect((await post('/bulk', { action: 'skip', filter: { store: 'bulk-store' } })).json()).toEqual({ ok: true, matched: 4, changed: 0 });
    });

    it('pushes every overdue invitation past one batch, and wakes the worker', async () => {
      const other = await f.newTenant('Bulk Shop');
      const db = f.s.deps.db;
      const otherCampaign = await defaultCampaignId(db, other.tenantId);
      await seedMany(db, other.tenantId, otherCampaign, 'OVER', 2100, at('2026-11-22T09:00:00Z'));
      await seedMany(db, other.tenantId, otherCampaign, 'LATER', 5, at('2026-11-30T09:00:00Z'));
      const res = await post('/bulk', { action: 'push', filter: { status: 'overdue' } }, other.key);
      expect(res.json()).toEqual({ ok: true, matched: 2100, changed: 2100 });
      expect(wakes).toBe(1);
      const counts = await db
        .selectFrom('invitations')
        .select((eb) => ['scheduled_at', eb.fn.countAll<number>().as('n')])
        .where('tenant_id', '=', other.tenantId)
        .groupBy('scheduled_at')
        .orderBy('scheduled_at')
        .execute();
      expect(counts.map((c) => [c.scheduled_at.toISOString(), Number(c.n)])).toEqual([[NOW, 2100], ['2026-11-30T09:00:00.000Z', 5]]);
      const pushedEvents = await db.selectFrom('invitation_events').select((eb) => eb.fn.countAll<number>().as('n')).where('tenant_id', '=', other.tenantId).where('type', '=', 'pushed').executeTakeFirstOrThrow();
      expect(Number(pushedEvents.n)).toBe(2100);
      // The first tenant's queue is another tenant's business.
      expect((await post('/bulk', { action: 'push', filter: { order_ref: 'OVER-1' } })).json()).toEqual({ ok: true, matched: 0, changed: 0 });
    });

    it('reschedules on a filter', async () => {
      const a = await seed({ scheduledAt: at('2027-01-05T09:00:00Z') });
      const b = await seed({ scheduledAt: at('2027-01-06T09:00:00Z') });
      const res = await post('/bulk', { action: 'reschedule', scheduled_at: '2027-02-01T09:00:00Z', filter: { scheduled_from: '2027-01-01T00:00:00Z', scheduled_to: '2027-01-31T00:00:00Z' } });
      expect(res.json()).toEqual({ ok: true, matched: 2, changed: 2 });
      expect((await row(a)).scheduled_at.toISOString()).toBe('2027-02-01T09:00:00.000Z');
      expect((await row(b)).scheduled_at.toISOString()).toBe('2027-02-01T09:00:00.000Z');
    });

    it.each([
      [{ action: 'skip', filter: {} }, ['filter']],
      [{ action: 'explode', filter: { status: 'pending' } }, ['action']],
      [{ action: 'reschedule', filter: { status: 'pending' } }, ['scheduled_at']],
      [{ action: 'push', filter: { status: 'pending' }, reason: 'x' }, ['reason']],
      [{ action: 'skip', filter: { status: 'pending' }, scheduled_at: '2027-02-01T09:00:00Z' }, ['scheduled_at']],
      [{ action: 'skip', filter: { store: 'nowhere', status: 'nope' } }, ['filter.status', 'filter.store']],
      [{ action: 'skip', filter: { colour: 'red' } }, ['filter.colour']],
      [{ action: 'skip' }, ['filter']],
    ])('400 for %j', async (payload, fields) => {
      const res = await post('/bulk', payload);
      expect(res.statusCode).toBe(400);
      expect(res.json().error.fields.map((x: { field: string }) => x.field).sort()).toEqual(fields);
    });
  });
});
