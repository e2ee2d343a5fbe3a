/**
 * `review-invites doctor`: queue depth, the oldest due invitation, stuck leases, worker heartbeats and
 * periodic-task runs; exits 1 when something is wrong, so cron or a monitor can call it.
 * On PostgreSQL it reads the database directly. In embedded mode, when the server holds DATA_DIR,
 * it asks that process (GET /admin/v1/doctor on 127.0.0.1, authenticated with ADMIN_TOKEN).
 */
import type { Command } from 'commander';
import type { Config } from '../config.ts';
import { DataDirLockedError } from '../db/data-dir-lock.ts';
import { doctorReport, type DoctorReport } from '../app/doctor-report.ts';
import type { CliContext } from './cli-context.ts';
import { withDatabase } from './with-database.ts';

async function askRunningServer(config: Config): Promise<DoctorReport> {
  if (!config.adminToken) {
    throw new Error('the data directory is in use by the running server; set ADMIN_TOKEN (for both) so doctor can ask it');
  }
  const res = await fetch(`http://127.0.0.1:${config.port}/admin/v1/doctor`, { headers: { authorization: `Bearer ${config.adminToken}` } });
  if (!res.ok) throw new Error(`the running server answered ${res.status} to /admin/v1/doctor`);
  return (await res.json()) as DoctorReport;
}

async function readReport(config: Config): Promise<DoctorReport> {
  try {
    return await withDatabase(
      config,
      (database) => doctorReport({ db: database.db }, database.pool),
      { migrate: false },
    );
  } catch (err) {
    if (err instanceof DataDirLockedError) return askRunningServer(config);
    // Unreachable, refused, wrong credentials: a problem doctor reports with exit 1, in cron's words.
    throw new Error(`could not read the database: ${(err as Error).message}`, { cause: err });
  }
}

function printHuman(ctx: CliContext, r: DoctorReport): void {
  const h = r.health;
  if (h === null) {
    ctx.print('queue: not readable until the migrations are applied');
  } else {
    ctx.print(`queue: ${h.pending} pending (${h.due} due now), ${h.sending} sending; oldest due is ${h.oldestDueLagSeconds}s late; ${h.stuckLeases} stuck lease(s)`);
    ctx.print(`workers: ${h.workers.length === 0 ? 'none seen' : h.workers.map((w) => `${w.workerId} (${w.hostname} pid ${w.pid}, seen ${w.lastSeenSecondsAgo}s ago)`).join(', ')}`);
    ctx.print(`periodic tasks: ${h.periodicRuns.length === 0 ? 'never run' : h.periodicRuns.map((p) => `${p.task} ${p.secondsAgo}s ago`).join(', ')}`);
  }
  ctx.print(r.problems.length === 0 ? 'OK: no problems found' : r.problems.map((p) => `PROBLEM: ${p}`).join('\n'));
}

export function registerDoctor(program: Command, ctx: CliContext): void {
  program
    .command('doctor')
    .description('check the queue and workers; exits 1 when something is wrong (for cron and monitoring)')
    .action(async () => {
      const report = await readReport(ctx.config());
      if (ctx.json()) ctx.printJson({ ok: report.problems.length === 0, ...report });
      else printHuman(ctx, report);
      ctx.exitCode = report.problems.length === 0 ? 0 : 1;
    });
}
