/**
 * Sends over SMTP with nodemailer's pooled transport. Every connection step is bounded by
 * SMTP_TIMEOUT_MS and the whole send by the caller's AbortSignal (which ends before the lease).
 *
 * To tell "lost before the end of DATA" (safe to retry) from "lost after it" (maybe delivered), each
 * message carries a probe: the end of the gathered message stream (wholeMessage below), which comes when
 * the SMTP data stream has consumed the whole message, right before nodemailer writes the terminating
 * dot. The pool's own requeue only ever resends a message none of which was read.
 * (If nodemailer DKIM signing is ever enabled, it buffers after this probe: the probe then errs on
 * the safe side, calling a few transient failures uncertain.)
 */
import { PassThrough, type Readable } from 'node:stream';
import { createTransport } from 'nodemailer';
import { classifySmtpError } from './classify-smtp-error.ts';
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
    if (probe) mail.message.processFunc((input: Readable) => wholeMessage(input, probe));
    done();
  });

  return {
    async send(email, signal) {
      const probe: Probe = { complete: false };
      try {
        const info = await transporter.sendMail({
          from: email.from,
          to: { name: email.to.name, address: email.to.address },
          subject: email.subject,
          text: email.text,
          html: email.html,
          messageId: email.messageId,
          headers: email.headers,
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
 * The message as one chunk. nodemailer streams a message as ~9 pieces (headers, boundaries,
 * each encoded part), and its data stream writes each to the socket as it comes: a system call per
 * piece, which on this VM class costs more than composing the message. An invitation is a few
 * kilobytes, so it is gathered first and written once. The probe is set when the SMTP data stream has
 * read it all — right before nodemailer writes the terminating dot.
 */
function wholeMessage(input: Readable, probe: Probe): Readable {
  const whole = new PassThrough();
  const chunks: Buffer[] = [];
  input.on('data', (chunk: Buffer) => chunks.push(chunk));
  input.once('end', () => whole.end(Buffer.concat(chunks)));
  input.once('error', (err) => whole.destroy(err));
  whole.once('end', () => {
    probe.complete = true;
  });
  return whole;
}
