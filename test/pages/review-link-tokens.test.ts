import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenant } from '../../src/app/tenants.ts';
import { buildHttpApp } from '../../src/http/app.ts';
import { engines } from '../helpers/test-databases.ts';
import { createTestClock, createTestServices, type TestServices } from '../helpers/test-services.ts';
import { invitationRow, sentInvitation } from './sent-invitation.ts';

const form = { 'content-type': 'application/x-www-form-urlencoded' };
const DAY_MS = 24 * 60 * 60 * 1000;

describe.each(engines)('review link tokens on %s', (engine) => {
  let s: TestServices;
  let app: FastifyInstance;
  let tenantId: number;
  let otherTenantId: number;
  const clock = createTestClock(new Date('2026-11-23T10:00:00Z'));
  beforeAll(async () => {
    s = await createTestServices(engine, { clock });
    app = await buildHttpApp(s);
    tenantId = (await createTenant(s.deps, { name: 'Shop One' })).tenant.id;
    otherTenantId = (await createTenant(s.deps, { name: 'Shop Two' })).tenant.id;
  });
  afterAll(async () => {
    await app?.close();
    await s?.dispose();
  });

  it('answers an expired link with a friendly 410 page and records nothing', async () => {
    const inv = await sentInvitation(s, tenantId, { email: 'late@example.com', name: 'Late', order_ref: 'exp-1' }, { expiresInDays: 2 });
    clock.advance(2 * DAY_MS + 1000);
    const get = await app.inject({ method: 'GET', url: inv.reviewPath });
    expect(get.statusCode).toBe(410);
    expect(get.body).toContain('This review link has expired');
    expect(get.headers['cache-control']).toBe('no-store');
    expect(get.headers['content-security-policy']).toContain("default-src 'none'");
    const post = await app.inject({ method: 'POST', url: inv.reviewPath, headers: form, payload: 'rating=5' });
    expect(post.statusCode).toBe(410);
    const row = await invitationRow(s, inv.id);
    expect(row.opened_at).toBeNull();
    expect(row.completed_at).toBeNull();
    expect(await s.deps.db.selectFrom('reviews').select('id').where('invitation_id', '=', inv.id).execute()).toEqual([]);
  });

  it('closes the window at expires_at, the boundary the expiry task uses', async () => {
    const inv = await sentInvitation(s, tenantId, { email: 'edge@example.com', name: 'Edge', order_ref: 'exp-0' }, { expiresInDays: 1 });
    const { expires_at } = await invitationRow(s, inv.id);
    clock.set(new Date(expires_at!.getTime() - 1));
    expect((await app.inject({ method: 'GET', url: inv.reviewPath })).statusCode).toBe(200);
    clock.set(expires_at!);
    expect((await app.inject({ method: 'GET', url: inv.reviewPath })).statusCode).toBe(410);
  });

  it('treats a stamped expired_at as expired even before expires_at', async () => {
    const inv = await sentInvitation(s, tenantId, { email: 'stamp@example.com', name: 'Stamp', order_ref: 'exp-2' });
    await s.deps.db.updateTable('invitations').set({ expired_at: clock.now() }).where('id', '=', inv.id).execute();
    expect((await app.inject({ method: 'GET', url: inv.reviewPath })).statusCode).toBe(410);
  });

  it('still says "already received" for a completed invitation after its window', async () => {
    const inv = await sentInvitation(s, tenantId, { email: 'done@example.com', name: 'Done', order_ref: 'exp-3' }, { expiresInDays: 1 });
    expect((await app.inject({ method: 'POST', url: inv.reviewPath, headers: form, payload: 'rating=4' })).statusCode).toBe(303);
    clock.advance(3 * DAY_MS);
    const get = await app.inject({ method: 'GET', url: inv.reviewPath });
    expect(get.statusCode).toBe(200);
    expect(get.body).toContain('Thank you for your review!');
    const post = await app.inject({ method: 'POST', url: inv.reviewPath, headers: form, payload: 'rating=4' });
    expect(post.statusCode).toBe(200);
    expect(post.body).toContain('We already received your review');
  });

  it('makes unknown, malformed, forged, withdrawn and expired tokens indistinguishable', async () => {
    const live = await sentInvitation(s, tenantId, { email: 'live@example.com', name: 'Live', order_ref: 'tok-1' });
    const expired = await sentInvitation(s, tenantId, { email: 'old@example.com', name: 'Old', order_ref: 'tok-2' }, { expiresInDays: 1 });
    await s.deps.db.updateTable('invitations').set({ expires_at: new Date(clock.now().getTime() - 1000) }).where('id', '=', expired.id).execute();
    const skipped = await sentInvitation(s, tenantId, { email: 'skip@example.com', name: 'Skip', order_ref: 'tok-3' });
    await s.deps.db.updateTable('invitations').set({ state: 'skipped', reason_code: 'order_cancelled', sent_at: null }).where('id', '=', skipped.id).execute();
    const campaignId = (await invitationRow(s, live.id)).campaign_id;
    // The same order and campaign under another tenant's id: a token our server could have made, for a row that is not there.
    const forged = s.deps.links.reviewToken({ tenantId: otherTenantId, campaignId, orderRef: 'tok-1' });
    const flipped = [...live.token].map((c) => (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase())).join('');
    const paths = [
      expired.reviewPath,
      skipped.reviewPath,
      `/r/${'A'.repeat(43)}`,
      `/r/${forged}`,
      `/r/${flipped}`,
      `/r/${live.token}=`,
      `/r/${live.token}/`,
      `/r/${live.token}/extra`,
      `/r/${'x'.repeat(500)}`,
      '/r/abc',
      // ('/r/%2e%2e' is not here: the injector, like browsers, resolves it to '/' before sending.)
      '/r/..%2F..%2Fetc',
      '/r/%00',
      '/r/',
    ];
    const base = await app.inject({ method: 'GET', url: '/r/unknown-token' });
    expect(base.statusCode).toBe(410);
    expect(base.body).toContain('This review link has expired');
    expect(base.body).not.toContain('Shop One');
    for (const url of paths) {
      const get = await app.inject({ method: 'GET', url });
      expect({ url, status: get.statusCode, body: get.body, type: get.headers['content-type'] }).toEqual({ url, status: 410, body: base.body, type: base.headers['content-type'] });
      const post = await app.inject({ method: 'POST', url, headers: form, payload: 'rating=5' });
      expect({ url, status: post.statusCode, body: post.body }).toEqual({ url, status: 410, body: base.body });
    }
    expect(await s.deps.db.selectFrom('reviews').select('id').where('invitation_id', 'in', [expired.id, skipped.id, live.id]).execute()).toEqual([]);
    expect((await invitationRow(s, live.id)).opened_at).toBeNull();
  });

  it('speaks the browser language on pages that must not reveal the invitation', async () => {
    const res = await app.inject({ method: 'GET', url: '/r/nope', headers: { 'accept-language': 'fr-FR, de;q=0.8, en;q=0.5' } });
    expect(res.statusCode).toBe(410);
    expect(res.body).toContain('Dieser Bewertungslink ist abgelaufen');
  });
});
