/** `review-invites keys revoke`: the key stops authenticating with its next request; revoking twice is harmless. */
import type { Command } from 'commander';
import { revokeApiKey } from '../app/api-keys.ts';
import { systemClock } from '../app/ports.ts';
import { AppError } from '../errors.ts';
import type { CliContext } from './cli-context.ts';
import { parsePositiveInt } from './parse-positive-int.ts';
import { resolveTenant } from './resolve-tenant.ts';
import { withDatabase } from './with-database.ts';

export function registerKeysRevoke(keys: Command, ctx: CliContext): void {
  keys
    .command('revoke')
    .description('revoke an API key (see keys list for ids)')
    .requiredOption('--tenant <id|slug>', 'the tenant the key belongs to')
    .argument('<keyId>', 'the id of the key', parsePositiveInt)
    .action(async (keyId: number, options: { tenant: string }) => {
      const tenant = await withDatabase(ctx.config(), async (database) => {
        const deps = { db: database.db, clock: systemClock };
        const tenant = await resolveTenant(deps, options.tenant);
        await revokeApiKey(deps, tenant.id, keyId).catch((err: unknown) => {
          if (err instanceof AppError && err.code === 'not_found') {
            throw new AppError('not_found', `Tenant ${tenant.slug} has no API key with id ${keyId} (see: review-invites keys list --tenant ${tenant.slug})`);
          }
          throw err;
        });
        return tenant;
      });
      if (ctx.json()) return ctx.printJson({ revoked: { id: keyId, tenant: { id: tenant.id, slug: tenant.slug } } });
      ctx.print(`API key ${keyId} of tenant ${tenant.slug} is revoked.`);
    });
}
