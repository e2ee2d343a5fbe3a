/**
 * The dispatcher: claims due invitations and delivers them with bounded concurrency.
 *
 * - It claims only as many invitations as it has free delivery slots (up to batchSize, once at least
 *   half the slots are free), so a claimed invitation is called out at once: its lease does not age in
 *   a local queue, and a crash leaves as `uncertain` only what was really in flight. A full claim (or
 *   a tenant's full share) re-loops at once, as soon as slots are free. A claim that took all that
 *   was due sleeps until the next pending invitation falls due — at least DUE_WAIT_FLOOR_MS, at
 *   most pollIntervalMs — or until services.wake emits 'wake': an invitation due between two polls
 *   goes out on time, not up to a poll interval late, and a steady flow is claimed in batches, not
 *   one invitation per claim.
 * - Database errors never kill it: it logs, backs off (capped) and keeps going — the DB may restart.
 * - stop({ graceMs }): no more claims; in-flight deliveries get graceMs to finish, then their calls are
 *   aborted (whatever they were doing is classified and recorded, fenced), and every lease still held
 *   is released back to `pending`.
 * - A heartbeat row (worker_heartbeats) says it is alive; periodic-tasks.ts does the cluster chores.
 */
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { deliverInvitation, type DeliveryDeps, type DeliveryOutcome } from '../app/deliver-invitation.ts';
import { createDeadlineSignals } from '../app/deadline-signals.ts';
import { createDeliveryBatches } from '../app/delivery-batches.ts';
import { claimInvitations, type ClaimedInvitation } from '../db/queue/claim-invitations.ts';
import { nextDueInMs } from '../db/queue/next-due-in.ts';
import { recordHeartbeat } from '../db/queue/record-heartbeat.ts';
import { releaseLeases } from '../db/queue/release-leases.ts';
import { removeHeartbeat } from '../db/queue/remove-heartbeat.ts';
import type { Services } from '../main.ts';
import { startPeriodicTasks, type PeriodicTasks } from './periodic-tasks.ts';

export type DeliveryObserver = {
  recordAttempt?(channel: string, outcome: string, durationSeconds: number): void;
  recordLeaseLost?(): void;
};

export type WorkerOptions = {
  workerId?: string;
  concurrency?: number;
  batchSize?: number;
  pollIntervalMs?: number;
  /** Take part in the cluster-wide periodic tasks (default true). */
  periodicTasks?: boolean;
  observer?: DeliveryObserver;
};

export type RunCounts = {
  claimed: number;
  sent: number;
  retried: number;
  failed: number;
  skipped: number;
  released: number;
  leaseLost: number;
  /** Attempts whose outcome is unknown (also counted as retried or failed). */
  uncertain: number;
  /** Deliveries that ended in an unexpected error (their lease is left to the sweeper). */
  errors: number;
};

export type Worker = {
  readonly id: string;
  /** Claim one batch, deliver all of it, report what happened. Deterministic: for tests and one-shot runs. */
  runOnce(options?: { batchSize?: number }): Promise<RunCounts>;
  stop(options?: { graceMs?: number }): Promise<void>;
};

export type StartableWorker = Worker & { start(): void };

const MAX_DB_BACKOFF_MS = 30_000;
/**
 * A worker that took all that was due sleeps at least this long before it claims again: a steady
 * flow due a millisecond apart is claimed ~10 times a second per worker, in batches, instead of an
 * invitation or two per claim (bench/README `## lag`, "Idle wait").
 */
const DUE_WAIT_FLOOR_MS = 100;
/** After the grace period, aborted calls get this long to report before their leases are released. */
const ABORT_SETTLE_MS = 5_000;

const emptyCounts = (): RunCounts => ({ claimed: 0, sent: 0, retried: 0, failed: 0, skipped: 0, released: 0, leaseLost: 0, uncertain: 0, errors: 0 });

export function startWorker(services: Services, options: WorkerOptions = {}): Worker {
  const worker = createWorker(services, options);
  worker.start();
  return worker;
}

