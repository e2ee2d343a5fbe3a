/**
 * Pushes the invitation to amino.reviews' invitation API (which then sends its own email):
 * `POST {url}/api/v1/invitations` with `Authorization: Bearer <api key>` and `{email, name, order_ref}`.
 * amino deduplicates on order_ref, so a request whose answer was lost is retried safely: at most one
 * invitation reaches the customer. Its 100-per-hour limit answers 429 with Retry-After.
 * Any service that speaks the same API (another review-invites included) works as the endpoint.
 */
import type { Channel } from '../../app/ports.ts';
import { DeliveryError } from '../../app/ports.ts';
import type { ChannelOptions } from '../registry.ts';
import { classifyHttpResult, postJson } from '../http/post-json.ts';

export const AMINO_DEFAULT_URL = 'https://amino.reviews';

/** amino's published limit: 100 invitations per rolling hour per account. */
export const AMINO_RATE_LIMIT = { maxCount: 100, windowSeconds: 3600 } as const;

export function createAminoChannel(options: ChannelOptions): Channel {
  return {
    id: 'amino',
    rateLimit: AMINO_RATE_LIMIT,
    async deliver(request, ctx) {
      const apiKey = request.destination?.api_key;
      if (typeof apiKey !== 'string' || apiKey === '') throw new DeliveryError('permanent', 'the campaign has no amino destination with an api_key');
      const base = typeof request.destination?.url === 'string' ? request.destination.url : AMINO_DEFAULT_URL;
      const inv = request.invitation;
      const result = await postJson({
        url: `${base.replace(/\/+$/, '')}/api/v1/invitations`,
        body: { email: inv.email, name: inv.name, order_ref: inv.order_ref },
        headers: { authorization: `Bearer ${apiKey}`, accept: 'application/json' },
        timeoutMs: options.config.worker.httpTimeoutMs,
        signal: ctx.signal,
        blockPrivateAddresses: !options.config.allowPrivateWebhooks,
      }).catch((err: unknown) => {
        if (err instanceof DeliveryError && err.kind === 'uncertain') throw new DeliveryError('transient', err.message, { cause: err });
        throw err;
      });
      classifyHttpResult(result, new Date());
      let reviewUrl: string | undefined;
      try {
        const parsed = JSON.parse(result.body) as { review_url?: unknown };
        if (typeof parsed.review_url === 'string') reviewUrl = parsed.review_url;
      } catch {
        // amino answered 2xx: the invitation is accepted even if the body is not what we expect.
      }
      return { providerRef: reviewUrl ?? inv.order_ref, detail: `HTTP ${result.status}` };
    },
  };
}
