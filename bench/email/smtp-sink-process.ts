/**
 * The email benchmark's SMTP sink, run as its own process (`node --import tsx` with an IPC channel)
 * so that receiving mail never competes with either sender for an event loop. A real smtp-server on
 * 127.0.0.1 that accepts every message and discards it, keeping only a count, the distinct
 * Message-IDs (a duplicate or a lost message shows) and the time of the first and last arrival.
 *
 * IPC, parent → sink: `{ type: 'expect', count }` resets the tally; the sink answers `{ type: 'done',
 * ...SinkTally }` once `count` messages have arrived, and `{ type: 'tally', ...SinkTally }` to
 * `{ type: 'tally' }`. Sink → parent on start: `{ type: 'listening', port }`.
 */
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export type SinkTally = { received: number; distinct: number; firstAt: number; lastAt: number };

export type SinkMessage = ({ type: 'done' } & SinkTally) | ({ type: 'tally' } & SinkTally) | { type: 'listening'; port: number };

export type SinkCommand = { type: 'expect'; count: number } | { type: 'tally' };

/** The Message-ID lives in the head; the rest of a message is drained unread. */
const HEAD_BYTES = 8 * 1024;

function messageIdOf(head: string): string {
  const end = head.indexOf('\r\n\r\n');
  const headers = (end === -1 ? head : head.slice(0, end)).replace(/\r\n[ \t]+/g, ' ');
  return /^message-id:\s*(.+)$/im.exec(headers)?.[1]?.trim() ?? '';
}

function startSink(send: (message: SinkMessage) => void): void {
  let expected = Infinity;
  let ids = new Set<string>();
  let tally: SinkTally = { received: 0, distinct: 0, firstAt: 0, lastAt: 0 };
  const current = (): SinkTally => ({ ...tally, distinct: ids.size });

  const server = new SMTPServer({
    authOptional: true,
    hideSTARTTLS: true,
    disableReverseLookup: true,
    logger: false,
    size: 10 * 1024 * 1024,
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      let kept = 0;
      stream.on('data', (chunk: Buffer) => {
        if (kept < HEAD_BYTES) {
          chunks.push(chunk);
          kept += chunk.length;
        }
      });
      stream.on('end', () => {
        const now = Date.now();
        if (tally.received === 0) tally.firstAt = now;
        tally.received++;
        tally.lastAt = now;
        ids.add(messageIdOf(Buffer.concat(chunks).toString('latin1')));
        callback(null, `OK queued as sink-${tally.received}`);
        if (tally.received === expected) send({ type: 'done', ...current() });
      });
    },
  });
  server.on('error', () => {}); // a sender closing its pooled connections abruptly is normal here

  process.on('message', (command: SinkCommand) => {
    if (command.type === 'expect') {
      expected = command.count;
      ids = new Set();
      tally = { received: 0, distinct: 0, firstAt: 0, lastAt: 0 };
    } else {
      send({ type: 'tally', ...current() });
    }
  });
  // The parent going away ends the sink.
  process.on('disconnect', () => process.exit(0));
  server.listen(0, '127.0.0.1', () => send({ type: 'listening', port: (server.server.address() as AddressInfo).port }));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  if (!process.send) throw new Error('run the sink with an IPC channel (bench/email/email-bench.ts starts it)');
  const send = process.send.bind(process);
  startSink((message) => send(message));
}
