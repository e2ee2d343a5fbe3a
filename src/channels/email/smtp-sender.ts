/**
 * Sends over SMTP with nodemailer's pooled transport. Every connection step is bounded by
 * SMTP_TIMEOUT_MS and the whole send by the caller's AbortSignal (which ends before the lease).
 * The message is composed beforehand, in one piece (compose-message.ts), and handed to the pool as
 * `raw` with its envelope.
 *
 * To tell "lost before the end of DATA" (safe to retry) from "lost after it" (maybe delivered), each
 * message carries a probe: the end of its message stream (probed below), which comes when the SMTP
 * data stream has consumed the whole message, right before nodemailer writes the terminating dot.
 * The pool's own requeue only ever resends a message none of which was read.
 * (If nodemailer DKIM signing is ever enabled, it buffers after this probe: the probe then errs on
 * the safe side, calling a few transient failures uncertain.)
 */
import type { Readable } from 'node:stream';
import { createTransport } from 'nodemailer';
import { classifySmtpError } from './classify-smtp-error.ts';
import { composeMessage } from './compose-message.ts';
import type { MailSender } from './outgoing-email.ts';

const PROBE = 'reviewInvitesDataProbe';

type Probe = { complete: boolean };

export type SmtpSenderOptions = { url: string; timeoutMs: number; maxConnections: number };

export function createSmtpSender(options: SmtpSenderOptions): MailSender {
  const transporter = createTransport({
    pool: true,
    url: options.url,
    maxConnections: options.maxConnections,
    maxRequeues: 1,
    connectionTimeout: options.timeoutMs,
    greetingTimeout: options.timeoutMs,
    socketTimeout: options.timeoutMs,
    dnsTimeout: options.timeoutMs,
    logger: false,
    // Message content is ours; never let a field name a file or URL to attach.
    disableFileAccess: true,
    disableUrlAccess: true,
  });
  transporter.use('stream', (mail, done) => {
    const probe = (mail.data as Record<string, unknown>)[PROBE] as Probe | undefined;
    if (probe) mail.message.processFunc((input: Readable) => probed(input, probe));
    done();
  });

  return {
    async send(email, signal) {
      const probe: Probe = { complete: false };
      try {
        const { envelope, raw } = composeMessage(email);
        const info = await transporter.sendMail({
          envelope,
          raw,
          messageId: email.messageId,
          signal,
          [PROBE]: probe,
        } as Parameters<typeof transporter.sendMail>[0]);
        const serverId = (info as { serverMessageId?: string }).serverMessageId;
        return { providerRef: serverId ?? info.messageId, detail: info.response };
      } catch (err) {
        throw classifySmtpError(err, probe.complete);
      }
    },
    async close() {
      transporter.close();
    },
  };
}

/**
 * The probe is set when the SMTP data stream has read the whole message — right before nodemailer
 * writes the terminating dot. (The message is one chunk, composed whole, so it goes to the socket
 * in one write.)
 */
function probed(input: Readable, probe: Probe): Readable {
  input.once('end', () => {
    probe.complete = true;
  });
  return input;
}
