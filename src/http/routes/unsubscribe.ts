/**
 * The unsubscribe link `/u/:token` (RFC 8058). `GET` shows a page with a confirm button and changes
 * nothing — mail scanners prefetch links. `POST` unsubscribes when its body is the one-click pair
 * `List-Unsubscribe=One-Click` (urlencoded or multipart, as mailbox providers send it) or the page's
 * own `confirm=yes`; it answers 200 with a page and never redirects (a redirected POST turns into a
 * GET), needs no cookie, and repeating it is harmless. Invalid tokens all get the same 404 page.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../../main.ts';
import { findUnsubscribeTarget, unsubscribe, type UnsubscribeSource } from '../../app/unsubscribe.ts';
import { formField, registerFormBodies } from '../plugins/form-bodies.ts';
import { messagePage } from '../views/message-page.ts';
import { pageStrings, pageStringsForBrowser } from '../views/page-strings.ts';
import { pageHeaders, sendPage } from '../views/send-page.ts';
import { unsubscribePage } from '../views/unsubscribe-page.ts';

type TokenParams = { token?: string; '*'?: string };

// Pages for people, not API operations; the tokens in their paths are kept out of the log by the
// app's request serializer.
const pageRoute = { schema: { hide: true } };

/** Which kind of unsubscribe a POST body asks for, if any. */
function sourceOf(body: unknown): UnsubscribeSource | undefined {
  if (formField(body, 'List-Unsubscribe')?.trim() === 'One-Click') return 'one-click';
  if (formField(body, 'confirm') === 'yes') return 'page';
  return undefined;
}

export async function unsubscribeRoutes(app: FastifyInstance, opts: { services: Services }): Promise<void> {
  const deps = opts.services.deps;
  // The one-click body is 26 bytes (a few hundred as multipart); anything bigger is not one.
  await registerFormBodies(app, { bodyLimit: 8 * 1024, multipart: true });
  app.addHook('onRequest', async (_request, reply) => {
    reply.headers(pageHeaders);
  });

  const token = (request: FastifyRequest<{ Params: TokenParams }>): string => request.params.token ?? request.params['*'] ?? '';

  const invalid = (request: FastifyRequest, reply: FastifyReply) => {
    const strings = pageStringsForBrowser(request.headers['accept-language']);
    return sendPage(reply, 404, messagePage({ strings, title: strings.unsubscribe.invalidTitle, text: strings.unsubscribe.invalidText }));
  };

  const show = async (request: FastifyRequest<{ Params: TokenParams }>, reply: FastifyReply) => {
    const target = await findUnsubscribeTarget(deps, token(request));
    if (!target) return invalid(request, reply);
    return sendPage(reply, 200, unsubscribePage({ strings: pageStrings(target.locale), target }));
  };

  const confirm = async (request: FastifyRequest<{ Params: TokenParams }>, reply: FastifyReply) => {
    const source = sourceOf(request.body);
    if (source === undefined) {
      // Not a one-click request and not our button: ask the person instead of guessing.
      const target = await findUnsubscribeTarget(deps, token(request));
      if (!target) return invalid(request, reply);
      return sendPage(reply, 400, unsubscribePage({ strings: pageStrings(target.locale), target, askAgain: true }));
    }
    const result = await unsubscribe(deps, token(request), source);
    if (result.kind === 'invalid') return invalid(request, reply);
    return sendPage(reply, 200, unsubscribePage({ strings: pageStrings(result.target.locale), target: result.target }));
  };

  app.get('/u/:token', pageRoute, show);
  app.post('/u/:token', pageRoute, confirm);
  app.get('/u/*', pageRoute, show);
  app.post('/u/*', pageRoute, confirm);
}
