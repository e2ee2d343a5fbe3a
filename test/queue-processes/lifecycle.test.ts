/**
 * A `review-invites work` process's life on PostgreSQL (issue 3 points 1 and 4): SIGTERM stops claims
 * and lets in-flight deliveries finish within the grace period (exit 0, no lease left held); past the
 * grace period they are aborted, recorded and released; a second signal exits at once and the sweeper
 * of another worker covers what it held. And the periodic tasks run once for the cluster, in whichever
 * worker holds the advisory lock — another one as soon as that worker is SIGKILLed.
 */
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { LEADER_LOCK_KEY } from '../../src/worker/leadership.ts';
import { queueCounts, until } from '../helpers/queue-progress.ts';
import { expectAllPass, openQueueRun, type QueueRun } from '../helpers/queue-run.ts';
import { seedDueInvitations } from '../helpers/seed-queue.ts';

/**
 * A lease over for longer than this counts as stuck. Sweeps run every 0.5 s, but on a shared 2-core
 * machine under load a tick (and a leader's hand-over) can take seconds: the bound is there to catch a
 * sweeper that is not running at all — the exact timing is test/worker/queue.test.ts's business.
 */
const SWEEP_SLACK_MS = 10_000;
/** Four deliveries in flight at most, and a lease and SMTP timeout that only the test's own steps end. */
const fourAtATime = { WORKER_CONCURRENCY: '4', WORKER_BATCH_SIZE: '4', WORKER_LEASE_MS: '20000', SMTP_TIMEOUT_MS: '8000', LOG_LEVEL: 'info' };

