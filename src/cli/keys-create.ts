/** `review-invites keys create`: another API key for a tenant, e.g. one per integration, so each can be revoked alone. */
import type { Command } from 'commander';
import { createApiKey } from '../app/api-keys.ts';
import type { CliContext } from './cli-context.ts';
import { createdKeyJson, createdKeyText, keyShownOnceNote } from './created-key-output.ts';
import { resolveTenant } from './resolve-tenant.ts';
import { UsageError } from './usage-error.ts';
import { withDatabase } from './with-database.ts';

export function registerKeysCreate(keys: Command, ctx: CliContext): void {
  keys
    .command('create')
    .description('create an API key for a tenant (shown once)')
    .requiredOption('--tenant <id|slug>', 'the tenant')
    .option('--name <name>', 'what the key is for, e.g. "woocommerce"', 'cli')
    .action(async (options: { tenant: string; name: string }) => {
      const name = options.name.trim();
      if (name.length === 0 || name.length > 100 || /\p{Cc}/u.test(name)) {
        throw new UsageError('--name must be 1-100 characters without control characters');
      }
      const { tenant, key } = await withDatabase(ctx.config(), async (database) => {
        const deps = { db: database.db };
        const tenant = await resolveTenant(deps, options.tenant);
        return { tenant, key: await createApiKey(deps, tenant.id, name) };
      });
      if (ctx.json()) return ctx.printJson({ tenant: { id: tenant.id, slug: tenant.slug }, api_key: createdKeyJson(key), note: keyShownOnceNote });
      ctx.print(createdKeyText(key, tenant.slug));
    });
}
