/** `review-invites tenants list`: every tenant with its id and slug, the handles other commands take. */
import type { Command } from 'commander';
import { listTenants } from '../app/tenants.ts';
import type { CliContext } from './cli-context.ts';
import { formatTable } from './format-table.ts';
import { tenantJson } from './tenant-json.ts';
import { withDatabase } from './with-database.ts';

export function registerTenantsList(tenants: Command, ctx: CliContext): void {
  tenants
    .command('list')
    .description('list tenants')
    .action(async () => {
      const list = await withDatabase(ctx.config(), (database) => listTenants({ db: database.db }));
      if (ctx.json()) return ctx.printJson(list.map(tenantJson));
      if (list.length === 0) return ctx.print('No tenants yet. Create one: review-invites tenants create --name "My Shop"');
      ctx.print(
        formatTable(
          ['ID', 'SLUG', 'NAME', 'TIMEZONE', 'PER HOUR', 'CREATED'],
          list.map((t) => [t.id, t.slug, t.name, t.timezone, t.invitationsPerHour, t.createdAt]),
        ),
      );
    });
}
