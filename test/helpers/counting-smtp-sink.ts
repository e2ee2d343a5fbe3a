/**
 * A real SMTP server (smtp-server on 127.0.0.1) that only counts: for every message whose DATA arrived
 * in full it keeps the Message-ID, the recipient and when it arrived — not the message — so a torture
 * run of 100,000 invitations fits in memory (smtp-sink.ts parses and keeps every message; use it when a
 * test reads the mail).
 *
 * Faults that keep a delivery in flight on purpose:
 * - hold: the message is received (it counts: the server has it) and the 250 reply waits for release();
 * - hang: received and never answered (the sender's own timeout ends it; the outcome is uncertain).
 * Both apply to the next `times` messages (default: until accept()).
 *
 * And one the channel meets by itself, for `npm run torture`: `dropEvery: n` closes the connection
 * without a reply after every n-th message's DATA (it counts: the server has it) — the RFC 1047 gap
 * that makes an attempt `uncertain` at the sender, not only at a sweep.
 */
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export type SinkDelivery = {
  messageId: string;
  to: string;
  /** Date.now() when the whole DATA had arrived, before any reply. */
  receivedAt: number;
  fate: 'accepted' | 'held' | 'hung' | 'dropped';
};

type Mode = { kind: 'accept' } | { kind: 'hold' | 'hang'; left: number };

export type CountingSmtpSink = {
  readonly url: string;
  readonly deliveries: readonly SinkDelivery[];
  /** Messages waiting for release(). */
  readonly held: number;
  /** Copies received of one Message-ID (angle brackets optional). */
  count(messageId: string): number;
  hold(options?: { times?: number }): void;
  hang(options?: { times?: number }): void;
  accept(): void;
  /** Answers 250 to every held message. */
  release(): void;
  close(): Promise<void>;
};

const HEADER_LIMIT = 64 * 1024;

export function bareMessageId(messageId: string): string {
  return messageId.trim().replace(/^<|>$/g, '');
}

/** The Message-ID header of a raw message head (unfolded, first occurrence). */
function messageIdOf(head: string): string {
  const end = head.indexOf('\r\n\r\n');
  const headers = (end === -1 ? head : head.slice(0, end)).replace(/\r\n[ \t]+/g, ' ');
  const match = /^message-id:\s*(.+)$/im.exec(headers);
  return match ? bareMessageId(match[1]!) : '';
}

export async function startCountingSmtpSink(options: { dropEvery?: number } = {}): Promise<CountingSmtpSink> {
  const dropEvery = options.dropEvery ?? 0;
  const deliveries: SinkDelivery[] = [];
  const counts = new Map<string, number>();
  const waiting: (() => void)[] = [];
  let mode: Mode = { kind: 'accept' };

  const takeFault = (): SinkDelivery['fate'] => {
    if (dropEvery > 0 && (deliveries.length + 1) % dropEvery === 0) return 'dropped';
    if (mode.kind === 'accept') return 'accepted';
    const fate = mode.kind === 'hold' ? 'held' : 'hung';
    if (--mode.left <= 0) mode = { kind: 'accept' };
    return fate;
  };

  const server = new SMTPServer({
    authOptional: true,
    hideSTARTTLS: true,
    disableReverseLookup: true,
    logger: false,
    size: 10 * 1024 * 1024,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      let kept = 0;
      stream.on('data', (chunk: Buffer) => {
        // Only the head is needed; the body is drained and dropped.
        if (kept < HEADER_LIMIT) {
          chunks.push(chunk);
          kept += chunk.length;
        }
      });
      stream.on('end', () => {
        const messageId = messageIdOf(Buffer.concat(chunks).toString('latin1'));
        const fate = takeFault();
        deliveries.push({ messageId, to: session.envelope.rcptTo.map((a) => a.address).join(','), receivedAt: Date.now(), fate });
        counts.set(messageId, (counts.get(messageId) ?? 0) + 1);
        const reply = () => callback(null, `OK queued as sink-${deliveries.length}`);
        if (fate === 'accepted') reply();
        else if (fate === 'held') waiting.push(reply);
        else if (fate === 'dropped') {
          for (const connection of server.connections) if (connection.id === session.id) connection._socket.destroy();
        }
      });
    },
  });
  server.on('error', () => {}); // a client vanishing mid-session (SIGKILL) is normal here
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.server.address() as AddressInfo).port;

  return {
    url: `smtp://127.0.0.1:${port}`,
    deliveries,
    get held() {
      return waiting.length;
    },
    count: (messageId) => counts.get(bareMessageId(messageId)) ?? 0,
    hold: (options = {}) => {
      mode = { kind: 'hold', left: options.times ?? Infinity };
    },
    hang: (options = {}) => {
      mode = { kind: 'hang', left: options.times ?? Infinity };
    },
    accept: () => {
      mode = { kind: 'accept' };
    },
    release: () => {
      for (const reply of waiting.splice(0)) reply();
    },
    async close() {
      for (const connection of server.connections) connection._socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
