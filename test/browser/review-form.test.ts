/**
 * The hosted review form in real Chromium over real HTTP: a customer on a phone with JavaScript off,
 * a keyboard-only customer, the browser's own validation and the server's, and what the page loads.
 * Screenshots land in test/browser/__screenshots__/ (gitignored) for a person to look at.
 */
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import type { Browser, BrowserContext, BrowserContextOptions, Page, Request, Response } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenant } from '../../src/app/tenants.ts';
import { buildHttpApp } from '../../src/http/app.ts';
import { launchBrowser, phone } from '../helpers/browser.ts';
import { createTestClock, createTestServices, type TestServices } from '../helpers/test-services.ts';
import { invitationRow, sentInvitation, type PageInvitation } from '../pages/sent-invitation.ts';

const screenshots = fileURLToPath(new URL('./__screenshots__/', import.meta.url));

// The test tsconfig has no DOM lib: page-side code is passed as strings and its results typed here.
const evaluate = <T>(page: Page, expression: string): Promise<T> => page.evaluate(expression) as Promise<T>;

/**
 * Contrast ratios (WCAG relative luminance) of the form's parts against what is behind them, computed
 * in the page from the colours the browser actually resolved.
 */
const contrastRatios = `(() => {
  const rgb = (c) => c.match(/[\\d.]+/g).slice(0, 3).map(Number);
  const lum = (c) => {
    const [r, g, b] = rgb(c).map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return Math.round(((x + 0.05) / (y + 0.05)) * 100) / 100; };
  const behind = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const bg = getComputedStyle(e).backgroundColor;
      if (!/^rgba\\(.*, 0\\)$/.test(bg) && bg !== 'transparent') return bg;
    }
    return 'rgb(255, 255, 255)';
  };
  const q = (s) => document.querySelector(s);
  const text = (s) => ratio(getComputedStyle(q(s)).color, behind(q(s)));
  // A star's outline, where it has one, is what sets it off from the card.
  const star = (s) => {
    const style = getComputedStyle(q(s));
    return ratio(parseFloat(style.webkitTextStrokeWidth) > 0 ? style.webkitTextStrokeColor : style.color, behind(q(s)));
  };
  const field = q('#title');
  return {
    heading: text('h1'),
    body: text('.card > p:not(.shop)'),
    hint: text('.hint'),
    note: text('.muted'),
    button: text('button'),
    litStar: star('label[for="rating-3"]'),
    unlitStar: star('label[for="rating-5"]'),
    fieldBorder: ratio(getComputedStyle(field).borderTopColor, behind(field.parentElement)),
  };
})()`;

