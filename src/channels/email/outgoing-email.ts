/**
 * What the email channel hands to a mail sender: one rendered message, and the sender contract —
 * SMTP (nodemailer pool) when SMTP_URL is set, the outbox table otherwise.
 */
import type { DeliveryReceipt } from '../../app/ports.ts';

export type OutgoingEmail = {
  tenantId: number;
  invitationId: number;
  /** `<invitation-{id}@{host}>`: the same on every retry, so duplicates are recognisable. */
  messageId: string;
  from: string;
  to: { name: string; address: string };
  subject: string;
  html: string;
  text: string;
  headers: Record<string, string>;
};

export type MailSender = {
  send(email: OutgoingEmail, signal: AbortSignal): Promise<DeliveryReceipt>;
  close(): Promise<void>;
};