export function createWorker(services: Services, options: WorkerOptions = {}): StartableWorker {
  const { config } = services;
  const id = options.workerId ?? `${os.hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const concurrency = Math.max(1, options.concurrency ?? config.worker.concurrency);
  const batchSize = Math.max(1, options.batchSize ?? config.worker.batchSize);
  const pollIntervalMs = options.pollIntervalMs ?? config.worker.pollIntervalMs;
  const refillAt = Math.ceil(concurrency / 2);
  const logger = services.logger.child({ component: 'worker', worker: id });
  const deps: DeliveryDeps = {
    db: services.deps.db,
    logger,
    links: services.deps.links,
    publicUrl: services.deps.publicUrl,
    channels: services.channels,
    leaseMs: config.worker.leaseMs,
    maxAttempts: config.worker.maxAttempts,
    batches: createDeliveryBatches(services.deps.db, logger),
  };

  // Fixed for the worker's life: the channels (and so their default budgets) are built once.
  const defaultRateLimits = services.channels.defaultRateLimits();
  const shutdown = new AbortController();
  const deadlineSignals = createDeadlineSignals(shutdown.signal);
  /** Leases this worker holds: claimed, outcome not recorded yet. */
  const held = new Set<string>();
  const active = new Set<Promise<void>>();
  const totals = emptyCounts();
  let stopping = false;
  let loopDone: Promise<void> | undefined;
  let periodic: PeriodicTasks | undefined;
  let heartbeat: NodeJS.Timeout | undefined;
  let nudge: (() => void) | undefined;
  let wakePending = false;
  const onWake = () => {
    wakePending = true;
    nudge?.();
  };

  const observer = options.observer ?? services.metrics;
  const tally = (counts: RunCounts, outcome: DeliveryOutcome) => {
    const key = ({ sent: 'sent', retry: 'retried', failed: 'failed', skipped: 'skipped', released: 'released', lease_lost: 'leaseLost' } as const)[outcome.result];
    counts[key]++;
    if (outcome.attemptOutcome === 'uncertain') counts.uncertain++;
    if (outcome.attemptOutcome) observer.recordAttempt?.(outcome.channel, outcome.attemptOutcome, outcome.durationMs / 1000);
    if (outcome.result === 'lease_lost') observer.recordLeaseLost?.();
  };

  const deliver = async (claimed: ClaimedInvitation, counts: RunCounts): Promise<void> => {
    try {
      tally(counts, await deliverInvitation(deps, claimed, { shutdown: shutdown.signal, deadlineSignals }));
    } catch (err) {
      // Most likely the database went away around the call: the sweeper returns the invitation
      // after its lease (as uncertain, which is honest: we cannot tell whether it went out).
      counts.errors++;
      logger.error({ err, invitation: claimed.invitation.id }, 'delivery could not be completed; the sweeper will return it after its lease');
    } finally {
      held.delete(claimed.leaseToken);
    }
  };

  const launch = (claimed: ClaimedInvitation, counts: RunCounts): Promise<void> => {
    const running: Promise<void> = deliver(claimed, counts).finally(() => {
      active.delete(running);
      nudge?.();
    });
    active.add(running);
    return running;
  };

  const claim = async (size: number) => {
    const result = await claimInvitations(services.database.pool, { batchSize: size, leaseMs: config.worker.leaseMs, defaultRateLimits });
    for (const c of result.claimed) held.add(c.leaseToken);
    return result;
  };

  /** Resolves on a nudge (a slot freed, a wake, stop) or after ms. */
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        nudge = undefined;
        resolve();
      }
      nudge = done;
    });

  /** After a claim that took all that was due: until the next invitation falls due, within [DUE_WAIT_FLOOR_MS, pollIntervalMs]. */
  const idleWait = async (claimStartedMs: number): Promise<number> => {
    try {
      const ms = await nextDueInMs(services.deps.db, { sinceMs: performance.now() - claimStartedMs + 1, withinMs: pollIntervalMs });
      // Rounded up: a wake a fraction of a millisecond early finds nothing due and costs a claim.
      return ms === null ? pollIntervalMs : Math.min(pollIntervalMs, Math.max(DUE_WAIT_FLOOR_MS, Math.ceil(ms)));
    } catch (err) {
      // The claim just worked; if this read fails, the next claim reports the database's trouble.
      logger.warn({ err }, 'could not read when the next invitation is due; polling');
      return pollIntervalMs;
    }
  };

  const loop = async () => {
    let failures = 0;
    while (!stopping) {
      const free = concurrency - active.size;
      // Claim in batches of at least half the slots: one claim per freed slot would cost a claim
      // statement per delivery.
      if (free <= 0 || (active.size > 0 && free < refillAt)) {
        await pause(pollIntervalMs * 10);
        continue;
      }
      wakePending = false;
      const claimStartedMs = performance.now();
      let result;
      try {
        result = await claim(Math.min(batchSize, free));
        failures = 0;
      } catch (err) {
        failures++;
        const backoff = Math.min(MAX_DB_BACKOFF_MS, 500 * 2 ** Math.min(failures - 1, 10));
        logger.error({ err, retryInMs: backoff }, 'claiming invitations failed (is the database reachable?); retrying');
        await pause(backoff);
        continue;
      }
      totals.claimed += result.claimed.length;
      // Claimed during stop(): not started; stop() releases them with everything else still held.
      if (stopping) break;
      for (const c of result.claimed) void launch(c, totals);
      if (result.more || wakePending) continue;
      // Nothing more is due now. Finished deliveries free slots but bring no work: they do not end
      // this sleep; the next due time, a wake or stop() does.
      // Timed from the answer, not from before the read: the database measured the wait when the read
      // began, so counting from before it would wake early by its round trip (an empty claim under load).
      const waitMs = await idleWait(claimStartedMs);
      const until = performance.now() + waitMs;
      while (!stopping && !wakePending && performance.now() < until) await pause(until - performance.now());
    }
  };

  const beat = () => {
    recordHeartbeat(services.deps.db, { workerId: id, hostname: os.hostname(), pid: process.pid }).catch((err: unknown) =>
      logger.warn({ err }, 'heartbeat not recorded'),
    );
  };

  return {
    id,
    start() {
      if (loopDone) return;
      logger.info({ concurrency, batchSize }, 'worker started');
      services.wake.on('wake', onWake);
      beat();
      heartbeat = setInterval(beat, Math.min(config.worker.periodicIntervalMs, 15_000));
      heartbeat.unref();
      if (options.periodicTasks !== false) periodic = startPeriodicTasks(services, { workerId: id });
      loopDone = loop().catch((err: unknown) => logger.fatal({ err }, 'worker loop crashed'));
    },

    async runOnce(run = {}) {
      const counts = emptyCounts();
      const { claimed } = await claim(Math.max(1, run.batchSize ?? batchSize));
      counts.claimed = claimed.length;
      let next = 0;
      const lane = async () => {
        while (next < claimed.length && !stopping) await launch(claimed[next++]!, counts);
      };
      await Promise.all(Array.from({ length: Math.min(concurrency, claimed.length) }, lane));
      return counts;
    },

    async stop(stopOptions = {}) {
      if (stopping) return;
      stopping = true;
      const graceMs = stopOptions.graceMs ?? config.worker.shutdownGraceMs;
      services.wake.off('wake', onWake);
      clearInterval(heartbeat);
      nudge?.();
      const within = (ms: number, work: Promise<unknown>) => Promise.race([work, new Promise((r) => setTimeout(r, ms).unref())]);
      // The loop may be inside a claim: wait for it, so what it claimed is held (and released below).
      await within(Math.max(graceMs, 5_000), loopDone ?? Promise.resolve());
      await within(graceMs, Promise.allSettled([...active]));
      if (active.size > 0) {
        logger.warn({ inFlight: active.size }, 'grace period over: aborting deliveries still in flight');
        shutdown.abort(new Error('worker stopping'));
        await within(ABORT_SETTLE_MS, Promise.allSettled([...active]));
      }
      if (held.size > 0) {
        try {
          const released = await releaseLeases(services.deps.db, [...held]);
          logger.info({ released }, 'released leases still held');
          held.clear();
        } catch (err) {
          logger.error({ err, held: held.size }, 'could not release leases; the sweeper will return them after they expire');
        }
      }
      await periodic?.stop();
      await removeHeartbeat(services.deps.db, id).catch(() => {});
      logger.info({ ...totals }, 'worker stopped');
    },
  };
}
