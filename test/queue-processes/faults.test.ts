/**
 * Faults around real `review-invites work` processes on PostgreSQL (issue 3): a worker frozen with
 * SIGSTOP past its lease (a zombie: its late outcome must change nothing — fencing), the database
 * going away mid-run (sessions terminated, then unreachable for seconds through a TCP proxy; the shared
 * PostgreSQL server itself is never restarted), and an SMTP server that hangs while pg_stat_activity
 * is watched for transactions left open across the network call (I6).
 */
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { createRunSampler, sampleIdleInTransaction } from '../helpers/queue-invariants.ts';
import { queueCounts, until, waitForDrain } from '../helpers/queue-progress.ts';
import { expectAllPass, openQueueRun, type QueueRun } from '../helpers/queue-run.ts';
import { seedDueInvitations } from '../helpers/seed-queue.ts';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.ts';
import { WORKER_APPLICATION_PREFIX } from '../helpers/worker-process.ts';

const INVITATIONS = Math.max(200, Math.floor(Number(process.env.QUEUE_TEST_INVITATIONS ?? 2000) / 4));
/**
 * A lease over for longer than this counts as stuck. Sweeps run every 0.5 s, but on a shared 2-core
 * machine under load a tick (and a leader's hand-over) can take seconds: the bound is there to catch a
 * sweeper that is not running at all — the exact timing is test/worker/queue.test.ts's business.
 */
const SWEEP_SLACK_MS = 10_000;
/** Long enough that only the hang ends a call here, never the lease (I6 watches a hang in progress). */
const slowEnv = { WORKER_LEASE_MS: '20000', SMTP_TIMEOUT_MS: '8000' };

