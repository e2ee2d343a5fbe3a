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

export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  return pino(
    {
      level,
      base: { pid: process.pid },
      redact: { paths: redactedPaths, censor: '[redacted]' },
      serializers: { err: pino.stdSerializers.err },
    },
    destination ?? process.stdout,
  );
}

/** `jane.doe@example.com` → `j***@example.com`: enough to tell addresses apart in a log, not to mail them. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at <= 0) return '***';
  return `${email[0]}***${email.slice(at)}`;
}
