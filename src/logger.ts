/**
 * The pino logger, built once in main.ts and passed down. Secrets and personal data never reach it:
 * the redaction list is the last line of defence, not the first (code logs ids, never emails or keys).
 */
import { pino, type Logger } from 'pino';

export type { Logger };

export const redactedPaths = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'authorization',
  'apiKey',
  'key',
  'token',
  'password',
  'secret',
  'email',
  '*.email',
];

/**
 * Without a destination it logs to standard output asynchronously: a line is written off the main
 * thread, and lines logged while a write is in flight go out together in the next. A synchronous
 * write per line cost the worker ~30 µs of its only thread per delivery (a system call each, in the
 * email bench's profile) and the HTTP server two per request. Nothing waits for a buffer to
 * fill — an idle service's line goes out at once — and pino flushes what is pending when the process
 * exits, process.exit() included; only a SIGKILL or a power cut can lose the last lines.
 */
export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  return pino(
    {
      level,
      base: { pid: process.pid },
      redact: { paths: redactedPaths, censor: '[redacted]' },
      serializers: { err: pino.stdSerializers.err },
    },
    destination ?? pino.destination({ dest: 1, sync: false }),
  );
}

/** `jane.doe@example.com` → `j***@example.com`: enough to tell addresses apart in a log, not to mail them. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at <= 0) return '***';
  return `${email[0]}***${email.slice(at)}`;
}
