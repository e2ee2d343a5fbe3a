/**
 * `review-invites work`: the worker alone. In embedded mode it holds the DATA_DIR lock like any other
 * process, so it cannot run beside `start` or `serve`; several processes need PostgreSQL (DATABASE_URL).
 */
import type { Command } from 'commander';
import type { CliContext } from './cli-context.ts';
import { runServer } from './run-server.ts';

export function registerWork(program: Command, ctx: CliContext): void {
  program
    .command('work')
    .description('run only the worker that delivers due invitations (several may run on PostgreSQL)')
    .action(async () => {
      ctx.exitCode = await runServer(ctx.config(), 'work', ctx);
    });
}
