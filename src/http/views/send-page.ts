/**
 * How every customer-facing page leaves the server. The headers keep the token in the URL to
 * ourselves (no Referer, no cache, no search index) and lock the page down to what it needs: its
 * own inline styles and a form that posts back to us. Nothing else may load or run.
 */
import type { FastifyReply } from 'fastify';

export const pageHeaders: Readonly<Record<string, string>> = {
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
  'x-robots-tag': 'noindex, nofollow',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
};

export function sendPage(reply: FastifyReply, status: number, page: string): FastifyReply {
  return reply.code(status).headers(pageHeaders).type('text/html; charset=utf-8').send(page);
}
