/**
 * Prometheus metrics (prom-client): queue depth by state and the due lag are read from the database
 * at scrape time; deliveries and attempt latency are counted by the worker as they happen.
 * One registry per process (never the global one), so tests and several services don't collide.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { AppDeps } from '../app/ports.ts';
import { readQueueHealth } from '../app/queue-health.ts';

export type Metrics = {
  readonly registry: Registry;
  /** Count one finished delivery attempt. */
  recordAttempt(channel: string, outcome: string, durationSeconds: number): void;
  /** Count an invitation whose fenced update found its lease taken over. */
  recordLeaseLost(): void;
};

export function createMetrics(deps: Pick<AppDeps, 'db'>, options: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry, prefix: 'review_invites_' });

  // One database read per scrape feeds every queue gauge; each gauge's collect awaits the same read.
  let scrape: Promise<void> | undefined;
  const refresh = (): Promise<void> =>
    (scrape ??= readQueueHealth(deps)
      .then((h) => {
        depth.set({ state: 'pending' }, h.pending);
        depth.set({ state: 'due' }, h.due);
        depth.set({ state: 'sending' }, h.sending);
        lag.set(h.oldestDueLagSeconds);
        stuck.set(h.stuckLeases);
        up.set(1);
      })
      .catch(() => up.set(0))
      .finally(() => {
        scrape = undefined;
      }));
  const depth = new Gauge({
    name: 'review_invites_queue_invitations',
    help: 'Invitations in the queue by state (pending = waiting for their time; due = pending and due now).',
    labelNames: ['state'] as const,
    registers: [registry],
    collect: refresh,
  });
  const lag = new Gauge({
    name: 'review_invites_queue_due_lag_seconds',
    help: 'How late the oldest due, unsent invitation is.',
    registers: [registry],
    collect: refresh,
  });
  const stuck = new Gauge({
    name: 'review_invites_queue_stuck_leases',
    help: "Invitations in 'sending' whose lease ended more than the grace period ago.",
    registers: [registry],
    collect: refresh,
  });
  const up = new Gauge({ name: 'review_invites_database_up', help: '1 when the last scrape could read the queue.', registers: [registry], collect: refresh });

  const attempts = new Counter({
    name: 'review_invites_delivery_attempts_total',
    help: 'Delivery attempts by channel and outcome (sent, transient, permanent, uncertain, skipped, released).',
    labelNames: ['channel', 'outcome'] as const,
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'review_invites_delivery_attempt_duration_seconds',
    help: 'Duration of one delivery attempt, network call included.',
    labelNames: ['channel', 'outcome'] as const,
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const leaseLost = new Counter({
    name: 'review_invites_lease_lost_total',
    help: 'Outcome updates that changed nothing because another worker had taken the lease over (fencing).',
    registers: [registry],
  });

  return {
    registry,
    recordAttempt(channel, outcome, durationSeconds) {
      attempts.inc({ channel, outcome });
      latency.observe({ channel, outcome }, durationSeconds);
    },
    recordLeaseLost: () => leaseLost.inc(),
  };
}
