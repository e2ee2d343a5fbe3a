import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engines } from '../helpers/test-databases.ts';
import { createTestClock } from '../helpers/test-services.ts';
import { createHttpFixture, type HttpFixture } from '../http/http-fixture.ts';
import { addCampaign, addStore, defaultCampaignId, seedInvitation, seedMany } from './grid-fixtures.ts';

const at = (iso: string) => new Date(iso);

describe.each(engines)('queue grid filters on %s', (engine) => {
  let f: HttpFixture;
  let other: { tenantId: number; key: string };
  const ids: Record<string, number> = {};
  const clock = createTestClock(at('2026-11-23T10:00:00Z'));

  beforeAll(async () => {
    f = await createHttpFixture(engine, { clock });
    const db = f.s.deps.db;
    const t = f.tenantId;
    const def = await defaultCampaignId(db, t);
    const vip = await addCampaign(db, t, 'vip');
    const berlin = await addStore(db, t, 'berlin');
    const paris = await addStore(db, t, 'paris');
    const seed = async (ref: string, s: Omit<Parameters<typeof seedInvitation>[1], 'tenantId' | 'orderRef'>) => {
      ids[ref] = await seedInvitation(db, { tenantId: t, orderRef: ref, ...s });
    };
    await seed('A-1', { campaignId: def, storeId: berlin, placedAt: at('2026-11-01T08:00:00Z'), firstName: 'Jane', lastName: 'Doe', email: 'jane@shop.test', scheduledAt: at('2026-11-20T09:00:00Z') });
    await seed('A-2', { campaignId: def, storeId: berlin, placedAt: at('2026-11-10T08:00:00Z'), firstName: 'Max', lastName: 'Mustermann', email: 'max_mus@example.com', scheduledAt: at('2026-11-30T09:00:00Z') });
    await seed('A-3', { campaignId: vip, storeId: paris, placedAt: at('2026-11-05T08:00:00Z'), firstName: 'Anna', lastName: '100%', email: 'anna@example.com', state: 'sent', scheduledAt: at('2026-11-15T10:00:00Z'), sentAt: at('2026-11-15T10:05:00Z') });
    await seed('A-4', { campaignId: def, storeId: paris, state: 'skipped', reasonCode: 'manual_skip', scheduledAt: at('2026-11-16T10:00:00Z') });
    await seed('A-5', { campaignId: def, firstName: '=1+1', lastName: '@SUM(A1)', state: 'failed', reasonCode: 'attempts_exhausted', lastError: '=HYPERLINK("http://evil.test","x")', scheduledAt: at('2026-11-17T10:00:00Z') });
    await seed('A-6', { campaignId: vip, storeId: berlin, state: 'sending', scheduledAt: at('2026-11-22T10:00:00Z') });
    await seed('A-7', { campaignId: def, lastName: 'Back\\slash', state: 'sent', scheduledAt: at('2026-11-10T10:00:00Z'), sentAt: at('2026-11-10T10:00:01Z') });

    other = await f.newTenant('Other Shop');
    const otherStore = await addStore(db, other.tenantId, 'berlin');
    ids['B-1'] = await seedInvitation(db, { tenantId: other.tenantId, campaignId: await defaultCampaignId(db, other.tenantId), orderRef: 'B-1', storeId: otherStore, firstName: 'Jane', email: 'jane@other.test', scheduledAt: at('2026-11-20T09:00:00Z') });
  });
  afterAll(async () => f?.close());

  async function list(query: string, key?: string) {
    const res = await f.api({ method: 'GET', url: `/api/v1/invitations${query}`, ...(key ? { key } : {}) });
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as { ok: true; invitations: Array<Record<string, unknown>>; next_cursor: string | null };
  }
  const refs = async (query: string, key?: string) => (await list(query, key)).invitations.map((r) => r.order_ref).sort();

  it("lists only the caller's invitations, newest first by default", async () => {
    const page = await list('');
    expect(page.invitations.map((r) => r.order_ref)).toEqual(['A-7', 'A-6', 'A-5', 'A-4', 'A-3', 'A-2', 'A-1']);
    expect(page.next_cursor).toBeNull();
    expect(await refs('', other.key)).toEqual(['B-1']);
  });

  it("carries the eKomi grid's columns and the queue's own", async () => {
    const [row] = (await list('?order_ref=A-3')).invitations;
    expect(row).toEqual({
      id: ids['A-3'], order_ref: 'A-3', store: 'paris', first_name: 'Anna', last_name: '100%', email: 'anna@example.com',
      order_date: '2026-11-05T08:00:00.000Z', campaign: 'vip', scheduled_at: '2026-11-15T10:00:00.000Z', sent_at: '2026-11-15T10:05:00.000Z',
      review_url: expect.stringMatching(/^https:\/\/reviews\.example\.test\/r\/[A-Za-z0-9_-]{43}$/), status: 'sent', reason_code: null,
      destination: 'hosted', channel: 'email', attempts: 0, last_error: null, created_at: expect.any(String),
    });
  });

  it.each([
    ['?status=pending', ['A-1', 'A-2']],
    ['?status=pending,sent', ['A-1', 'A-2', 'A-3', 'A-7']],
    ['?status=sent&status=failed', ['A-3', 'A-5', 'A-7']],
    ['?status=sending', ['A-6']],
    ['?status=overdue', ['A-1']],
    ['?status=overdue,sent', ['A-1', 'A-3', 'A-7']],
    ['?status=overdue,pending', ['A-1', 'A-2']],
    ['?store=berlin', ['A-1', 'A-2', 'A-6']],
    ['?store=paris&status=skipped', ['A-4']],
    ['?campaign=vip', ['A-3', 'A-6']],
    ['?campaign=default&store=paris', ['A-4']],
    ['?order_ref=A-2', ['A-2']],
    ['?q=jane', ['A-1']],
    ['?q=MAX_MUS', ['A-2']],
    ['?q=mustermann%20jane', []],
    ['?q=Max%20Muster', ['A-2']],
    ['?q=_', ['A-2']],
    ['?q=%25', ['A-3']],
    ['?q=%5C', ['A-7']],
    ['?q=shop.test', ['A-1']],
    ['?order_date_from=2026-11-04T00:00:00Z&order_date_to=2026-11-10T08:00:00Z', ['A-3']],
    ['?order_date_from=2026-11-04T00:00:00Z', ['A-2', 'A-3']],
    ['?scheduled_from=2026-11-16T10:00:00Z&scheduled_to=2026-11-22T10:00:00Z', ['A-1', 'A-4', 'A-5']],
    ['?sent_from=2026-11-10T10:00:01Z', ['A-3', 'A-7']],
    ['?sent_to=2026-11-15T10:00:00%2B01:00', ['A-7']],
    ['?reason_code=manual_skip', ['A-4']],
    ['?reason_code=attempts_exhausted&status=failed&store=berlin', []],
  ])('filters %s', async (query, expected) => {
    expect(await refs(query)).toEqual(expected);
  });

  it.each([
    ['?sort=scheduled_at&order=asc', ['A-7', 'A-3', 'A-4', 'A-5', 'A-1', 'A-6', 'A-2']],
    ['?sort=scheduled_at&order=desc', ['A-2', 'A-6', 'A-1', 'A-5', 'A-4', 'A-3', 'A-7']],
    ['?sort=id&order=asc', ['A-1', 'A-2', 'A-3', 'A-4', 'A-5', 'A-6', 'A-7']],
    ['?sort=created_at&order=asc', ['A-1', 'A-2', 'A-3', 'A-4', 'A-5', 'A-6', 'A-7']],
    // Sent ones first in both directions, then the unsent by id in the same direction.
    ['?sort=sent_at&order=desc', ['A-3', 'A-7', 'A-6', 'A-5', 'A-4', 'A-2', 'A-1']],
    ['?sort=sent_at&order=asc', ['A-7', 'A-3', 'A-1', 'A-2', 'A-4', 'A-5', 'A-6']],
  ])('sorts %s', async (query, expected) => {
    expect((await list(query)).invitations.map((r) => r.order_ref)).toEqual(expected);
  });

  it.each([
    ['?status=bogus', ['status']],
    ['?store=nowhere', ['store']],
    ['?campaign=nope&reason_code=not_a_reason', ['campaign', 'reason_code']],
    ['?scheduled_from=2026-11-01', ['scheduled_from']],
    ['?sent_to=yesterday&order_date_from=2026-11-01T00:00:00', ['order_date_from', 'sent_to']],
    ['?limit=0', ['limit']],
    ['?limit=501', ['limit']],
    ['?sort=name', ['sort']],
    ['?order=up', ['order']],
    ['?cursor=not-a-cursor', ['cursor']],
    ['?colour=red', ['colour']],
  ])('400 for %s naming the fields', async (query, fields) => {
    const res = await f.api({ method: 'GET', url: `/api/v1/invitations${query}` });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('validation_failed');
    expect(res.json().error.fields.map((x: { field: string }) => x.field).sort()).toEqual(fields);
  });

  it("never lists another tenant's invitations, whatever the filter", async () => {
    expect(await refs('?q=jane', other.key)).toEqual(['B-1']);
    expect(await refs('?order_ref=A-1', other.key)).toEqual([]);
    expect(await refs('?store=berlin', other.key)).toEqual(['B-1']);
    const res = await f.api({ method: 'GET', url: '/api/v1/invitations?campaign=vip', key: other.key });
    expect(res.statusCode).toBe(400);
  });

  it('401 without a key', async () => {
    const res = await f.app.inject({ method: 'GET', url: '/api/v1/invitations' });
    expect(res.statusCode).toBe(401);
  });

  describe('CSV export', () => {
    it('streams every matching row with a header, formulas neutralised', async () => {
      const res = await f.api({ method: 'GET', url: '/api/v1/invitations.csv?status=failed,sent&sort=id&order=asc' });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
      expect(res.headers['content-disposition']).toBe('attachment; filename="invitations.csv"');
      const lines = res.body.split('\r\n');
      expect(lines.at(-1)).toBe('');
      expect(lines[0]).toBe('id,order_ref,store,first_name,last_name,email,order_date,campaign,scheduled_at,sent_at,review_url,status,reason_code,destination,channel,attempts,last_error,created_at');
      expect(lines.slice(1, -1).map((l) => l.split(',')[1])).toEqual(['A-3', 'A-5', 'A-7']);
      const failed = lines[2]!;
      expect(failed).toContain(`${ids['A-5']},A-5,,'=1+1,'@SUM(A1),a-5@example.com,,default,2026-11-17T10:00:00.000Z,,https://reviews.example.test/r/`);
      expect(failed).toContain(',failed,attempts_exhausted,hosted,email,0,"\'=HYPERLINK(""http://evil.test"",""x"")",');
      expect(res.body).not.toMatch(/(^|,)[=+@-]/m);
    });

    it('?format=csv is the same export', async () => {
      const a = await f.api({ method: 'GET', url: '/api/v1/invitations.csv?store=berlin' });
      const b = await f.api({ method: 'GET', url: '/api/v1/invitations?store=berlin&format=csv' });
      expect(b.statusCode).toBe(200);
      expect(b.headers['content-type']).toBe('text/csv; charset=utf-8');
      expect(b.body).toBe(a.body);
      expect(a.body.split('\r\n')).toHaveLength(5);
    });

    it('has no page limit', async () => {
      const db = f.s.deps.db;
      const t = other.tenantId;
      const campaignId = await defaultCampaignId(db, t);
      await seedMany(db, t, campaignId, 'BULK', 1205, at('2026-12-01T00:00:00Z'));
      const res = await f.api({ method: 'GET', url: '/api/v1/invitations.csv?q=example.com&sort=id&order=asc', key: other.key });
      const rows = res.body.split('\r\n').slice(1, -1);
      expect(rows).toHaveLength(1205);
      expect(new Set(rows.map((r) => r.split(',')[1])).size).toBe(1205);
    });

    it('a bad filter is a 400 before any CSV is written', async () => {
      const res = await f.api({ method: 'GET', url: '/api/v1/invitations.csv?store=nowhere' });
      expect(res.statusCode).toBe(400);
      expect(res.json().error.fields).toEqual([{ field: 'store', message: 'unknown store "nowhere"' }]);
    });
  });
});
