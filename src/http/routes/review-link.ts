/**
 * The review link: `GET /r/:token` shows the hosted form (stamping "opened" on the first GET, never
 * on HEAD), `POST /r/:token` stores the review and redirects (303) back to the GET, which then says
 * thank you — so a reload never re-posts. Every token that cannot be used — unknown, malformed,
 * another tenant's, withdrawn or expired — gets the same 410 page, and anything else under /r/
 * (trailing slash, extra segments) does too.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../../main.ts';
import { openReviewLink, type ReviewLinkPage } from '../../app/open-review-link.ts';
import { submitReview } from '../../app/submit-review.ts';
import { formField, registerFormBodies } from '../plugins/form-bodies.ts';
import { messagePage } from '../views/message-page.ts';
import { pageStrings, pageStringsForBrowser } from '../views/page-strings.ts';
import { reviewFormPage } from '../views/review-form-page.ts';
import { pageHeaders, sendPage } from '../views/send-page.ts';

type TokenParams = { token?: string; '*'?: string };

// Pages for people, not API operations; the tokens in their paths are kept out of the log by the
// app's request serializer.
const pageRoute = { schema: { hide: true } };

export async function reviewLinkRoutes(app: FastifyInstance, opts: { services: Services }): Promise<void> {
  const deps = opts.services.deps;
  // 5000 characters of review text, percent-encoded as 4-byte UTF-8, fit well inside this.
  await registerFormBodies(app, { bodyLimit: 96 * 1024 });
  app.addHook('onRequest', async (_request, reply) => {
    reply.headers(pageHeaders);
  });

  const token = (request: FastifyRequest<{ Params: TokenParams }>): string => request.params.token ?? request.params['*'] ?? '';

  const expired = (request: FastifyRequest, reply: FastifyReply) => {
    const strings = pageStringsForBrowser(request.headers['accept-language']);
    return sendPage(reply, 410, messagePage({ strings, title: strings.review.expiredTitle, text: strings.review.expiredText }));
  };
  const thanks = (reply: FastifyReply, page: ReviewLinkPage, already: boolean) => {
    const t = pageStrings(page.locale).review;
    const [title, text] = already ? [t.alreadyTitle, t.alreadyText(page.tenantName)] : [t.thanksTitle, t.thanksText(page.tenantName)];
    return sendPage(reply, 200, messagePage({ strings: pageStrings(page.locale), title, text, shopName: page.tenantName }));
  };

  const show = async (request: FastifyRequest<{ Params: TokenParams }>, reply: FastifyReply) => {
    // Fastify answers HEAD through this handler; a HEAD is a scanner or a preview, not the customer.
    const state = await openReviewLink(deps, token(request), { countOpen: request.method === 'GET' });
    if (state.kind === 'invalid') return expired(request, reply);
    if (state.kind === 'completed') return thanks(reply, state.page, false);
    return sendPage(reply, 200, reviewFormPage({ strings: pageStrings(state.page.locale), page: state.page }));
  };

  const submit = async (request: FastifyRequest<{ Params: TokenParams }>, reply: FastifyReply) => {
    const input = { rating: formField(request.body, 'rating'), title: formField(request.body, 'title'), text: formField(request.body, 'text') };
    const result = await submitReview(deps, token(request), input);
    switch (result.kind) {
      case 'invalid':
        return expired(request, reply);
      case 'already_received':
        return thanks(reply, result.page, true);
      case 'rejected':
        return sendPage(reply, 400, reviewFormPage({ strings: pageStrings(result.page.locale), page: result.page, values: input, problems: result.problems }));
      case 'stored':
        // Relative to /r/<token>, so it stays right behind a proxy that mounts us under a path prefix.
        return reply.code(303).header('location', token(request)).send();
    }
  };

  app.get('/r/:token', pageRoute, show);
  app.post('/r/:token', pageRoute, submit);
  app.get('/r/*', pageRoute, show);
  app.post('/r/*', pageRoute, submit);
}
