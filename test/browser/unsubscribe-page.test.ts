/**
 * The unsubscribe page in real Chromium over real HTTP, on a phone with JavaScript off: opening the
 * link changes nothing (mail scanners open links too); the confirm button does.
 */
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenant } from '../../src/app/tenants.ts';
import { buildHttpApp } from '../../src/http/app.ts';
import { launchBrowser, phone } from '../helpers/browser.ts';
import { createTestClock, createTestServices, type TestServices } from '../helpers/test-services.ts';
import { eventTypes, sentInvitation } from '../pages/sent-invitation.ts';

const screenshots = fileURLToPath(new URL('./__screenshots__/', import.meta.url));

describe('unsubscribe page in Chromium', () => {
  let s: TestServices;
  let app: FastifyInstance;
  let origin: string;
  let browser: Browser;
  let tenantId: number;
  const clock = createTestClock(new Date('2026-11-23T10:00:00Z'));

  beforeAll(async () => {
    mkdirSync(screenshots, { recursive: true });
    [s, browser] = await Promise.all([createTestServices('pglite', { clock }), launchBrowser()]);
    app = await buildHttpApp(s);
    origin = await app.listen({ port: 0, host: '127.0.0.1' });
    tenantId = (await createTenant(s.deps, { name: 'Garden Goods' })).tenant.id;
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await s?.dispose();
  });

  const suppression = (emailNorm: string) =>
    s.deps.db.selectFrom('suppressions').select(['reason', 'source']).where('tenant_id', '=', tenantId).where('email_norm', '=', emailNorm).executeTakeFirst();

  it('asks first, and unsubscribes only when the button is pressed', async () => {
    const inv = await sentInvitation(s, tenantId, { email: 'Lena@Example.com', name: 'Lena', order_ref: 'unsub-browser-1' });
    const context = await browser.newContext({ ...phone, javaScriptEnabled: false });
    try {
      const page = await context.newPage();
      const shown = await page.goto(origin + inv.unsubscribePath);
      expect(shown?.status()).toBe(200);
      expect((await shown!.allHeaders())['referrer-policy']).toBe('no-referrer');
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Stop review requests');
      expect(await page.getByText('from Garden Goods at l***@example.com?').count()).toBe(1);
      const button = page.getByRole('button', { name: 'Unsubscribe' });
      expect(await button.isVisible()).toBe(true);
      expect((await button.boundingBox())!.height).toBeGreaterThanOrEqual(44);
      await page.screenshot({ path: `${screenshots}unsubscribe-phone.png`, fullPage: true });
      expect(await suppression('lena@example.com')).toBeUndefined();

      const [answer] = await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), button.tap()]);
      expect(answer.status()).toBe(200);
      await page.getByRole('heading', { level: 1, name: 'You are unsubscribed' }).waitFor();
      expect(await page.getByText('Garden Goods will not send review requests to l***@example.com any more.').count()).toBe(1);
      expect(await page.locator('form').count()).toBe(0);
      await page.screenshot({ path: `${screenshots}unsubscribed-phone.png`, fullPage: true });
    } finally {
      await context.close();
    }
    expect(await suppression('lena@example.com')).toEqual({ reason: 'unsubscribed', source: 'page' });
    expect(await eventTypes(s, inv.id)).toEqual(['created', 'unsubscribed']);
  });
});