describe.skipIf(!process.env.TEST_DATABASE_URL)('worker process lifecycle on PostgreSQL', { timeout: 300_000 }, () => {
  let run: QueueRun | undefined;
  afterEach(async () => {
    await run?.dispose();
    run = undefined;
  });

  const attempts = (r: QueueRun) => r.services.deps.db.selectFrom('delivery_attempts').select(['invitation_id', 'outcome']).execute();

  it('SIGTERM: no more claims, in-flight deliveries finish within the grace period, exit 0, no lease held', async () => {
    run = await openQueueRun();
    const { db } = run.services.deps;
    await seedDueInvitations(db, { invitations: 20, tenants: 1 });
    run.sink.hold();
    const worker = run.spawn('w', { ...fourAtATime, WORKER_SHUTDOWN_GRACE_MS: '30000' });
    const workerId = await worker.ready(run.services.database.pool);
    await until(() => run!.sink.held === 4, 'four deliveries held at the SMTP server');

    worker.signal('SIGTERM');
    await until(() => worker.logs(/^shutting down$/).length === 1, 'the worker to start shutting down');
    // Slots free up now: a worker still claiming would take the next four.
    run.sink.accept();
    run.sink.release();
    expect(await worker.exited).toEqual({ code: 0, signal: null });

    expect(await queueCounts(db)).toMatchObject({ sent: 4, sending: 0, pending: 16 });
    expect((await attempts(run)).map((a) => a.outcome)).toEqual(['sent', 'sent', 'sent', 'sent']);
    expect(run.sink.deliveries).toHaveLength(4);
    expect(await db.selectFrom('worker_heartbeats').select('worker_id').where('worker_id', '=', workerId).execute()).toEqual([]);
    expect(worker.logs(/^worker stopped$/)).toMatchObject([{ sent: 4, released: 0 }]);
  });

  it('SIGTERM past the grace period: calls aborted and recorded as uncertain, nothing left sending, exit 0', async () => {
    run = await openQueueRun();
    const { db } = run.services.deps;
    await seedDueInvitations(db, { invitations: 20, tenants: 1 });
    run.sink.hang();
    const worker = run.spawn('w', { ...fourAtATime, WORKER_SHUTDOWN_GRACE_MS: '1000' });
    await worker.ready(run.services.database.pool);
    await until(() => run!.sink.deliveries.length === 4, 'four deliveries hanging at the SMTP server');

    worker.signal('SIGTERM');
    expect(await worker.exited).toEqual({ code: 0, signal: null });
    expect(worker.logs(/grace period over/)).toMatchObject([{ inFlight: 4 }]);
    // The server had each whole message: aborted after the end of DATA = uncertain, and back in line.
    expect(await queueCounts(db)).toMatchObject({ sending: 0, pending: 20, sent: 0 });
    expect((await attempts(run)).map((a) => a.outcome)).toEqual(['uncertain', 'uncertain', 'uncertain', 'uncertain']);
    expectAllPass(await run.invariants({ expectedInvitations: 20, drained: false, sweepSlackMs: SWEEP_SLACK_MS }));
  });

  it('a second signal exits at once; another worker sweeps what it held and delivers it', async () => {
    run = await openQueueRun();
    const { db } = run.services.deps;
    await seedDueInvitations(db, { invitations: 20, tenants: 1 });
    run.sink.hang();
    const env = { ...fourAtATime, WORKER_LEASE_MS: '8000', SMTP_TIMEOUT_MS: '3900', WORKER_SHUTDOWN_GRACE_MS: '60000' };
    const first = run.spawn('first', env);
    await first.ready(run.services.database.pool);
    await until(() => run!.sink.deliveries.length === 4, 'four deliveries hanging at the SMTP server');

    first.signal('SIGTERM');
    await until(() => first.logs(/^shutting down$/).length === 1, 'the worker to start shutting down');
    first.signal('SIGTERM');
    expect(await first.exited).toEqual({ code: 143, signal: null });
    expect(first.logs(/second signal: exiting without waiting/)).toHaveLength(1);
    expect(await queueCounts(db)).toMatchObject({ sending: 4, pending: 16 }); // nobody released them

    run.sink.accept();
    const second = run.spawn('second', env);
    await second.ready(run.services.database.pool);
    await until(async () => (await queueCounts(db)).sent === 20, 'the second worker to deliver everything');
    const held = await db.selectFrom('invitations').select(['id', 'uncertain_attempts', 'attempts']).where('uncertain_attempts', '>', 0).execute();
    expect(held).toHaveLength(4);
    expect(held.every((r) => r.attempts === 2)).toBe(true);
    // Each of those four reached the sink twice; their uncertain attempts say so.
    expectAllPass(await run.invariants({ expectedInvitations: 20, drained: true, sweepSlackMs: SWEEP_SLACK_MS }));
    expect(run.sink.deliveries).toHaveLength(24);
  });

  it('periodic tasks run in one worker of three; they move on when it is SIGKILLed, and when it is frozen', async () => {
    run = await openQueueRun();
    const { db } = run.services.deps;
    const fleet = await run.startFleet(3, { LOG_LEVEL: 'info' });
    const lastRun = () => db.selectFrom('periodic_runs').select(['worker_id', 'last_run_at']).where('task', '=', 'sweep_leases').executeTakeFirst();
    const lockHolders = async () => {
      const { rows } = await sql<{ n: number }>`
        SELECT count(*)::int AS n FROM pg_locks
        WHERE locktype = 'advisory' AND granted AND objid = ${LEADER_LOCK_KEY}
          AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`.execute(db);
      return rows[0]!.n;
    };
    /** Every sweeper run seen so far (periodic_runs keeps the last one only). */
    const runs: { worker_id: string; last_run_at: Date }[] = [];
    const ranSince = async (index: number) => {
      const r = await lastRun();
      if (r && r.last_run_at.getTime() !== runs.at(-1)?.last_run_at.getTime()) runs.push(r);
      return runs.slice(index);
    };

    await until(async () => (await ranSince(0)).length >= 4, 'four ticks of the sweeper');
    const leaderId = runs[0]!.worker_id;
    expect(new Set(runs.map((r) => r.worker_id))).toEqual(new Set([leaderId]));
    expect(await lockHolders()).toBe(1);
    expect(fleet.countLogs(/now runs the periodic tasks/)).toBe(1);
    const tasks = await db.selectFrom('periodic_runs').select('task').orderBy('task').execute();
    expect(tasks.map((t) => t.task)).toEqual(expect.arrayContaining(['expire_invitations', 'sweep_leases']));

    const heartbeat = await db.selectFrom('worker_heartbeats').select('pid').where('worker_id', '=', leaderId).executeTakeFirstOrThrow();
    const leader = fleet.current.find((w) => w.pid === heartbeat.pid)!;
    await leader.kill();
    const killedAt = runs.length;
    await until(async () => (await ranSince(killedAt)).some((r) => r.worker_id !== leaderId), 'another worker to run the sweeper');
    const survivors = await db.selectFrom('worker_heartbeats').select('worker_id').where('pid', 'in', fleet.current.filter((w) => w !== leader).map((w) => w.pid)).execute();
    expect(survivors.map((s) => s.worker_id)).toContain(runs.at(-1)!.worker_id);
    expect(await lockHolders()).toBe(1);
    expect(fleet.countLogs(/now runs the periodic tasks/)).toBe(2);

    // Frozen, not dead: its socket stays open, yet the server ends its silent session and the last
    // worker takes over; thawed, it finds its lead gone instead of running the tasks beside the other.
    const secondId = runs.at(-1)!.worker_id;
    const { pid } = await db.selectFrom('worker_heartbeats').select('pid').where('worker_id', '=', secondId).executeTakeFirstOrThrow();
    const second = fleet.current.find((w) => w.pid === pid)!;
    second.signal('SIGSTOP');
    const frozenAt = runs.length;
    await until(async () => (await ranSince(frozenAt)).some((r) => r.worker_id !== secondId), 'the third worker to take the frozen leader’s place', 60_000);
    second.signal('SIGCONT');
    await until(() => second.logs(/leader lost its database session|leadership lost with its database session/).length > 0, 'the thawed worker to notice it no longer leads');
    expect(await lockHolders()).toBe(1);
  });
});
