/**
 * The `review-invites` command line. bin/review-invites.js runs this (compiled) with process.argv.
 * Exit codes: 0 ok, 1 runtime failure, 2 usage or configuration error. A failure is one line on
 * stderr; LOG_LEVEL=debug adds the stack.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { ConfigError } from '../config.ts';
import { AppError } from '../errors.ts';
import { createCliContext, type CliContext } from './cli-context.ts';
import { registerDoctor } from './doctor.ts';
import { registerImport } from './import.ts';
import { registerSimulate } from './simulate.ts';
import { registerKeysCreate } from './keys-create.ts';
import { registerKeysList } from './keys-list.ts';
import { registerKeysRevoke } from './keys-revoke.ts';
import { registerMigrate } from './migrate.ts';
import { registerOutbox } from './outbox.ts';
import { registerServe } from './serve.ts';
import { registerStart } from './start.ts';
import { registerTenantsCreate } from './tenants-create.ts';
import { registerTenantsList } from './tenants-list.ts';
import { UsageError } from './usage-error.ts';
import { registerWork } from './work.ts';

// src/cli and dist/cli are both two levels below the package root.
const packageJson = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

function buildProgram(): { program: Command; ctx: CliContext } {
  const program = new Command('review-invites')
    .description('Self-hostable review invitations: orders in, exactly one invitation per order out.')
    .version(packageJson.version)
    .option('--json', 'print results as JSON (listing and create commands)')
    // Subcommands created with .command() inherit this: usage errors come back here as exceptions.
    .exitOverride()
    .showSuggestionAfterError()
    .addHelpText('after', '\nConfiguration comes from the environment or a .env file; see README.md.');
  const ctx = createCliContext(() => program.opts<{ json?: boolean }>());
  registerStart(program, ctx);
  registerServe(program, ctx);
  registerWork(program, ctx);
  registerMigrate(program, ctx);
  const tenants = program.command('tenants').description('create and list tenants (the businesses using this install)');
  registerTenantsCreate(tenants, ctx);
  registerTenantsList(tenants, ctx);
  const keys = program.command('keys').description("manage a tenant's API keys");
  registerKeysCreate(keys, ctx);
  registerKeysList(keys, ctx);
  registerKeysRevoke(keys, ctx);
  registerOutbox(program, ctx);
  registerDoctor(program, ctx);
  registerImport(program, ctx);
  registerSimulate(program, ctx);
  return { program, ctx };
}

function exitCodeFor(err: unknown): number {
  if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
  if (err instanceof ConfigError || err instanceof UsageError) return 2;
  // A rejected input (bad slug, time zone) is the caller's mistake, like a bad option.
  if (err instanceof AppError && err.status === 400) return 2;
  return 1;
}

function describe(err: unknown): string {
  if (err instanceof ConfigError) return `configuration error: ${err.message}`;
  if (err instanceof AppError && err.fields?.length) return err.fields.map((f) => `${f.field} ${f.message}`).join('; ');
  if (err instanceof Error) return err.message;
  return String(err);
}

export async function runCli(argv: string[]): Promise<number> {
  const { program, ctx } = buildProgram();
  try {
    await program.parseAsync(argv);
    return ctx.exitCode;
  } catch (err) {
    // Commander has already printed its own one-line message (or the help/version it was asked for).
    if (!(err instanceof CommanderError)) {
      process.stderr.write(`review-invites: ${describe(err).replace(/\s*\n\s*/g, ' ')}\n`);
      if (ctx.verbose() && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
    }
    return exitCodeFor(err);
  }
}
