/** `review-invites start`: HTTP server and worker in one process — what `npm start` runs. */
import type { Command } from 'commander';
import type { CliContext } from './cli-context.ts';
import { runServer } from './run-server.ts';

export function registerStart(program: Command, ctx: CliContext): void {
  program
    .command('start')
    .description('run the HTTP server and the worker in one process (npm start); the first start creates a demo tenant')
    .action(async () => {
      ctx.exitCode = await runServer(ctx.config(), 'start', ctx);
    });
}
