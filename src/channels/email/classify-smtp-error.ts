/**
 * SMTP outcome → DeliveryError kind. A reply code is a definite answer: 5xx (except 503, a session
 * state error) is permanent — at RCPT TO it names the recipient as the cause — and 4xx is transient.
 * Without a reply the question is whether the end-of-data dot had gone out: before it, the server
 * cannot have accepted the message (transient, safe to retry); after it, the server may have queued
 * it and the reply was lost (RFC 1047) — uncertain. `dataComplete` comes from the sender, which saw
 * the whole message handed to the connection; nodemailer's own error says only "CONN" in both cases.
 */
import { DeliveryError } from '../../app/ports.ts';

type SmtpError = Error & { code?: string; responseCode?: number; command?: string; response?: string };

export function classifySmtpError(err: unknown, dataComplete: boolean): DeliveryError {
  const e = (err instanceof Error ? err : new Error(String(err))) as SmtpError;
  const code = typeof e.responseCode === 'number' ? e.responseCode : undefined;
  const where = e.command ? ` at ${e.command}` : '';
  if (code !== undefined && code >= 400 && code < 600) {
    const reply = (e.response ?? e.message).replace(/\s+/g, ' ').trim();
    const message = `SMTP ${code}${where}: ${reply}`;
    if (code >= 500 && code !== 503) {
      return new DeliveryError('permanent', message, { cause: err, reasonCode: e.command === 'RCPT TO' ? 'invalid_recipient' : 'permanent_failure' });
    }
    return new DeliveryError('transient', message, { cause: err });
  }
  if (e.code === 'EENVELOPE' && /recipient/i.test(e.message)) {
    return new DeliveryError('permanent', `SMTP envelope rejected: ${e.message}`, { cause: err, reasonCode: 'invalid_recipient' });
  }
  const what = e.name === 'AbortError' || e.code === 'EABORT' ? 'time was up' : `${e.code ?? e.name}${where}: ${e.message}`;
  if (dataComplete) {
    return new DeliveryError('uncertain', `no reply after the message was sent (${what}); the server may have accepted it`, { cause: err });
  }
  return new DeliveryError('transient', `SMTP ${what}`, { cause: err });
}
