import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInvitation } from '../../src/app/create-invitation.ts';
import { createTenant } from '../../src/app/tenants.ts';
import { buildHttpApp } from '../../src/http/app.ts';
import { engines } from '../helpers/test-databases.ts';
import { createTestClock, createTestServices, type TestServices } from '../helpers/test-services.ts';
import { eventTypes, invitationRow, pendingInvitation, sentInvitation } from './sent-invitation.ts';

const urlencoded = { 'content-type': 'application/x-www-form-urlencoded' };
const later = '2026-12-20T09:00:00Z';

/** The RFC 8058 §8.3 example body (errata applied), as mailbox providers send it. */
function multipartOneClick(): { headers: Record<string, string>; payload: string } {
  const boundary = '-FormBoundaryjWmhtjORrn';
  const payload = `--${boundary}\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\nOne-Click\r\n--${boundary}--\r\n`;
  return { headers: { 'content-type': `multipart/form-data; boundary=${boundary}` }, payload };
}

describe.each(engines)('unsubscribe on %s', (engine) => {
  let s: TestServices;
  let app: FastifyInstance;
  let tenantId: number;
  let otherTenantId: number;
  const clock = createTestClock(new Date('2026-11-23T10:00:00Z'));
  beforeAll(async () => {
    s = await createTestServices(engine, { clock });
    app = await buildHttpApp(s);
    tenantId = (await createTenant(s.deps, { name: 'Garden Goods' })).tenant.id;
    otherTenantId = (await createTenant(s.deps, { name: 'Other Shop' })).tenant.id;
  });
  afterAll(async () => {
    await app?.close();
    await s?.dispose();
  });

  const suppression = (tenant: number, emailNorm: string) =>
    s.deps.db.selectFrom('suppressions').select(['reason', 'source']).where('tenant_id', '=', tenant).where('email_norm', '=', emailNorm).executeTakeFirst();

  it('shows a confirm page on GET and HEAD, and changes nothing', async () => {
    const inv = await sentInvitation(s, tenantId, { email: 'Look@Example.com', name: 'Look', order_ref: 'get-1' });
    const queued = await pendingInvitation(s, tenantId, { email: 'look@example.com', name: 'Look', order_ref: 'get-2', send_at: later });
    const page = await app.inject({ method: 'GET', url: inv.unsubscribePath });
    expect(page.statusCode).toBe(200);
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.headers['referrer-policy']).toBe('no-referrer');
    expect(page.body).toContain('Garden Goods');
    expect(page.body).toContain('l***@example.com');
    expect(page.body).not.toContain('look@example.com');
    expect(page.body).toMatch(/<form method="post">\s*<input type="hidden" name="confirm" value="yes">\s*<button type="submit">Unsubscribe<\/button>/);
    expect((await app.inject({ method: 'HEAD', url: inv.unsubscribePath })).statusCode).toBe(200);
    expect(await suppression(tenantId, 'look@example.com')).toBeUndefined();
    expect((await invitationRow(s, queued.id)).state).toBe('pending');
  });

  it('one-click POST (urlencoded) answers 200, suppresses for this tenant only and skips what is queued', async () => {
    const inv = await sentInvitation(s, tenantId, { email: 'jane@example.com', name: 'Jane', order_ref: 'oc-1' });
    const queued = await pendingInvitation(s, tenantId, { email: 'JANE@example.com', name: 'Jane', order_ref: 'oc-2', send_at: later });
    const someoneElse = await pendingInvitation(s, tenantId, { email: 'john@example.com', name: 'John', order_ref: 'oc-3', send_at: later });
    const otherShop = await pendingInvitation(s, otherTenantId, { email: 'jane@example.com', name: 'Jane', order_ref: 'oc-4', send_at: later });

    const res = await app.inject({ method: 'POST', url: inv.unsubscribePath, headers: urlencoded, payload: 'List-Unsubscribe=One-Click' });
    expect(res.statusCode).toBe(200);
    expect(res.headers.location).toBeUndefined();
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(res.body).toContain('You are unsubscribed');
    expect(await suppression(tenantId, 'jane@example.com')).toEqual({ reason: 'unsubscribed', source: 'one-click' });
    expect(await invitationRow(s, queued.id)).toMatchObject({ state: 'skipped', reason_code: 'suppressed' });
    expect(await eventTypes(s, queued.id)).toEqual(['created', 'skipped']);
    expect(await eventTypes(s, inv.id)).toEqual(['created', 'unsubscribed']);
    expect((await invitationRow(s, someoneElse.id)).state).toBe('pending');
    expect((await invitationRow(s, otherShop.id)).state).toBe('pending');
    expect(await suppression(otherTenantId, 'jane@example.com')).toBeUndefined();

    // Providers retry: the same answer, nothing new recorded.
    const again = await app.inject({ method: 'POST', url: inv.unsubscribePath, headers: urlencoded, payload: 'List-Unsubscribe=One-Click' });
    expect(again.statusCode).toBe(200);
    expect(await eventTypes(s, inv.id)).toEqual(['created', 'unsubscribed']);

    // A later invitation to the address is created already skipped.
    const next = await createInvitation(s.deps, tenantId, { email: 'jane@example.com', name: 'Jane', order_ref: 'oc-5' });
    expect(next.invitation).toMatchObject({ state: 'skipped', reason_code: 'suppressed' });
    // And the unsubscribe page now says so, still without changing anything.
    expect((await app.inject({ method: 'GET', url: inv.unsubscribePath })).body).toContain('You are unsubscribed');
  });

  it('records simultaneous one-click POSTs once', async () => {
    const inv = await sentInvitation(s, tenantId, { email: 'burst@example.com', name: 'Burst', order_ref: 'burst-1' });
    const results = await Promise.all([1, 2, 3].map(() => app.inject({ method: 'POST', url: inv.unsubscribePath, headers: urlencoded, payload: 'List-Unsubscribe=One-Click' })));
    expect(results.map((r) => r.statusCode)).toEqual([200, 200, 200]);
    expect(await eventTypes(s, inv.id)).toEqual(['created', 'unsubscribed']);
  });

  it('accepts the multipart one-click body too', async () => {
    const inv = await sentInvitation(s, tenantId, { email: 'multi@example.com', name: 'Multi', order_ref: 'mp-1' });
    const queued = await pendingInvitation(s, tenantId, { email: 'multi@example.com', name: 'Multi', order_ref: 'mp-2', send_at: later });
    const res = await app.inject({ method: 'POST', url: inv.unsubscribePath, ...multipartOneClick() });
    expect(res.statusCode).toBe(200);
    expect(await suppression(tenantId, 'multi@example.com')).toEqual({ reason: 'unsubscribed', source: 'one-click' });
    expect(await invitationRow(s, queued.id)).toMatchObject({ state: 'skipped', reason_code: 'suppressed' });
  });

  it('unsubscribes from the confirm button, in German for a German invitation', async () => {
    const inv = await sentInvitation(s, tenantId, { email: 'hans@example.de', name: 'Hans', order_ref: 'page-1', locale: 'de' });
    const page = await app.inject({ method: 'GET', url: inv.unsubscribePath });
    expect(page.body).toContain('<html lang="de">');
    expect(page.body).toContain('Abmelden');
    const res = await app.inject({ method: 'POST', url: inv.unsubscribePath, headers: urlencoded, payload: 'confirm=yes' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('Sie sind abgemeldet');
    expect(await suppression(tenantId, 'hans@example.de')).toEqual({ reason: 'unsubscribed', source: 'page' });
  });

  it('does not unsubscribe on a POST that asks for nothing, and refuses a broken multipart body', async () => {
    const inv = await sentInvitation(s, tenantId, { email: 'vague@example.com', name: 'Vague', order_ref: 'bad-1' });
    const vague = await app.inject({ method: 'POST', url: inv.unsubscribePath, headers: urlencoded, payload: 'List-Unsubscribe=Maybe' });
    expect(vague.statusCode).toBe(400);
    expect(vague.body).toContain('Please confirm with the button below.');
    const empty = await app.inject({ method: 'POST', url: inv.unsubscribePath });
    expect(empty.statusCode).toBe(400);
    const broken = await app.inject({ method: 'POST', url: inv.unsubscribePath, headers: { 'content-type': 'multipart/form-data' }, payload: 'List-Unsubscribe=One-Click' });
    expect(broken.statusCode).toBe(400);
    const huge = await app.inject({ method: 'POST', url: inv.unsubscribePath, headers: urlencoded, payload: `List-Unsubscribe=One-Click&pad=${'x'.repeat(20_000)}` });
    expect(huge.statusCode).toBe(413);
    const { headers } = multipartOneClick();
    const hugeMultipart = await app.inject({ method: 'POST', url: inv.unsubscribePath, headers, payload: multipartOneClick().payload + 'x'.repeat(20_000) });
    expect(hugeMultipart.statusCode).toBe(413);
    expect(await suppression(tenantId, 'vague@example.com')).toBeUndefined();
  });

  it('answers every invalid token with the same 404 page and suppresses nothing', async () => {
    const inv = await sentInvitation(s, tenantId, { email: 'safe@example.com', name: 'Safe', order_ref: 'inv-1' });
    const [id, mac] = inv.unsubscribePath.slice('/u/'.length).split('.') as [string, string];
    const paths = [
      `/u/${id}.${mac.slice(0, -1)}${mac.endsWith('A') ? 'B' : 'A'}`,
      `/u/${(Number.parseInt(id, 36) + 1000).toString(36)}.${mac}`,
      `/u/${s.deps.links.unsubscribeToken(987654)}`,
      `/u/${id}`,
      `${inv.unsubscribePath}/`,
      '/u/',
      `/u/${'z'.repeat(300)}`,
    ];
    const base = await app.inject({ method: 'GET', url: '/u/nonsense' });
    expect(base.statusCode).toBe(404);
    expect(base.body).toContain('This link is not valid');
    expect(base.body).not.toContain('Garden Goods');
    for (const url of paths) {
      const get = await app.inject({ method: 'GET', url });
      expect({ url, status: get.statusCode, body: get.body }).toEqual({ url, status: 404, body: base.body });
      const post = await app.inject({ method: 'POST', url, headers: urlencoded, payload: 'List-Unsubscribe=One-Click' });
      expect({ url, status: post.statusCode, body: post.body }).toEqual({ url, status: 404, body: base.body });
    }
    expect(await suppression(tenantId, 'safe@example.com')).toBeUndefined();
  });
});