describe.skipIf(!process.env.TEST_DATABASE_URL)('worker processes under faults on PostgreSQL', { timeout: 400_000 }, () => {
  let run: QueueRun | undefined;
  let proxy: TcpProxy | undefined;
  afterEach(async () => {
    await run?.dispose();
    await proxy?.close();
    run = proxy = undefined;
  });

  it('zombie: a worker frozen mid-delivery past its lease — the leader, too — is fenced when it resumes', async () => {
    run = await openQueueRun();
    const { db } = run.services.deps;
    const { pool } = run.services.database;
    await seedDueInvitations(db, { invitations: 1, tenants: 1 });
    const invitation = await db.selectFrom('invitations').select('id').executeTakeFirstOrThrow();
    const row = () => db.selectFrom('invitations').selectAll().where('id', '=', invitation.id).executeTakeFirstOrThrow();

    // Alone, the zombie claims the invitation and leads the periodic tasks. The sink takes its message
    // and holds the reply; frozen, it answers 250 into the zombie's socket: the provider has accepted.
    run.sink.hold({ times: 1 });
    // Its lease outlasts the moments between the hand-over and the freeze even on a loaded machine.
    const zombie = run.spawn('zombie', { WORKER_LEASE_MS: '6000', SMTP_TIMEOUT_MS: '2500' });
    await zombie.ready(pool);
    await until(() => run!.sink.held === 1, 'the zombie to hand its message over');
    zombie.signal('SIGSTOP');
    run.sink.release();

    // A frozen leader must not block the sweeper for the cluster: the rescuer takes leadership over,
    // sweeps the lapsed lease (uncertain) and delivers again.
    const rescuer = run.spawn('rescuer');
    const rescuerId = await rescuer.ready(pool);
    await until(async () => (await row()).state === 'sent', 'the rescuer to deliver the invitation', 120_000, async () => ({
      invitation: await db.selectFrom('invitations').select(['state', 'leased_until', sql<Date>`now()`.as('now')]).where('id', '=', invitation.id).executeTakeFirst(),
      periodicRuns: await db.selectFrom('periodic_runs').select(['task', 'worker_id', 'last_run_at']).execute(),
      rescuer: rescuerId,
    }));
    const sweptBy = await db.selectFrom('periodic_runs').select('worker_id').where('task', '=', 'sweep_leases').executeTakeFirstOrThrow();
    expect(sweptBy.worker_id).toBe(rescuerId);
    const settled = await row();

    zombie.signal('SIGCONT');
    await until(() => zombie.logs(/lease lost/).length > 0, 'the resumed zombie to log "lease lost"');
    expect(zombie.logs(/lease lost/)[0]).toMatchObject({ invitation: invitation.id });
    expect(await row()).toEqual(settled);
    const attempts = await db.selectFrom('delivery_attempts').select(['attempt', 'outcome']).where('invitation_id', '=', invitation.id).orderBy('attempt').execute();
    expect(attempts).toEqual([
      { attempt: 1, outcome: 'uncertain' },
      { attempt: 2, outcome: 'sent' },
    ]);
    // Two copies went out — the zombie's and the rescuer's — and the uncertain attempt explains the second.
    expect(run.sink.count(`invitation-${invitation.id}@reviews.example.test`)).toBe(2);
    expect(zombie.isRunning()).toBe(true);
    expectAllPass(await run.invariants({ expectedInvitations: 1, drained: true, sweepSlackMs: SWEEP_SLACK_MS, leaseLostLogs: zombie.logs(/lease lost/).length }));
  });

  it('database outage mid-run: sessions terminated, then unreachable for seconds — workers reconnect, nothing lost', async () => {
    run = await openQueueRun();
    const { db } = run.services.deps;
    await seedDueInvitations(db, { invitations: INVITATIONS, tenants: 3 });
    const server = new URL(process.env.TEST_DATABASE_URL!);
    proxy = await startTcpProxy({ host: server.hostname, port: Number(server.port || 5432) });
    const fleet = await run.startFleet(4, {}, proxy.viaProxy(run.services.testDb.url!));
    const sampler = createRunSampler(db, SWEEP_SLACK_MS);
    let terminated = -1;
    let outage = false;

    const { drained } = await waitForDrain(db, {
      timeoutMs: 300_000,
      skipBackoff: true,
      tick: async (counts) => {
        await sampler.sample();
        if (terminated < 0 && counts && counts.sent >= INVITATIONS / 4) terminated = await run!.terminateWorkerSessions();
        if (!outage && counts && counts.sent >= INVITATIONS / 2) {
          outage = true;
          proxy!.cut();
          await new Promise((r) => setTimeout(r, 3000));
          proxy!.restore();
        }
      },
    });
    expect(fleet.unexpectedExits()).toEqual([]);
    expect(drained).toBe(true);
    expect(terminated).toBeGreaterThan(0);
    expect(outage).toBe(true);
    // They noticed (and carried on): claims failed while the database was away.
    expect(fleet.countLogs(/claiming invitations failed/)).toBeGreaterThan(0);
    expect(await queueCounts(db)).toMatchObject({ pending: 0, sending: 0 });
    // No stuckDuringRun here: while the workers cannot reach the database, nobody can sweep.
    expectAllPass(
      await run.invariants({
        expectedInvitations: INVITATIONS,
        drained: true,
        sweepSlackMs: SWEEP_SLACK_MS,
        idleInTransaction: sampler.idleInTransaction,
        leaseLostLogs: fleet.countLogs(/lease lost/),
      }),
    );
  });

  it('I6: while the SMTP server hangs, no worker session is idle in a transaction', async () => {
    run = await openQueueRun();
    const { db } = run.services.deps;
    await seedDueInvitations(db, { invitations: 40, tenants: 2 });
    run.sink.hang();
    await run.startFleet(2, { ...slowEnv, WORKER_CONCURRENCY: '4' });
    await until(() => run!.sink.deliveries.length >= 8, 'both workers to have calls hanging at the SMTP server');

    let samples = 0;
    let idle = 0;
    let workerSessions = 0;
    const queries: string[] = [];
    // A transaction held across the hung call would sit idle in transaction for the whole hang.
    while (samples < 15) {
      const seen = await sampleIdleInTransaction(db);
      idle = Math.max(idle, seen.count);
      queries.push(...seen.queries);
      const { rows } = await sql<{ n: number }>`
        SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE ${`${WORKER_APPLICATION_PREFIX}%`}`.execute(db);
      workerSessions = Math.max(workerSessions, rows[0]!.n);
      samples++;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(run.sink.deliveries.filter((d) => d.fate === 'hung').length).toBeGreaterThanOrEqual(8);
    expect(workerSessions).toBeGreaterThan(0); // the workers' sessions are there to be seen
    expect({ idle, queries }).toEqual({ idle: 0, queries: [] });
    expect((await queueCounts(db)).sending).toBeGreaterThanOrEqual(8); // still mid-call while we looked
  });
});
