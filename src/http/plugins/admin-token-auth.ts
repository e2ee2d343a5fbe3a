/**
 * The operator's admin API needs `Authorization: Bearer <ADMIN_TOKEN>`. Without ADMIN_TOKEN configured
 * the admin API is switched off (403 saying so), never open. Both sides are hashed before the
 * constant-time compare so neither the token nor its length leaks through timing.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../../config.ts';
import { AppError } from '../../errors.ts';
import { readBearerToken } from './bearer-token.ts';

const digest = (s: string) => createHash('sha256').update(s).digest();

export function registerAdminTokenAuth(scope: FastifyInstance, config: Pick<Config, 'adminToken'>): void {
  const expected = config.adminToken === undefined ? undefined : digest(config.adminToken);
  scope.addHook('onRequest', async (request) => {
    if (expected === undefined) throw new AppError('forbidden', 'The admin API is disabled: set ADMIN_TOKEN to enable it');
    const token = readBearerToken(request);
    if (token === undefined || !timingSafeEqual(digest(token), expected)) {
      throw new AppError('unauthorized', 'Send the operator token as "Authorization: Bearer <ADMIN_TOKEN>"');
    }
  });
}
