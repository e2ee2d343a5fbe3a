/**
 * The queue's vital signs, read by `review-invites doctor` and the /metrics endpoint: what waits,
 * how late the oldest due invitation is, leases past their deadline, live workers, periodic runs.
 * Every query here rides a partial index, so it stays cheap on millions of invitations.
 */
import { sql } from 'kysely';
import type { AppDeps } from './ports.ts';

export type QueueHealth = {
  checkedAt: Date;
  pending: number;
  due: number;
  sending: number;
  /** Seconds between the oldest due invitation's scheduled time and now (0 when nothing is due). */
  oldestDueLagSeconds: number;
  /** `sending` rows whose lease ended more than `stuckGraceSeconds` ago: the sweeper should have taken them. */
  stuckLeases: number;
  workers: { workerId: string; hostname: string; pid: number; lastSeenSecondsAgo: number }[];
  periodicRuns: { task: string; lastRunAt: Date; secondsAgo: number; workerId: string }[];
};

export type HealthThresholds = {
  maxDueLagSeconds: number;
  stuckGraceSeconds: number;
  workerStaleSeconds: number;
  periodicStaleSeconds: number;
};

export const defaultThresholds: HealthThresholds = {
  maxDueLagSeconds: 600,
  stuckGraceSeconds: 120,
  workerStaleSeconds: 120,
  periodicStaleSeconds: 600,
};

export async function readQueueHealth(deps: Pick<AppDeps, 'db'>, thresholds: HealthThresholds = defaultThresholds): Promise<QueueHealth> {
  const { db } = deps;
  const counts = await sql<{ now: Date; pending: number; due: number; sending: number; oldest_due: Date | null; stuck: number }>`
    SELECT now() AS now,
      (SELECT count(*) FROM invitations WHERE state = 'pending')::int AS pending,
      (SELECT count(*) FROM invitations WHERE state = 'pending' AND scheduled_at <= now())::int AS due,
      (SELECT count(*) FROM invitations WHERE state = 'sending')::int AS sending,
      (SELECT min(scheduled_at) FROM invitations WHERE state = 'pending' AND scheduled_at <= now()) AS oldest_due,
      (SELECT count(*) FROM invitations WHERE state = 'sending'
         AND leased_until < now() - make_interval(secs => ${thresholds.stuckGraceSeconds}))::int AS stuck`.execute(db);
  const row = counts.rows[0]!;
  const now = row.now;
  const seconds = (d: Date) => Math.max(0, Math.round((now.getTime() - d.getTime()) / 1000));
  const workers = await db.selectFrom('worker_heartbeats').selectAll().orderBy('last_seen_at', 'desc').limit(100).execute();
  const runs = await db.selectFrom('periodic_runs').selectAll().orderBy('task').execute();
  return {
    checkedAt: now,
    pending: row.pending,
    due: row.due,
    sending: row.sending,
    oldestDueLagSeconds: row.oldest_due ? seconds(row.oldest_due) : 0,
    stuckLeases: row.stuck,
    workers: workers.map((w) => ({ workerId: w.worker_id, hostname: w.hostname, pid: w.pid, lastSeenSecondsAgo: seconds(w.last_seen_at) })),
    periodicRuns: runs.map((r) => ({ task: r.task, lastRunAt: r.last_run_at, secondsAgo: seconds(r.last_run_at), workerId: r.worker_id })),
  };
}

/** The problems `doctor` reports (and exits non-zero for). Empty = healthy. */
export function diagnose(health: QueueHealth, thresholds: HealthThresholds = defaultThresholds): string[] {
  const problems: string[] = [];
  if (health.stuckLeases > 0) {
    problems.push(`${health.stuckLeases} invitation(s) stuck in 'sending' past their lease: is any worker running its sweeper?`);
  }
  if (health.oldestDueLagSeconds > thresholds.maxDueLagSeconds) {
    problems.push(`the oldest due invitation is ${health.oldestDueLagSeconds}s late (limit ${thresholds.maxDueLagSeconds}s): workers are down or behind`);
  }
  const live = health.workers.filter((w) => w.lastSeenSecondsAgo <= thresholds.workerStaleSeconds);
  if (health.due > 0 && live.length === 0) {
    problems.push(`${health.due} invitation(s) are due but no worker has reported in the last ${thresholds.workerStaleSeconds}s`);
  }
  if (live.length > 0) {
    for (const run of health.periodicRuns) {
      if (run.secondsAgo > thresholds.periodicStaleSeconds) {
        problems.push(`periodic task '${run.task}' last ran ${run.secondsAgo}s ago (limit ${thresholds.periodicStaleSeconds}s)`);
      }
    }
  }
  return problems;
}
