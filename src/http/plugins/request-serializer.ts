/**
 * How a request appears in the log. Review and unsubscribe links carry bearer tokens in their path,
 * and query strings can carry keys or addresses, so the URL is redacted before it is logged. Headers
 * are never logged (they hold Authorization).
 */
import type { FastifyRequest } from 'fastify';

const TOKEN_PATH = /^(\/[ru]\/)[^/?#]+/;
const SECRET_PARAM = /key|token|secret|password|auth|sig|email/i;
const REDACTED = '[redacted]';

export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  const path = (q < 0 ? url : url.slice(0, q)).replace(TOKEN_PATH, `$1${REDACTED}`);
  if (q < 0) return path;
  const params = url
    .slice(q + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      if (eq < 0) return pair;
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      return SECRET_PARAM.test(name) || /@|%40|ri_live_/i.test(value) ? `${name}=${REDACTED}` : pair;
    });
  return `${path}?${params.join('&')}`;
}

export function serializeRequest(request: FastifyRequest): Record<string, unknown> {
  return {
    method: request.method,
    url: redactUrl(request.url),
    remoteAddress: request.ip,
  };
}
