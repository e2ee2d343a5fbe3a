/**
 * `review-invites tenants create`: the operator's way to onboard a business without the admin API.
 * The tenant, its default campaign and its first API key are created together.
 */
import type { Command } from 'commander';
import { createTenant } from '../app/tenants.ts';
import type { CliContext } from './cli-context.ts';
import { createdKeyJson, createdKeyText, keyShownOnceNote } from './created-key-output.ts';
import { parsePositiveInt } from './parse-positive-int.ts';
import { tenantJson } from './tenant-json.ts';
import { withDatabase } from './with-database.ts';

type Options = { name: string; slug?: string; timezone?: string; limit?: number };

export function registerTenantsCreate(tenants: Command, ctx: CliContext): void {
  tenants
    .command('create')
    .description('create a tenant (a business) with its default campaign and first API key')
    .requiredOption('--name <name>', 'the business name customers see in emails')
    .option('--slug <slug>', 'short id for URLs and the CLI (default: derived from the name)')
    .option('--timezone <tz>', 'IANA time zone for send windows, e.g. Europe/Berlin (default: UTC)')
    .option('--limit <per hour>', 'invitations accepted per rolling hour (default: 100)', parsePositiveInt)
    .action(async (options: Options) => {
      const { tenant, apiKey } = await withDatabase(ctx.config(), (database) =>
        createTenant({ db: database.db }, { name: options.name, slug: options.slug, timezone: options.timezone, invitationsPerHour: options.limit }),
      );
      if (ctx.json()) return ctx.printJson({ tenant: tenantJson(tenant), api_key: createdKeyJson(apiKey), note: keyShownOnceNote });
      ctx.print(
        [
          `Created tenant ${tenant.id} "${tenant.name}" (slug ${tenant.slug}, time zone ${tenant.timezone}, ${tenant.invitationsPerHour} invitations per hour).`,
          '',
          createdKeyText(apiKey, tenant.slug),
        ].join('\n'),
      );
    });
}
