/**
 * `review-invites migrate`: applies pending migrations and says which. `start`, `serve` and `work`
 * migrate by themselves; this is for deployments that migrate as a separate release step.
 */
import type { Command } from 'commander';
import { migrate } from '../db/migrate.ts';
import type { CliContext } from './cli-context.ts';
import { withDatabase } from './with-database.ts';

export function registerMigrate(program: Command, ctx: CliContext): void {
  program
    .command('migrate')
    .description('apply pending database migrations and exit')
    .action(async () => {
      const config = ctx.config();
      const result = await withDatabase(config, (database) => migrate(database.pool), { migrate: false });
      if (ctx.json()) return ctx.printJson({ applied: result.applied, current_version: result.current });
      if (result.applied.length === 0) return ctx.print(`Database is up to date (version ${result.current}).`);
      ctx.print(result.applied.map((name) => `applied ${name}`).join('\n'));
      ctx.print(`Database is at version ${result.current}.`);
    });
}
