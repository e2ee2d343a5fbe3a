import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engines } from '../helpers/test-databases.ts';
import { createHttpFixture, type HttpFixture } from './http-fixture.ts';

describe.each(engines)('GET /api/v1/outbox on %s', (engine) => {
  let f: HttpFixture;
  let other: { tenantId: number; key: string };
  beforeAll(async () => {
    f = await createHttpFixture(engine);
    other = await f.newTenant('Other Shop');
    const row = (tenantId: number, n: number) => ({
      tenant_id: tenantId,
      message_id: `<inv-${tenantId}-${n}@shop.example>`,
      mail_from: 'Example Shop <reviews@shop.example>',
      mail_to: `Customer ${n} <c${n}@example.com>`,
      subject: `How was order ${n}?`,
      text_body: `text ${n}`,
      html_body: `<p>html ${n}</p>`,
      headers: JSON.stringify({ 'List-Unsubscribe': `<https://reviews.example.test/u/${n}>` }),
      created_at: new Date(Date.UTC(2026, 10, 23, 10, n)),
    });
    // Interleaved so a missing tenant filter would show up in the pages.
    for (let n = 1; n <= 5; n++) await f.s.deps.db.insertInto('outbox').values([row(f.tenantId, n), row(other.tenantId, n)]).execute();
  });
  afterAll(async () => f?.close());

  it('lists this tenant\'s captured emails, newest first, with every column', async () => {
    const res = await f.api({ method: 'GET', url: '/api/v1/outbox' });
    expect(res.statusCode).toBe(200);
    const { ok, messages, next_cursor } = res.json();
    expect(ok).toBe(true);
    expect(next_cursor).toBeNull();
    expect(messages.map((m: { subject: string }) => m.subject)).toEqual([5, 4, 3, 2, 1].map((n) => `How was order ${n}?`));
    expect(messages[0]).toEqual({
      id: expect.any(Number),
      invitation_id: null,
      message_id: `<inv-${f.tenantId}-5@shop.example>`,
      from: 'Example Shop <reviews@shop.example>',
      to: 'Customer 5 <c5@example.com>',
      subject: 'How was order 5?',
      text: 'text 5',
      html: '<p>html 5</p>',
      headers: { 'List-Unsubscribe': '<https://reviews.example.test/u/5>' },
      created_at: '2026-11-23T10:05:00.000Z',
    });
  });

  it('pages with cursor and limit without skipping or repeating', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await f.api({ method: 'GET', url: `/api/v1/outbox?limit=2${cursor ? `&cursor=${cursor}` : ''}`, key: other.key });
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(body.messages.length).toBeLessThanOrEqual(2);
      seen.push(...body.messages.map((m: { message_id: string }) => m.message_id));
      cursor = body.next_cursor;
      pages++;
    } while (cursor !== null);
    expect(pages).toBe(3);
    expect(seen).toEqual([5, 4, 3, 2, 1].map((n) => `<inv-${other.tenantId}-${n}@shop.example>`));
  });

  it.each(['?limit=0', '?limit=101', '?limit=ten', '?cursor=abc', '?cursor=-1', '?page=2'])('400 for %s', async (query) => {
    const res = await f.api({ method: 'GET', url: `/api/v1/outbox${query}` });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('validation_failed');
  });
});