describe('review form in Chromium', () => {
  let s: TestServices;
  let app: FastifyInstance;
  let origin: string;
  let browser: Browser;
  let tenantId: number;
  let orderNo = 0;
  const clock = createTestClock(new Date('2026-11-23T10:00:00Z'));

  beforeAll(async () => {
    mkdirSync(screenshots, { recursive: true });
    [s, browser] = await Promise.all([createTestServices('pglite', { clock }), launchBrowser()]);
    app = await buildHttpApp(s);
    origin = await app.listen({ port: 0, host: '127.0.0.1' });
    tenantId = (await createTenant(s.deps, { name: 'Kaffee & Co' })).tenant.id;
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await s?.dispose();
  });

  const invite = (name: string): Promise<PageInvitation> =>
    sentInvitation(s, tenantId, { email: `customer${++orderNo}@example.com`, name, order_ref: `browser-${orderNo}` });

  const withContext = async (options: BrowserContextOptions, use: (page: Page) => Promise<void>): Promise<void> => {
    const context: BrowserContext = await browser.newContext(options);
    try {
      await use(await context.newPage());
    } finally {
      await context.close();
    }
  };

  const reviewsOf = (invitationId: number) =>
    s.deps.db.selectFrom('reviews').select(['rating', 'title', 'body']).where('invitation_id', '=', invitationId).execute();

  const thanksHeading = (page: Page) => page.getByRole('heading', { level: 1, name: 'Thank you for your review!' });

  it('takes a review on a phone with JavaScript off', async () => {
    const inv = await invite('Jane Doe');
    await withContext({ ...phone, javaScriptEnabled: false }, async (page) => {
      const first = await page.goto(origin + inv.reviewPath);
      expect(first?.status()).toBe(200);
      expect(await page.locator('.shop').textContent()).toBe('Kaffee & Co');
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Review your order from Kaffee & Co');
      expect(await page.getByText('Hi Jane,').count()).toBe(1);

      // Playwright evaluates in its own isolated world, which works with the page's JavaScript off.
      const [scrollWidth, innerWidth] = await evaluate<[number, number]>(page, '[document.documentElement.scrollWidth, window.innerWidth]');
      expect(innerWidth).toBe(390);
      expect(scrollWidth).toBeLessThanOrEqual(innerWidth);

      // The radios are visually hidden; the star labels are what a thumb hits. 44 px: Apple's HIG minimum.
      for (let n = 1; n <= 5; n++) {
        const box = await page.locator(`label[for="rating-${n}"]`).boundingBox();
        expect(box, `star ${n}`).not.toBeNull();
        expect({ n, width: box!.width >= 44, height: box!.height >= 44 }).toEqual({ n, width: true, height: true });
      }
      const button = await page.getByRole('button', { name: 'Send review' }).boundingBox();
      expect(button!.height).toBeGreaterThanOrEqual(44);

      await page.locator('label[for="rating-4"]').tap();
      expect(await page.locator('#rating-4').isChecked()).toBe(true);
      await page.locator('#title').fill('Lovely beans');
      await page.locator('#text').fill('Arrived fast.\nWell packed, tastes great.');
      await page.screenshot({ path: `${screenshots}review-form-phone.png`, fullPage: true });

      await page.getByRole('button', { name: 'Send review' }).tap();
      await thanksHeading(page).waitFor();
      expect(await page.getByText('We have received your review for Kaffee & Co').count()).toBe(1);
      await page.screenshot({ path: `${screenshots}thank-you-phone.png`, fullPage: true });

      expect(await reviewsOf(inv.id)).toEqual([{ rating: 4, title: 'Lovely beans', body: 'Arrived fast.\nWell packed, tastes great.' }]);
      expect((await invitationRow(s, inv.id)).completed_at).toEqual(clock.now());

      // Coming back to the link later: no form again, only the thanks.
      const again = await page.goto(origin + inv.reviewPath);
      expect(again?.status()).toBe(200);
      await thanksHeading(page).waitFor();
      expect(await page.locator('form').count()).toBe(0);
    });
  });

  it('loads nothing but its own document, and sends no Referer with the token', async () => {
    const inv = await invite('Ray Quest');
    await withContext({ ...phone }, async (page) => {
      const requests: Request[] = [];
      const responses: Response[] = [];
      const consoleErrors: string[] = [];
      page.on('request', (r) => requests.push(r));
      page.on('response', (r) => responses.push(r));
      page.on('console', (m) => {
        if (m.type() === 'error') consoleErrors.push(m.text());
      });

      await page.goto(origin + inv.reviewPath);
      await page.locator('label[for="rating-5"]').tap();
      await page.getByRole('button', { name: 'Send review' }).tap();
      await thanksHeading(page).waitFor();

      // The form, its POST, and the page the 303 leads to — nothing else, nothing elsewhere.
      expect(requests.map((r) => `${r.method()} ${r.url()}`)).toEqual([
        `GET ${origin}${inv.reviewPath}`,
        `POST ${origin}${inv.reviewPath}`,
        `GET ${origin}${inv.reviewPath}`,
      ]);
      for (const r of requests) expect(new URL(r.url()).origin).toBe(origin);
      const post = requests[1]!;
      expect((await post.allHeaders())['referer']).toBeUndefined();
      expect((await requests[2]!.allHeaders())['referer']).toBeUndefined();

      expect(responses.map((r) => r.status())).toEqual([200, 303, 200]);
      for (const response of responses) {
        const headers = await response.allHeaders();
        expect(headers['referrer-policy']).toBe('no-referrer');
        const csp = headers['content-security-policy'];
        expect(csp).toContain("default-src 'none'");
        expect(csp).toContain("form-action 'self'");
      }
      // A CSP violation (something the page tried to load or run) would be logged here.
      expect(consoleErrors).toEqual([]);
      expect((await reviewsOf(inv.id)).map((r) => r.rating)).toEqual([5]);
    });
  });

  it('asks for a rating: the browser first, the server when the browser does not', async () => {
    const inv = await invite('Nora Rating');
    await withContext({ ...phone, javaScriptEnabled: false }, async (page) => {
      const posts: string[] = [];
      page.on('request', (r) => {
        if (r.method() === 'POST') posts.push(r.url());
      });
      await page.goto(origin + inv.reviewPath);
      await page.locator('#title').fill('No stars here');
      await page.getByRole('button', { name: 'Send review' }).tap();
      // `required` on the radio group: the browser refuses to submit and marks the group invalid.
      expect(await page.locator('#rating-1:invalid').count()).toBe(1);
      expect(await evaluate<boolean>(page, `document.querySelector('form').checkValidity()`)).toBe(false);
      expect(posts).toEqual([]);

      // A browser without constraint validation (or one that ignores it) posts anyway: the server answers.
      await evaluate(page, `document.querySelector('form').noValidate = true`);
      const [response] = await Promise.all([
        page.waitForResponse((r) => r.request().method() === 'POST'),
        page.getByRole('button', { name: 'Send review' }).tap(),
      ]);
      expect(response.status()).toBe(400);
      // Exactly one POST so far: the first tap really was held back by the browser.
      expect(posts).toHaveLength(1);
      await page.getByRole('alert').waitFor();
      expect(await page.getByRole('alert').textContent()).toContain('Please choose a rating from 1 to 5 stars.');
      expect(await page.locator('#rating-error').textContent()).toBe('Please choose a rating from 1 to 5 stars.');
      expect(await page.locator('#title').inputValue()).toBe('No stars here');
      await page.screenshot({ path: `${screenshots}review-form-error-phone.png`, fullPage: true });
      expect(await reviewsOf(inv.id)).toEqual([]);

      // The re-rendered form still works and keeps what was typed.
      await page.locator('label[for="rating-2"]').tap();
      await page.getByRole('button', { name: 'Send review' }).tap();
      await thanksHeading(page).waitFor();
      expect(await reviewsOf(inv.id)).toEqual([{ rating: 2, title: 'No stars here', body: null }]);
    });
  });

  it('can be filled in with the keyboard alone, with the focused star visibly marked', async () => {
    const inv = await invite('Kim Keys');
    await withContext({ viewport: { width: 1024, height: 768 } }, async (page) => {
      await page.goto(origin + inv.reviewPath);
      const active = () => evaluate<string>(page, 'document.activeElement.id');
      const outline = (n: number) => evaluate<string>(page, `getComputedStyle(document.querySelector('label[for="rating-${n}"]')).outlineStyle`);
      const starColor = (n: number) => evaluate<string>(page, `getComputedStyle(document.querySelector('label[for="rating-${n}"]')).color`);
      const unlit = await starColor(1);

      await page.keyboard.press('Tab');
      expect(await active()).toBe('rating-1');
      expect(await page.locator('input[name="rating"]:checked').count()).toBe(0);
      for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowRight');
      expect(await active()).toBe('rating-4');
      expect(await page.locator('#rating-4').isChecked()).toBe(true);
      await page.keyboard.press('ArrowLeft');
      expect(await page.locator('#rating-3').isChecked()).toBe(true);
      await page.keyboard.press('ArrowRight');
      expect(await page.locator('#rating-4').isChecked()).toBe(true);

      // The focus ring sits on the star the radio belongs to, and only there.
      expect(await evaluate<boolean>(page, `document.querySelector('#rating-4').matches(':focus-visible')`)).toBe(true);
      expect(await outline(4)).toBe('solid');
      expect(await outline(3)).toBe('none');
      // Stars up to the chosen one are lit, the rest are not.
      const lit = await starColor(4);
      expect(lit).not.toBe(unlit);
      expect([await starColor(1), await starColor(2), await starColor(3), await starColor(5)]).toEqual([lit, lit, lit, unlit]);
      await page.locator('.stars').screenshot({ path: `${screenshots}stars-keyboard-focus.png` });

      await page.keyboard.press('Tab');
      expect(await active()).toBe('title');
      await page.keyboard.type('Keyboard friendly');
      await page.keyboard.press('Tab');
      expect(await active()).toBe('text');
      await page.keyboard.type('Never touched the mouse.');
      await page.keyboard.press('Tab');
      expect(await evaluate<string>(page, 'document.activeElement.tagName')).toBe('BUTTON');
      await page.keyboard.press('Enter');
      await thanksHeading(page).waitFor();
    });
    expect(await reviewsOf(inv.id)).toEqual([{ rating: 4, title: 'Keyboard friendly', body: 'Never touched the mouse.' }]);
  });

  it.each(['light', 'dark'] as const)('keeps text and controls readable in %s mode', async (colorScheme) => {
    const inv = await invite('Dana Contrast');
    await withContext({ ...phone, colorScheme, javaScriptEnabled: false }, async (page) => {
      await page.goto(origin + inv.reviewPath);
      await page.locator('label[for="rating-3"]').tap();
      // WCAG 2.x: 4.5:1 for text (1.4.3), 3:1 for what identifies a control or its state (1.4.11).
      const ratios = await evaluate<Record<string, number>>(page, contrastRatios);
      const minimum: Record<string, number> = { heading: 4.5, body: 4.5, hint: 4.5, note: 4.5, button: 4.5, litStar: 3, unlitStar: 3, fieldBorder: 3 };
      expect(Object.keys(ratios).sort()).toEqual(Object.keys(minimum).sort());
      const tooLow = Object.entries(ratios).filter(([part, ratio]) => ratio < minimum[part]!);
      expect(tooLow).toEqual([]);
      if (colorScheme === 'dark') await page.screenshot({ path: `${screenshots}review-form-phone-dark.png`, fullPage: true });
    });
  });
});
