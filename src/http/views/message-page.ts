/** A page that only says something: thank you, already received, expired, unsubscribed, not valid. */
import { html } from './html.ts';
import { pageLayout } from './page-layout.ts';
import type { PageStrings } from './page-strings.ts';

export type MessagePageInput = {
  strings: PageStrings;
  title: string;
  text: string;
  /** Omit on pages that must look the same whichever invitation, if any, the token belonged to. */
  shopName?: string | null | undefined;
};

export function messagePage({ strings, title, text, shopName }: MessagePageInput): string {
  return pageLayout({ strings, title, shopName, body: html`<h1>${title}</h1>\n<p>${text}</p>` });
}
