/**
 * `review-invites simulate`: the campaign dry run of POST /api/v1/campaigns/:id/simulate — what a
 * campaign would have scheduled over the orders placed in a date range, and why the others would not
 * have been invited. Reads only.
 */
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { parseInstant } from '../app/invitation-filter.ts';
import { simulateCampaign } from '../app/simulate-campaign.ts';
import type { CliContext } from './cli-context.ts';
import { formatTable } from './format-table.ts';
import { tenantFor } from './import.ts';
import { parsePositiveInt } from './parse-positive-int.ts';
import { withDatabase } from './with-database.ts';

type Options = { tenant?: string; campaign: string; from: Date; to: Date; limit: number };

/** An instant with an offset, or a bare date meaning midnight UTC (the shell-friendly form). */
function instant(value: string): Date {
  const d = /^\d{4}-\d{2}-\d{2}$/.test(value) ? parseInstant(`${value}T00:00:00Z`) : parseInstant(value);
  if (d === undefined) throw new InvalidArgumentError('must be a date (2026-11-01, midnight UTC) or an ISO 8601 date-time with a time zone');
  return d;
}

export function registerSimulate(program: Command, ctx: CliContext): void {
  program
    .command('simulate')
    .description("dry run: what a campaign would schedule over stored orders of a date range, and why not (writes nothing)")
    .option('--tenant <id|slug>', 'the tenant (default: the only tenant)')
    .requiredOption('--campaign <id|slug>', 'the campaign to replay (a disabled one is replayed as if enabled)')
    .requiredOption('--from <date>', 'orders placed at or after (2026-11-01 = midnight UTC, or a date-time with a time zone)', instant)
    .requiredOption('--to <date>', 'orders placed before', instant)
    .option('--limit <n>', 'scheduled invitations and examples per reason to list', parsePositiveInt, 20)
    .action(async (options: Options) => {
      const { simulation, tenant } = await withDatabase(ctx.config(), async (database) => {
        const tenant = await tenantFor(database.db, options.tenant);
        const simulation = await simulateCampaign({ db: database.db }, tenant.id, options.campaign, { from: options.from, to: options.to, limit: options.limit });
        return { simulation, tenant };
      });
      if (ctx.json()) return ctx.printJson(simulation);
      const s = simulation;
      const lines = [
        `Campaign ${s.campaign.slug} of ${tenant.slug}${s.campaign.enabled ? '' : ' (disabled; replayed as if enabled)'}, orders placed ${s.from} to ${s.to}:`,
        `${s.orders} orders, ${s.would_schedule} would be invited, ${s.orders - s.would_schedule} would not.`,
      ];
      const reasons = Object.entries(s.not_scheduled).sort((a, b) => b[1].count - a[1].count);
      if (reasons.length > 0) {
        lines.push('', formatTable(['REASON', 'ORDERS', 'FOR EXAMPLE'], reasons.map(([reason, r]) => [reason, r.count, r.examples.slice(0, 3).map((e) => `${e.store}/${e.order_ref}`).join(', ')])));
      }
      if (s.scheduled.length > 0) {
        lines.push('', formatTable(['STORE', 'ORDER', 'WOULD BE SENT'], s.scheduled.map((i) => [i.store, i.order_ref, i.scheduled_at])));
        if (s.would_schedule > s.scheduled.length) lines.push(`(first ${s.scheduled.length} of ${s.would_schedule}; --limit shows more)`);
      }
      ctx.print(lines.join('\n'));
    });
}
