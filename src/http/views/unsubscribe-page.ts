/**
 * The page behind the unsubscribe link. A GET only shows it — mail scanners prefetch links — and the
 * button POSTs back to the same URL, which is what actually unsubscribes.
 */
import type { UnsubscribeTarget } from '../../app/unsubscribe.ts';
import { html } from './html.ts';
import { pageLayout } from './page-layout.ts';
import type { PageStrings } from './page-strings.ts';

export type UnsubscribePageInput = {
  strings: PageStrings;
  target: UnsubscribeTarget;
  /** Shown when a POST arrived without a recognisable confirmation. */
  askAgain?: boolean;
};

export function unsubscribePage({ strings, target, askAgain = false }: UnsubscribePageInput): string {
  const u = strings.unsubscribe;
  if (target.suppressed) {
    return pageLayout({
      strings,
      title: u.doneTitle,
      shopName: target.tenantName,
      body: html`<h1>${u.doneTitle}</h1>\n<p>${u.doneText(target.tenantName, target.maskedEmail)}</p>`,
    });
  }
  const body = html`<h1>${u.pageTitle}</h1>
<p>${u.question(target.tenantName, target.maskedEmail)}</p>
${askAgain && html`<p class="muted" role="alert">${u.confirmHint}</p>`}
<form method="post">
<input type="hidden" name="confirm" value="yes">
<button type="submit">${u.button}</button>
</form>`;
  return pageLayout({ strings, title: u.pageTitle, shopName: target.tenantName, body });
}
