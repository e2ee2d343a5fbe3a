/**
 * Reads `Authorization: Bearer <token>` strictly: exactly one Authorization header (Node keeps only
 * the first of several, so they are counted in the raw headers), scheme case-insensitive, and the
 * token exactly as sent — a trailing space makes it unreadable rather than silently trimmed (over a
 * real socket Node's parser already strips trailing blanks; other clients and proxies may not).
 * Query strings are never consulted.
 */
import type { FastifyRequest } from 'fastify';

// Visible ASCII only: whitespace or control characters after the token make it invalid, not trimmed.
const CREDENTIALS = /^([A-Za-z]+) +([\x21-\x7E]+)$/;

function authorizationHeaders(request: FastifyRequest): string[] {
  const raw = request.raw.rawHeaders;
  const values: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) if (raw[i]!.toLowerCase() === 'authorization') values.push(raw[i + 1]!);
  return values;
}

/** The bearer token, or undefined when the header is missing, repeated or malformed. */
export function readBearerToken(request: FastifyRequest): string | undefined {
  const values = authorizationHeaders(request);
  if (values.length !== 1) return undefined;
  const match = CREDENTIALS.exec(values[0]!);
  if (!match || match[1]!.toLowerCase() !== 'bearer') return undefined;
  return match[2];
}
