/**
 * `review-invites import <file>`: bulk order import from a CSV or JSON lines file, streamed (a
 * million rows in flat memory), with a progress bar on stderr. The same path as
 * POST /api/v1/orders/import, without an HTTP upload in between. Exits 1 when a row was refused
 * (the others are imported), so scripts notice. --outcomes <file> writes every row's outcome there as
 * NDJSON (the lines of POST /api/v1/orders/import?outcomes=all), as the rows are imported.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { stat, writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { Option } from 'commander';
import { importOrders, type ImportReport } from '../app/import-orders.ts';
import { importFormats, type ImportFormat } from '../app/read-import-rows.ts';
import { listTenants } from '../app/tenants.ts';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { createLogger } from '../logger.ts';
import { openServices } from '../main.ts';
import type { CliContext } from './cli-context.ts';
import { createProgressBar } from './progress-bar.ts';
import { resolveTenant } from './resolve-tenant.ts';
import { UsageError } from './usage-error.ts';
import { withDatabase } from './with-database.ts';

type Options = { tenant?: string; backfill?: boolean; dryRun?: boolean; format?: ImportFormat; outcomes?: string };

const SHOWN_ERRORS = 20;

function formatOf(file: string, given: ImportFormat | undefined): ImportFormat {
  if (given !== undefined) return given;
  if (/\.csv$/i.test(file)) return 'csv';
  if (/\.(jsonl|ndjson)$/i.test(file)) return 'jsonl';
  throw new UsageError(`cannot tell the format of "${file}" from its name: add --format csv or --format jsonl`);
}

/** --tenant, or the only tenant there is: an install with one business should not need the flag. */
export async function tenantFor(db: Kysely<Database>, given: string | undefined): Promise<{ id: number; slug: string }> {
  if (given !== undefined) return resolveTenant({ db }, given);
  const tenants = await listTenants({ db });
  if (tenants.length === 1) return tenants[0]!;
  throw new UsageError(tenants.length === 0 ? 'there is no tenant yet (see: review-invites tenants create)' : 'there are several tenants: name one with --tenant <id|slug>');
}

function summary(report: ImportReport, tenant: string): string[] {
  const reasons = Object.entries(report.not_scheduled).map(([reason, n]) => `${reason} ${n}`).join(', ');
  const lines = [
    report.dry_run
      ? `Checked ${report.rows} rows for tenant ${tenant}: ${report.valid} would be imported, ${report.errors} refused. Nothing was written (dry run).`
      : `Imported ${report.rows} rows for tenant ${tenant}: ${report.imported} new orders, ${report.updated} updated, ${report.errors} refused.`,
  ];
  if (!report.dry_run) {
    lines.push(report.backfill ? 'Backfill: no invitations were scheduled.' : `Invitations scheduled: ${report.invitations_created}; withdrawn because the order ended: ${report.invitations_skipped}.`);
    if (reasons !== '') lines.push(`Not invited, by reason: ${reasons}.`);
  }
  return lines;
}

export function registerImport(program: Command, ctx: CliContext): void {
  program
    .command('import')
    .description('import orders from a CSV or JSON lines file (streamed; exits 1 if a row was refused)')
    .argument('<file>', 'CSV with a header row, or JSON lines (.jsonl / .ndjson)')
    .option('--tenant <id|slug>', 'the tenant the orders belong to (default: the only tenant)')
    .option('--backfill', 'store past orders and their history without scheduling invitations')
    .option('--dry-run', 'check every row, write nothing')
    .option('--outcomes <file>', 'write every row\'s outcome to this file, one JSON object per line (NDJSON), in file order')
    .addOption(new Option('--format <format>', 'file format (default: from the file name)').choices(importFormats))
    .action(async (file: string, options: Options) => {
      const format = formatOf(file, options.format);
      const size = (await stat(file).catch(() => {
        throw new UsageError(`cannot read "${file}"`);
      })).size;
      if (options.outcomes !== undefined) {
        await writeFile(options.outcomes, '').catch(() => {
          throw new UsageError(`cannot write "${options.outcomes}"`);
        });
      }
      const config = ctx.config();
      const { report, tenant } = await withDatabase(config, async (database) => {
        const tenant = await tenantFor(database.db, options.tenant);
        const services = await openServices(config, createLogger(config.logLevel, process.stderr), { database, migrate: false });
        try {
          const bar = createProgressBar(process.stderr, size, options.dryRun ? 'checking' : 'importing');
          const outcomes = options.outcomes === undefined ? undefined : createWriteStream(options.outcomes);
          let report: ImportReport;
          try {
            report = await importOrders(services.deps, tenant.id, createReadStream(file), {
              format,
              backfill: options.backfill === true,
              dryRun: options.dryRun === true,
              onProgress: (p) => bar.update(p),
              ...(outcomes
                ? {
                    onOutcome: async (o) => {
                      if (!outcomes.write(`${JSON.stringify(o)}\n`)) await once(outcomes, 'drain');
                    },
                  }
                : {}),
            });
          } finally {
            if (outcomes) {
              outcomes.end();
              await once(outcomes, 'close');
            }
          }
          bar.done({ bytes: size, rows: report.rows, errors: report.errors });
          return { report, tenant };
        } finally {
          await services.close();
        }
      });
      if (report.errors > 0) ctx.exitCode = 1;
      if (ctx.json()) return ctx.printJson(report);
      ctx.print(summary(report, tenant.slug).join('\n'));
      if (report.errors > 0) {
        const shown = report.error_rows.slice(0, SHOWN_ERRORS).map((e) => `  ${e.message}`);
        ctx.note([`Refused rows${report.errors > shown.length ? ` (first ${shown.length} of ${report.errors}; --json lists up to 1,000, --outcomes <file> all)` : ''}:`, ...shown].join('\n'));
      }
    });
}
