/** `review-invites serve`: the HTTP server alone, for deployments that run `work` processes separately (PostgreSQL). */
import type { Command } from 'commander';
import type { CliContext } from './cli-context.ts';
import { runServer } from './run-server.ts';

export function registerServe(program: Command, ctx: CliContext): void {
  program
    .command('serve')
    .description('run only the HTTP server (pair it with `work` processes on PostgreSQL)')
    .action(async () => {
      ctx.exitCode = await runServer(ctx.config(), 'serve', ctx);
    });
}
