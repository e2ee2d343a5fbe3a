/**
 * A real SMTP server for tests (smtp-server on 127.0.0.1, a random port) that parses every message it
 * receives with mailparser and keeps it, with scriptable faults — per recipient or for the next calls:
 *
 * - at 'greeting': `delayMs` (slow greeting), `reply` (e.g. 421: refuse the connection), `drop`;
 * - at 'rcpt':     `reply` (421, 451, 550, ...), `drop`;
 * - at 'data' (after the whole message arrived, before the reply): `reply`, `drop` (close without a
 *   reply: the RFC 1047 gap), `hang` (never reply).
 *
 * A message whose DATA arrived in full is in `messages` whatever the fault (the server has it: that is
 * what makes a dropped reply dangerous); `accepted` holds only those answered with 250.
 */
import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerSession } from 'smtp-server';

export type SmtpFault = {
  at: 'greeting' | 'rcpt' | 'data';
  /** Only calls for this recipient (rcpt, data). Default: any. */
  recipient?: string;
  /** How many calls it hits; default 1, Infinity until clearFaults(). */
  times?: number;
} & ({ reply: number; message?: string } | { drop: true } | { hang: true } | { delayMs: number });

export type ReceivedMessage = {
  envelope: { from: string | false; to: string[] };
  raw: Buffer;
  parsed: ParsedMail;
  messageId: string | undefined;
  fate: 'accepted' | 'dropped' | 'hung';
  receivedAt: number;
};

export type SmtpSink = {
  readonly port: number;
  /** smtp://127.0.0.1:<port> — for SMTP_URL. */
  readonly url: string;
  readonly messages: ReceivedMessage[];
  readonly accepted: ReceivedMessage[];
  /** Every fault reply sent: `<code> at <stage> for <recipients>`. */
  readonly rejections: string[];
  /** Connections opened so far. */
  readonly connections: number;
  inject(fault: SmtpFault): void;
  clearFaults(): void;
  /** How many received messages carry this Message-ID (with or without angle brackets). */
  countMessageId(messageId: string): number;
  waitForMessages(count: number, timeoutMs?: number): Promise<void>;
  waitForConnections(count: number, timeoutMs?: number): Promise<void>;
  /** Closes every open connection, so the next send opens a new one (and meets greeting faults). */
  disconnectAll(): void;
  close(): Promise<void>;
};

type Armed = { fault: SmtpFault; left: number };

export async function startSmtpSink(): Promise<SmtpSink> {
  const messages: ReceivedMessage[] = [];
  const accepted: ReceivedMessage[] = [];
  const rejections: string[] = [];
  let faults: Armed[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let connections = 0;

  const take = (at: SmtpFault['at'], recipients: string[] = []): SmtpFault | undefined => {
    const wanted = recipients.map((r) => r.toLowerCase());
    const armed = faults.find((a) => a.left > 0 && a.fault.at === at && (a.fault.recipient === undefined || wanted.includes(a.fault.recipient.toLowerCase())));
    if (!armed) return undefined;
    armed.left--;
    return armed.fault;
  };
  const replyError = (code: number, message: string | undefined) => Object.assign(new Error(message ?? `Scripted ${code}`), { responseCode: code });
  const dropConnection = (session: SMTPServerSession) => {
    for (const connection of server.connections) if (connection.id === session.id) connection._socket.destroy();
  };

  const server: SMTPServer = new SMTPServer({
    authOptional: true,
    hideSTARTTLS: true,
    disableReverseLookup: true,
    logger: false,
    size: 10 * 1024 * 1024,
    onConnect(session, callback) {
      connections++;
      const fault = take('greeting');
      if (!fault) return callback();
      if ('delayMs' in fault) {
        const timer = setTimeout(() => {
          timers.delete(timer);
          callback();
        }, fault.delayMs);
        timers.add(timer);
        return;
      }
      if ('reply' in fault) {
        rejections.push(`${fault.reply} at greeting`);
        return callback(replyError(fault.reply, fault.message));
      }
      dropConnection(session);
    },
    onRcptTo(address, session, callback) {
      const fault = take('rcpt', [address.address]);
      if (!fault) return callback();
      if ('reply' in fault) {
        rejections.push(`${fault.reply} at rcpt for ${address.address}`);
        return callback(replyError(fault.reply, fault.message));
      }
      dropConnection(session);
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks);
        const to = session.envelope.rcptTo.map((a) => a.address);
        const fault = take('data', to);
        const record = async (fate: ReceivedMessage['fate']) => {
          const parsed = await simpleParser(raw);
          const message: ReceivedMessage = {
            envelope: { from: session.envelope.mailFrom ? session.envelope.mailFrom.address : false, to },
            raw,
            parsed,
            messageId: parsed.messageId,
            fate,
            receivedAt: Date.now(),
          };
          messages.push(message);
          if (fate === 'accepted') accepted.push(message);
        };
        if (fault && 'reply' in fault) {
          rejections.push(`${fault.reply} at data for ${to.join(',')}`);
          return callback(replyError(fault.reply, fault.message));
        }
        if (fault && 'drop' in fault) {
          void record('dropped').finally(() => dropConnection(session));
          return;
        }
        if (fault && 'hang' in fault) {
          void record('hung');
          return;
        }
        record('accepted').then(
          () => callback(null, `OK queued as sink-${messages.length}`),
          (err: Error) => callback(err),
        );
      });
    },
  });

  // mailparser loads its charset tables on first use; doing that inside the first DATA reply would
  // stall it past a test's short SMTP timeouts.
  await simpleParser(Buffer.from('Subject: warm-up\r\n\r\nx\r\n'));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.server.address() as AddressInfo).port;

  return {
    port,
    url: `smtp://127.0.0.1:${port}`,
    messages,
    accepted,
    rejections,
    get connections() {
      return connections;
    },
    inject(fault) {
      faults.push({ fault, left: fault.times ?? 1 });
    },
    clearFaults() {
      faults = [];
    },
    countMessageId(messageId) {
      const bare = messageId.replace(/^<|>$/g, '');
      return messages.filter((m) => m.messageId?.replace(/^<|>$/g, '') === bare).length;
    },
    waitForMessages: (count, timeoutMs = 10_000) => until(() => messages.length >= count, timeoutMs, () => `expected ${count} messages, got ${messages.length}`),
    waitForConnections: (count, timeoutMs = 10_000) => until(() => connections >= count, timeoutMs, () => `expected ${count} connections, got ${connections}`),
    disconnectAll() {
      for (const connection of server.connections) connection._socket.destroy();
    },
    async close() {
      for (const timer of timers) clearTimeout(timer);
      for (const connection of server.connections) connection._socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function until(done: () => boolean, timeoutMs: number, describe: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`SMTP sink: ${describe()}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
