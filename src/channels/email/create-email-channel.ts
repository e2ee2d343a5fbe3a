/**
 * The email channel: renders the invitation (LiquidJS, English/German defaults, campaign overrides)
 * and sends it over SMTP — or captures it in the outbox when no SMTP_URL is configured.
 *
 * Every message: HTML + plain text; From = MAIL_FROM; To = the customer's name and address (nodemailer
 * encodes the name; names can never hold CR/LF); a Message-ID derived from the invitation, stable
 * across retries; RFC 8058 one-click unsubscribe (`List-Unsubscribe` with exactly one HTTPS URL and
 * `List-Unsubscribe-Post: List-Unsubscribe=One-Click`) besides the visible link in the body.
 */
import { DeliveryError, type Channel } from '../../app/ports.ts';
import type { ChannelOptions } from '../registry.ts';
import { createEmailRenderer } from './render-invitation-email.ts';
import { createOutboxSender } from './outbox-sender.ts';
import type { MailSender } from './outgoing-email.ts';
import { createSmtpSender } from './smtp-sender.ts';

/** SMTP connections per worker process: one per delivery in flight, at most 10 (what one client may open on most servers). */
export function smtpPoolSize(concurrency: number): number {
  return Math.min(concurrency, 10);
}

export function invitationMessageId(invitationId: number, publicUrl: string): string {
  return `<invitation-${invitationId}@${new URL(publicUrl).hostname}>`;
}

export function createEmailChannel(options: ChannelOptions): Channel {
  const { config } = options;
  const renderer = createEmailRenderer();
  // Fewer connections than deliveries in flight (60 by default): the messages of deliveries that are
  // done with the database wait in the pool's queue for the next free connection — within their
  // lease, whose AbortSignal takes a queued message out unsent — so no connection idles meanwhile.
  const sender: MailSender = config.smtpUrl
    ? createSmtpSender({ url: config.smtpUrl, timeoutMs: config.worker.smtpTimeoutMs, maxConnections: smtpPoolSize(config.worker.concurrency) })
    : createOutboxSender(options.db);

  return {
    id: 'email',
    async deliver(request, ctx) {
      let rendered;
      try {
        rendered = await renderer.render(request);
      } catch (err) {
        // The campaign's template is broken: every retry would break the same way.
        throw new DeliveryError('permanent', `email template error: ${(err as Error).message}`, { cause: err, reasonCode: 'permanent_failure' });
      }
      const inv = request.invitation;
      return sender.send(
        {
          tenantId: inv.tenant_id,
          invitationId: inv.id,
          messageId: invitationMessageId(inv.id, config.publicUrl),
          from: config.mailFrom,
          to: { name: inv.name, address: inv.email },
          subject: rendered.subject,
          html: rendered.html,
          text: rendered.text,
          headers: {
            'List-Unsubscribe': `<${request.unsubscribeUrl}>`,
            'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
          },
        },
        ctx.signal,
      );
    },
    close: () => sender.close(),
  };
}
