/**
 * An outgoing email as one finished RFC 5322 message (multipart/alternative: plain text, then HTML),
 * composed in one synchronous pass — byte for byte what nodemailer's own composer streams for the same
 * fields (test/channels/compose-message.test.ts compares the two).
 *
 * Every encoding decision is still nodemailer's: its MimeNode builds each header block (address
 * parsing, punycode, RFC 2047 encoded words, folding) and picks each part's transfer encoding, and its
 * quoted-printable and base64 encoders encode the bodies. What is left out is only its stream tree:
 * composing through it costs ~0.7 ms per invitation on this VM class — ~80 µs of it in the AbortErrors
 * that `stream.pipeline` creates (with a stack trace) each time one of its three pipelines finishes —
 * against ~0.2 ms here (bench/README.md `## email`, "Seventh pass"). An invitation is a few kilobytes,
 * so holding it whole costs nothing.
 */
import { randomUUID } from 'node:crypto';
import * as base64 from 'nodemailer/lib/base64';
import MimeNode from 'nodemailer/lib/mime-node';
import * as qp from 'nodemailer/lib/qp';
import type { OutgoingEmail } from './outgoing-email.ts';

export type ComposedMessage = {
  /** The SMTP envelope (MAIL FROM, RCPT TO) nodemailer derives from From and To. */
  envelope: { from: string | false; to: string[] };
  raw: Buffer;
};

/** Fixed only by tests, to compare with nodemailer's composer: by default a random boundary and now. */
export type ComposeOptions = { baseBoundary?: string; date?: Date };

const PARTS = [
  ['text/plain; charset=utf-8', 'text'],
  ['text/html; charset=utf-8', 'html'],
] as const;

export function composeMessage(email: OutgoingEmail, options: ComposeOptions = {}): ComposedMessage {
  // nodemailer's own form, 16 hex digits (it draws them with randomBytes once per node).
  const baseBoundary = options.baseBoundary ?? randomUUID().replaceAll('-', '').slice(0, 16);
  const root = new MimeNode('multipart/alternative', { baseBoundary });
  if (options.date) root.date = options.date;
  // The order nodemailer's composer sets them in: custom headers first, then the standard ones.
  root.addHeader(email.headers);
  root.setHeader('From', email.from);
  root.setHeader('To', email.to);
  root.setHeader('Subject', email.subject);
  root.setHeader('Message-ID', email.messageId);

  const out = [root.buildHeaders(), '\r\n\r\n'];
  const boundary = root.boundary as string;
  PARTS.forEach(([contentType, field], i) => {
    const content = email[field];
    const part = root.createChild(contentType, { baseBoundary });
    part.setContent(content);
    out.push(i > 0 ? '\r\n' : '', '--', boundary, '\r\n', part.buildHeaders(), '\r\n\r\n', encodeBody(content, part.getTransferEncoding()));
  });
  out.push('\r\n--', boundary, '--\r\n');
  const envelope = root.getEnvelope();
  return { envelope: { from: envelope.from, to: envelope.to }, raw: Buffer.from(out.join('')) };
}

/** The body as nodemailer's content streams encode it (76-character lines). */
function encodeBody(content: string, transferEncoding: string | false): string {
  if (transferEncoding === 'quoted-printable') return qp.wrap(qp.encode(content), 76);
  if (transferEncoding === 'base64') return base64.wrap(base64.encode(content), 76);
  return content; // 7bit: ASCII text with short lines goes as it is
}
