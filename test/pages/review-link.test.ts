import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { invitationStats } from '../../src/app/invitation-stats.ts';
import { createTenant } from '../../src/app/tenants.ts';
import { buildHttpApp } from '../../src/http/app.ts';
import { engines } from '../helpers/test-databases.ts';
import { createTestClock, createTestServices, type TestServices } from '../helpers/test-services.ts';
import { eventTypes, invitationRow, pendingInvitation, sentInvitation } from './sent-invitation.ts';

const form = { 'content-type': 'application/x-www-form-urlencoded' };

describe.each(engines)('review link on %s', (engine) => {
  let s: TestServices;
  let app: FastifyInstance;
  let tenantId: number;
  const clock = createTestClock(new Date('2026-11-23T10:00:00Z'));
  beforeAll(async () => {
    s = await createTestServices(engine, { clock });
    app = await buildHttpApp(s);
    tenantId = (await createTenant(s.deps, { name: 'Kaffee & Co' })).tenant.id;
  });
  afterAll(async () => {
    await app?.close();
    await s?.dispose();
  });

  it('stamps opened on the first GET only, and never on HEAD', async () => {
    const inv = await sentInvitation(s, tenantId, { email: 'jane@example.com', name: 'Jane Doe', order_ref: 'open-1' });
    const head = await app.inject({ method: 'HEAD', url: inv.reviewPath });
    expect(head.statusCode).toBe(200);
    expect((await invitationRow(s, inv.id)).opened_at).toBeNull();

    const firstAt = clock.now();
    const first = await app.inject({ method: 'GET', url: inv.reviewPath });
    expect(first.statusCode).toBe(200);
    expect(first.body).toContain('Hi Jane,');
    expect(first.body).toContain('Kaffee &amp; Co');
    clock.advance(60_000);
    await app.inject({ method: 'GET', url: inv.reviewPath });
    await app.inject({ method: 'HEAD', url: inv.reviewPath });
    expect((await invitationRow(s, inv.id)).opened_at).toEqual(firstAt);
    expect(await eventTypes(s, inv.id)).toEqual(['created', 'opened']);
  });

  it('counts simultaneous first GETs as one open', async () => {
    const inv = await sentInvitation(s, tenantId, { email: 'twice@example.com', name: 'Twice', order_ref: 'open-2' });
    const pages = await Promise.all([1, 2, 3].map(() => app.inject({ method: 'GET', url: inv.reviewPath })));
    expect(pages.map((p) => p.statusCode)).toEqual([200, 200, 200]);
    expect(await eventTypes(s, inv.id)).toEqual(['created', 'opened']);
  });

  it('serves a self-contained, locked-down, accessible form', async () => {
    const inv = await sentInvitation(s, tenantId, { email: 'ann@example.com', name: 'Ann', order_ref: 'form-1' });
    const res = await app.inject({ method: 'GET', url: inv.reviewPath });
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['content-security-policy']).toBe("default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'");
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['x-robots-tag']).toContain('noindex');
    const html = res.body;
    // Nothing is fetched from anywhere: no external src/href/action, no scripts, images, fonts.
    expect(html).not.toMatch(/\b(?:src|href|action)\s*=\s*["']?\s*(?:[a-z][a-z0-9+.-]*:|\/\/)/i);
    expect(html).not.toMatch(/<script|<img|<link|<iframe|@import|url\(/i);
    expect(html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    expect(html).toMatch(/<fieldset[^>]*>\s*<legend>Your rating/);
    for (let n = 1; n <= 5; n++) {
      expect(html).toContain(`<input type="radio" id="rating-${n}" name="rating" value="${n}"`);
      expect(html).toContain(`<label class="star" for="rating-${n}"`);
    }
    expect(html).toContain('<label for="title">');
    expect(html).toContain('<label for="text">');
    expect(html).toContain('<form method="post">');
  });

  it('escapes everything it did not write itself', async () => {
    const evil = (await createTenant(s.deps, { name: 'Shop "<b>bold</b>"' })).tenant.id;
    const inv = await sentInvitation(s, evil, { email: 'x@example.com', name: '<script>alert(1)</script> Doe', order_ref: 'xss-1' });
    const res = await app.inject({ method: 'GET', url: inv.reviewPath });
    expect(res.body).not.toContain('<script>');
    expect(res.body).not.toContain('<b>bold');
    expect(res.body).toContain('Hi &lt;script&gt;alert(1)&lt;/script&gt;,');
    expect(res.body).toContain('Shop &quot;&lt;b&gt;bold&lt;/b&gt;&quot;');
  });

  it('stores the review with completed (and opened) in one go, then says "already received"', async () => {
    const inv = await sentInvitation(s, tenantId, { email: 'joe@example.com', name: 'Joe Bloggs', order_ref: 'submit-1' });
    const at = clock.now();
    const post = await app.inject({ method: 'POST', url: inv.reviewPath, headers: form, payload: 'rating=4&title=Great+beans&text=Line+one%0D%0ALine+two' });
    expect(post.statusCode).toBe(303);
    expect(post.headers.location).toBe(inv.token);
    const reviews = await s.deps.db.selectFrom('reviews').selectAll().where('invitation_id', '=', inv.id).execute();
    expect(reviews).toMatchObject([{ rating: 4, title: 'Great beans', body: 'Line one\nLine two', status: 'pending', author_name: 'Joe B.', tenant_id: tenantId }]);
    const row = await invitationRow(s, inv.id);
    expect(row.completed_at).toEqual(at);
    expect(row.opened_at).toEqual(at);
    expect(row.state).toBe('sent');
    expect(await eventTypes(s, inv.id)).toEqual(['created', 'opened', 'completed']);

    const after = await app.inject({ method: 'GET', url: inv.reviewPath });
    expect(after.statusCode).toBe(200);
    expect(after.body).toContain('Thank you for your review!');
    expect(after.body).not.toContain('<form');

    clock.advance(1000);
    const again = await app.inject({ method: 'POST', url: inv.reviewPath, headers: form, payload: 'rating=1&title=Changed' });
    expect(again.statusCode).toBe(200);
    expect(again.body).toContain('We already received your review');
    expect(await s.deps.db.selectFrom('reviews').select(['rating', 'title']).where('invitation_id', '=', inv.id).execute()).toEqual([{ rating: 4, title: 'Great beans' }]);
    expect((await invitationRow(s, inv.id)).completed_at).toEqual(at);
    expect(await eventTypes(s, inv.id)).toEqual(['created', 'opened', 'completed']);
  });

  it('re-renders the form with the problems and the entered values (400), storing nothing', async () => {
    const inv = await sentInvitation(s, tenantId, { email: 'kim@example.com', name: 'Kim', order_ref: 'invalid-1' });
    const payload = new URLSearchParams({ rating: '7', title: 'Mine <b>', text: 'x'.repeat(5001) }).toString();
    const res = await app.inject({ method: 'POST', url: inv.reviewPath, headers: form, payload });
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('Please choose a rating from 1 to 5 stars.');
    expect(res.body).toContain('Please keep your review to 5000 characters or fewer.');
    expect(res.body).toContain('value="Mine &lt;b&gt;"');
    expect(res.body).toContain('x'.repeat(5001));
    expect(res.body).toContain('<textarea id="text" name="text" rows="7" maxlength="5000" aria-invalid="true" aria-describedby="text-error">');
    expect(res.headers['content-security-policy']).toContain("default-src 'none'");

    const control = await app.inject({ method: 'POST', url: inv.reviewPath, headers: form, payload: 'rating=3&title=a%0Ab&text=ok%00' });
    expect(control.statusCode).toBe(400);
    expect(control.body).toContain('The title contains characters we cannot accept');
    expect(control.body).toContain('Your review contains characters we cannot accept.');
    expect(control.body).toContain('id="rating-3" name="rating" value="3" checked>');

    const missing = await app.inject({ method: 'POST', url: inv.reviewPath, headers: form, payload: `title=${'t'.repeat(151)}` });
    expect(missing.statusCode).toBe(400);
    expect(missing.body).toContain('Please keep the title to 150 characters or fewer.');
    expect(missing.body).toContain('Please choose a rating');

    expect(await s.deps.db.selectFrom('reviews').select('id').where('invitation_id', '=', inv.id).execute()).toEqual([]);
    expect((await invitationRow(s, inv.id)).completed_at).toBeNull();
  });

  it('accepts a rating alone, and speaks German to a German invitation', async () => {
    const inv = await sentInvitation(s, tenantId, { email: 'max@example.de', name: 'Max Mustermann', order_ref: 'de-1', locale: 'de-DE' });
    const page = await app.inject({ method: 'GET', url: inv.reviewPath });
    expect(page.body).toContain('<html lang="de">');
    expect(page.body).toContain('Hallo Max,');
    expect(page.body).toContain('Bewertung senden');
    const post = await app.inject({ method: 'POST', url: inv.reviewPath, headers: form, payload: 'rating=5' });
    expect(post.statusCode).toBe(303);
    const thanks = await app.inject({ method: 'GET', url: inv.reviewPath });
    expect(thanks.body).toContain('Vielen Dank für Ihre Bewertung!');
    expect(await s.deps.db.selectFrom('reviews').select(['rating', 'title', 'body']).where('invitation_id', '=', inv.id).execute()).toEqual([{ rating: 5, title: null, body: null }]);
  });

  it('opens the form of a not-yet-sent invitation without counting it, and a review there cancels the send', async () => {
    const inv = await pendingInvitation(s, tenantId, { email: 'early@example.com', name: 'Early Bird', order_ref: 'pending-1', send_at: '2026-12-01T09:00:00Z' });
    const page = await app.inject({ method: 'GET', url: inv.reviewPath });
    expect(page.statusCode).toBe(200);
    expect((await invitationRow(s, inv.id)).opened_at).toBeNull();
    const post = await app.inject({ method: 'POST', url: inv.reviewPath, headers: form, payload: 'rating=5' });
    expect(post.statusCode).toBe(303);
    const row = await invitationRow(s, inv.id);
    expect(row).toMatchObject({ state: 'skipped', reason_code: 'review_completed' });
    expect(row.opened_at).not.toBeNull();
    expect(await eventTypes(s, inv.id)).toEqual(['created', 'opened', 'completed', 'skipped']);
  });

  it('turns simultaneous submissions into one review', async () => {
    const inv = await sentInvitation(s, tenantId, { email: 'race@example.com', name: 'Race', order_ref: 'race-1' });
    const results = await Promise.all(
      [1, 2, 3, 4, 5].map((n) => app.inject({ method: 'POST', url: inv.reviewPath, headers: form, payload: `rating=${n}` })),
    );
    expect(results.map((r) => r.statusCode).sort()).toEqual([200, 200, 200, 200, 303]);
    expect(await s.deps.db.selectFrom('reviews').select('id').where('invitation_id', '=', inv.id).execute()).toHaveLength(1);
    expect((await eventTypes(s, inv.id)).filter((t) => t === 'completed')).toHaveLength(1);
  });

  it('keeps the funnel honest: every completed invitation counts as opened', async () => {
    const stats = await invitationStats(s.deps, tenantId);
    expect(stats.completed).toBeGreaterThan(0);
    const completedNotOpened = await s.deps.db
      .selectFrom('invitations')
      .select('id')
      .where('completed_at', 'is not', null)
      .where('opened_at', 'is', null)
      .execute();
    expect(completedNotOpened).toEqual([]);
    expect(stats.opened).toBeGreaterThanOrEqual(stats.completed);
  });
});
