/**
 * The signed outgoing webhook channel: POSTs the due invitation (customer, order, review link) to the
 * campaign's endpoint so any ESP or automation tool can send it. Signed per Standard Webhooks; the
 * `webhook-id` is the invitation's, stable across retries, so receivers deduplicate on it — which is
 * why a request that went out but got no answer is safe to retry (transient, not uncertain).
 */
import type { Channel, DeliveryRequest } from '../../app/ports.ts';
import { DeliveryError } from '../../app/ports.ts';
import type { ChannelOptions } from '../registry.ts';
import { classifyHttpResult, postJson } from '../http/post-json.ts';
import { signWebhook } from './sign-webhook.ts';

export function webhookPayload(request: DeliveryRequest): Record<string, unknown> {
  const inv = request.invitation;
  return {
    type: 'invitation.due',
    timestamp: new Date().toISOString(),
    data: {
      invitation_id: inv.id,
      order_ref: inv.order_ref,
      email: inv.email,
      name: inv.name,
      first_name: inv.first_name,
      last_name: inv.last_name,
      locale: inv.locale,
      review_url: request.reviewUrl,
      unsubscribe_url: request.unsubscribeUrl,
      campaign: { id: request.campaign.id, slug: request.campaign.slug, name: request.campaign.name },
      tenant: { id: request.tenant.id, slug: request.tenant.slug, name: request.tenant.name },
    },
  };
}

export function createWebhookChannel(options: ChannelOptions): Channel {
  return {
    id: 'webhook',
    async deliver(request, ctx) {
      const url = request.destination?.url;
      const secret = request.destination?.secret;
      if (typeof url !== 'string' || typeof secret !== 'string') {
        throw new DeliveryError('permanent', 'the campaign has no webhook destination with a url and a secret');
      }
      const id = `inv_${request.invitation.id}`;
      const timestamp = Math.floor(Date.now() / 1000);
      const payload = webhookPayload(request);
      const body = JSON.stringify(payload);
      const result = await postJson({
        url,
        body,
        headers: { 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': signWebhook(secret, id, timestamp, body) },
        timeoutMs: options.config.worker.httpTimeoutMs,
        signal: ctx.signal,
        blockPrivateAddresses: !options.config.allowPrivateWebhooks,
      }).catch((err: unknown) => {
        // The endpoint deduplicates on webhook-id, so a lost answer is simply retried.
        if (err instanceof DeliveryError && err.kind === 'uncertain') throw new DeliveryError('transient', err.message, { cause: err });
        throw err;
      });
      classifyHttpResult(result, new Date());
      return { providerRef: id, detail: `HTTP ${result.status}` };
    },
  };
}
