/**
 * Every route registered in the scope this is added to needs a tenant's API key. Runs onRequest, so
 * an unauthenticated caller is refused before its body is even read. Missing, malformed, unknown and
 * revoked keys all get the same 401.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { createApiKeyAuthenticator, type AuthenticatedTenant } from '../../app/api-keys.ts';
import { AppError } from '../../errors.ts';
import type { Services } from '../../main.ts';
import { readBearerToken } from './bearer-token.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the API-key hook; null outside authenticated scopes. */
    auth: AuthenticatedTenant | null;
  }
}

export function registerApiKeyAuth(scope: FastifyInstance, services: Services): void {
  scope.decorateRequest('auth', null);
  const authenticate = createApiKeyAuthenticator(services.deps);
  scope.addHook('onRequest', async (request) => {
    const key = readBearerToken(request);
    if (key === undefined) throw new AppError('unauthorized', 'Send your API key as "Authorization: Bearer <key>"');
    request.auth = await authenticate(key);
    request.log = request.log.child({ tenant: request.auth.tenantId });
  });
}

/** The caller's tenant id in an authenticated route. */
export function tenantOf(request: FastifyRequest): number {
  if (request.auth === null) throw new AppError('unauthorized', 'Not authenticated');
  return request.auth.tenantId;
}
