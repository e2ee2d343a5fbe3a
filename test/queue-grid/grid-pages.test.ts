import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engines } from '../helpers/test-databases.ts';
import { createTestClock } from '../helpers/test-services.ts';
import { createHttpFixture, type HttpFixture } from '../http/http-fixture.ts';
import { defaultCampaignId, seedInvitation, seedMany } from './grid-fixtures.ts';

type Row = { id: number; order_ref: string; scheduled_at: string; created_at: string; sent_at: string | null };

const at = (iso: string) => new Date(iso);

describe.each(engines)('queue grid keyset pages on %s', (engine) => {
  let f: HttpFixture;
  let campaignId: number;
  let inserted = 0;
  const clock = createTestClock(at('2026-11-23T10:00:00Z'));

  beforeAll(async () => {
    f = await createHttpFixture(engine, { clock });
    const db = f.s.deps.db;
    campaignId = await defaultCampaignId(db, f.tenantId);
    // Ties everywhere: 3 rows per scheduled_at, sent_at shared by pairs, and 12 rows created within
    // the same millisecond (microseconds apart), which a millisecond cursor would skip.
    for (let i = 0; i < 18; i++) {
      const sent = i % 3 === 0;
      await seedInvitation(db, {
        tenantId: f.tenantId, campaignId, orderRef: `P-${i}`,
        state: sent ? 'sent' : 'pending',
        scheduledAt: at(`2026-11-${String(10 + Math.floor(i / 3)).padStart(2, '0')}T09:00:00Z`),
        sentAt: sent ? at(`2026-11-${String(10 + Math.floor(i / 6)).padStart(2, '0')}T09:30:00Z`) : null,
        createdAt: at(`2026-11-0${1 + (i % 4)}T00:00:00Z`),
      });
    }
    await seedMany(db, f.tenantId, campaignId, 'M', 12, at('2026-11-12T09:00:00Z'));
  });
  afterAll(async () => f?.close());

  async function page(query: string): Promise<{ invitations: Row[]; next_cursor: string | null }> {
    const res = await f.api({ method: 'GET', url: `/api/v1/invitations?${query}` });
    expect(res.statusCode, res.body).toBe(200);
    return res.json();
  }

  /** Rows in the order the grid promises: by value (unsent last under sent_at), then id. */
  function compare(sort: string, order: string) {
    const dir = order === 'asc' ? 1 : -1;
    return (a: Row, b: Row): number => {
      if (sort !== 'id') {
        const va = a[sort as 'scheduled_at' | 'created_at' | 'sent_at'];
        const vb = b[sort as 'scheduled_at' | 'created_at' | 'sent_at'];
        if (va === null || vb === null) {
          if (va !== vb) return va === null ? 1 : -1;
        } else if (va !== vb) return va < vb ? -dir : dir;
      }
      return (a.id - b.id) * dir;
    };
  }

  it.each([
    ['scheduled_at', 'asc'], ['scheduled_at', 'desc'], ['created_at', 'asc'], ['created_at', 'desc'],
    ['sent_at', 'asc'], ['sent_at', 'desc'], ['id', 'asc'], ['id', 'desc'],
  ])('sort=%s order=%s: no duplicates and no gaps while rows are inserted between pages', async (sort, order) => {
    const before = (await page(`sort=${sort}&order=${order}&limit=500`)).invitations;
    const seen: Row[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const p = await page(`sort=${sort}&order=${order}&limit=4${cursor ? `&cursor=${cursor}` : ''}`);
      expect(p.invitations.length).toBeLessThanOrEqual(4);
      seen.push(...p.invitations);
      cursor = p.next_cursor;
      pages++;
      // New rows land before, among and after the rows already read.
      inserted++;
      await seedInvitation(f.s.deps.db, {
        tenantId: f.tenantId, campaignId, orderRef: `NEW-${inserted}`,
        scheduledAt: at(`2026-11-${String(9 + (inserted % 9)).padStart(2, '0')}T09:00:00Z`),
        createdAt: at(`2026-11-0${1 + (inserted % 4)}T00:00:00Z`),
      });
    } while (cursor !== null && pages < 100);
    expect(cursor).toBeNull();
    const ids = seen.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    const seenIds = new Set(ids);
    expect(before.filter((r) => !seenIds.has(r.id)).map((r) => r.order_ref)).toEqual([]);
    expect([...seen].sort(compare(sort, order)).map((r) => r.id)).toEqual(ids);
  });

  it('the last page says so, and limit defaults to 50', async () => {
    const all = await page('limit=500');
    const n = all.invitations.length;
    expect(all.next_cursor).toBeNull();
    const first = await page('');
    expect(first.invitations).toHaveLength(Math.min(50, n));
    const exact = await page(`limit=${n}`);
    expect(exact.next_cursor).toBeNull();
  });

  it('a cursor only continues the sort it was made for', async () => {
    const p = await page('sort=scheduled_at&order=asc&limit=2');
    expect(p.next_cursor).not.toBeNull();
    for (const query of [`sort=scheduled_at&order=desc&cursor=${p.next_cursor}`, `sort=id&order=asc&cursor=${p.next_cursor}`, `cursor=${p.next_cursor}`]) {
      const res = await f.api({ method: 'GET', url: `/api/v1/invitations?${query}` });
      expect(res.statusCode).toBe(400);
      expect(res.json().error.fields[0].field).toBe('cursor');
    }
    const forged = Buffer.from(JSON.stringify(['scheduled_at', 'asc', 1, "2026-11-01'; DROP TABLE invitations;--"])).toString('base64url');
    const res = await f.api({ method: 'GET', url: `/api/v1/invitations?sort=scheduled_at&order=asc&cursor=${forged}` });
    expect(res.statusCode).toBe(400);
  });
});
