/**
 * Without SMTP_URL mail is captured in the outbox table (shown by the API and the CLI), never sent.
 * Idempotent on the Message-ID: a retry after an unknown outcome captures nothing new.
 */
import type { Kysely } from 'kysely';
import { DeliveryError } from '../../app/ports.ts';
import type { Database } from '../../db/schema.ts';
import type { MailSender } from './outgoing-email.ts';

/** `"Jane \"JD\" Doe" <jane@example.com>`: a display form for the outbox, quoted per RFC 5322. */
export function formatAddress(name: string, address: string): string {
  return `"${name.replace(/["\\]/g, '\\$&')}" <${address}>`;
}

export function createOutboxSender(db: Kysely<Database>): MailSender {
  return {
    async send(email, signal) {
      if (signal.aborted) throw new DeliveryError('transient', 'time was up before the message was captured');
      const inserted = await db
        .insertInto('outbox')
        .values({
          tenant_id: email.tenantId,
          invitation_id: email.invitationId,
          message_id: email.messageId,
          mail_from: email.from,
          mail_to: formatAddress(email.to.name, email.to.address),
          subject: email.subject,
          text_body: email.text,
          html_body: email.html,
          headers: JSON.stringify({ 'Message-ID': email.messageId, ...email.headers }),
        })
        .onConflict((oc) => oc.column('message_id').doNothing())
        .returning('id')
        .executeTakeFirst();
      const id = inserted?.id ?? (await db.selectFrom('outbox').select('id').where('message_id', '=', email.messageId).executeTakeFirstOrThrow()).id;
      return { providerRef: `outbox:${id}` };
    },
    async close() {},
  };
}
