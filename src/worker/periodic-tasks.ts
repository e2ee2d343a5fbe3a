/**
 * Housekeeping that must happen once per cluster, not once per worker (DESIGN §7): return expired
 * leases (the sweeper), stamp expired review links, and — embedded mode only, since PGlite never
 * autovacuums — VACUUM and ANALYZE the tables that churn (vacuum-hot-tables.ts). Every worker ticks
 * every periodicIntervalMs; only the leader (leadership.ts) runs the tasks. Each run is recorded in
 * periodic_runs for `doctor`. The tasks are idempotent and SKIP LOCKED, so a brief double leadership
 * (a network partition) does no harm.
 */
import { expireInvitations } from '../app/expire-invitations.ts';
import { recordPeriodicRun } from '../db/queue/record-periodic-run.ts';
import { sweepExpiredLeases } from '../db/queue/sweep-expired-leases.ts';
import { vacuumHotTables } from '../db/queue/vacuum-hot-tables.ts';
import type { Services } from '../main.ts';
import { createLeadership } from './leadership.ts';

export type PeriodicTaskOptions = {
  workerId: string;
  intervalMs?: number;
  /** Embedded mode: how often the hot tables are vacuumed. */
  vacuumIntervalMs?: number;
  /** Tick on a timer (default). Tests call runOnce() instead. */
  timers?: boolean;
};

export type PeriodicReport = Record<string, Record<string, unknown>>;

export type PeriodicTasks = {
  /** One tick: undefined when another worker leads, else what each task did. */
  runOnce(): Promise<PeriodicReport | undefined>;
  stop(): Promise<void>;
};

export const DEFAULT_VACUUM_INTERVAL_MS = 10 * 60_000;

export function startPeriodicTasks(services: Services, options: PeriodicTaskOptions): PeriodicTasks {
  const { database, deps, config } = services;
  const logger = services.logger.child({ component: 'periodic', worker: options.workerId });
  const intervalMs = options.intervalMs ?? config.worker.periodicIntervalMs;
  // Three missed ticks (and never under 5 s, so a busy event loop does not shuffle the lead around).
  const leadership = createLeadership(database, logger, { idleSessionTimeoutMs: Math.max(3 * intervalMs, 5000) });
  const vacuumIntervalMs = options.vacuumIntervalMs ?? DEFAULT_VACUUM_INTERVAL_MS;
  let lastVacuumAt: number | undefined;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();

  const tasks: { name: string; due(): boolean; run(): Promise<Record<string, unknown>> }[] = [
    { name: 'sweep_leases', due: () => true, run: () => sweepExpiredLeases(deps.db, { maxAttempts: config.worker.maxAttempts }) },
    { name: 'expire_invitations', due: () => true, run: () => expireInvitations(deps) },
    {
      name: 'vacuum',
      due: () => database.kind === 'pglite' && (lastVacuumAt === undefined || performance.now() - lastVacuumAt >= vacuumIntervalMs),
      run: async () => {
        const started = performance.now();
        await vacuumHotTables(deps.db);
        lastVacuumAt = performance.now();
        return { ms: Math.round(lastVacuumAt - started) };
      },
    },
  ];

  const runOnce = async (): Promise<PeriodicReport | undefined> => {
    if (!(await leadership.acquire())) return undefined;
    const report: PeriodicReport = {};
    for (const task of tasks) {
      if (stopped || !task.due()) continue;
      try {
        const result = await task.run();
        report[task.name] = result;
        await recordPeriodicRun(deps.db, { task: task.name, workerId: options.workerId, result });
        const didWork = Object.entries(result).some(([key, v]) => key !== 'ms' && typeof v === 'number' && v > 0);
        logger[didWork ? 'info' : 'debug']({ task: task.name, ...result }, 'periodic task ran');
      } catch (err) {
        // One failing task (the database may be restarting) must not stop the others or the ticks.
        report[task.name] = { error: (err as Error).message };
        logger.error({ err, task: task.name }, 'periodic task failed; will try again next tick');
      }
    }
    return report;
  };

  const tick = () => {
    if (stopped) return;
    running = runOnce()
      .catch((err: unknown) => logger.error({ err }, 'periodic tick failed'))
      .finally(() => {
        if (!stopped) schedule();
      });
  };
  const schedule = () => {
    timer = setTimeout(tick, intervalMs);
    timer.unref();
  };
  if (options.timers !== false) setImmediate(tick);

  return {
    runOnce,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running.catch(() => {});
      await leadership.release();
    },
  };
}
