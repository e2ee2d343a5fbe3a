/** `review-invites keys list`: a tenant's keys by id and prefix — the key itself is never stored, so never shown. */
import type { Command } from 'commander';
import { listApiKeys } from '../app/api-keys.ts';
import type { CliContext } from './cli-context.ts';
import { formatTable } from './format-table.ts';
import { resolveTenant } from './resolve-tenant.ts';
import { withDatabase } from './with-database.ts';

export function registerKeysList(keys: Command, ctx: CliContext): void {
  keys
    .command('list')
    .description("list a tenant's API keys")
    .requiredOption('--tenant <id|slug>', 'the tenant')
    .action(async (options: { tenant: string }) => {
      const list = await withDatabase(ctx.config(), async (database) => {
        const tenant = await resolveTenant({ db: database.db }, options.tenant);
        return listApiKeys({ db: database.db }, tenant.id);
      });
      if (ctx.json()) {
        return ctx.printJson(
          list.map((k) => ({ id: k.id, name: k.name, prefix: k.prefix, created_at: k.createdAt, last_used_at: k.lastUsedAt, revoked_at: k.revokedAt })),
        );
      }
      ctx.print(
        formatTable(
          ['ID', 'NAME', 'PREFIX', 'CREATED', 'LAST USED', 'REVOKED'],
          list.map((k) => [k.id, k.name, `${k.prefix}…`, k.createdAt, k.lastUsedAt, k.revokedAt]),
        ),
      );
    });
}
