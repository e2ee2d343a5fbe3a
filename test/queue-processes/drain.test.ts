/**
 * Several real `review-invites work` processes on one PostgreSQL database drain a queue through a
 * counting SMTP server (issue 3, "Tests (real PostgreSQL, real processes)"): first undisturbed, then
 * while one worker is SIGKILLed every 1-2 s and restarted and some addresses are suppressed and some
 * invitations skipped mid-run. The invariants are checked by test/helpers/queue-invariants.ts, the
 * same code `npm run torture` prints. Sizes: QUEUE_TEST_INVITATIONS (2000), QUEUE_TEST_WORKERS (4).
 */
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { createRunSampler, invitationIdOf } from '../helpers/queue-invariants.ts';
import { queueCounts, waitForDrain } from '../helpers/queue-progress.ts';
import { expectAllPass, openQueueRun, type QueueRun } from '../helpers/queue-run.ts';
import { seedDueInvitations } from '../helpers/seed-queue.ts';
import { stopSomeMidRun, suppressedWhileWaiting, type StoppedMidRun } from '../helpers/stop-mid-run.ts';

const INVITATIONS = Number(process.env.QUEUE_TEST_INVITATIONS ?? 2000);
const WORKERS = Number(process.env.QUEUE_TEST_WORKERS ?? 4);
const TENANTS = 4;
/** SIGKILLs in the crash test; then the fleet may finish (a worker needs a second or two just to boot). */
const KILLS = Number(process.env.QUEUE_TEST_KILLS ?? 8);
/**
 * A lease over for longer than this counts as stuck. Sweeps run every 0.5 s, but on a shared 2-core
 * machine under load a tick (and a leader's hand-over) can take seconds: the bound is there to catch a
 * sweeper that is not running at all — the exact timing is test/worker/queue.test.ts's business.
 */
const SWEEP_SLACK_MS = 10_000;

describe.skipIf(!process.env.TEST_DATABASE_URL)('worker processes drain the queue on PostgreSQL', { timeout: 400_000 }, () => {
  let run: QueueRun | undefined;
  afterEach(async () => {
    await run?.dispose();
    run = undefined;
  });

  it(`${WORKERS} workers deliver ${INVITATIONS} due invitations of ${TENANTS} tenants, each exactly once, within each tenant's budget`, async () => {
    run = await openQueueRun();
    const { db } = run.services.deps;
    const seeded = await seedDueInvitations(db, { invitations: INVITATIONS, tenants: TENANTS });
    // The smallest tenant's email budget (issue 3's rolling limits) is half its invitations: the rest
    // must be held back — pending, never dropped — and no rolling hour may see more than the budget.
    const limited = seeded.tenantIds.at(-1)!;
    const budget = Math.floor(seeded.perTenant.get(limited)! / 2);
    await sql`INSERT INTO rate_limits (tenant_id, key, max_count, window_seconds) VALUES (${limited}, 'email', ${budget}, 3600)`.execute(db);
    const held = seeded.perTenant.get(limited)! - budget;

    // Undisturbed: a lease far longer than any delivery, so a duplicate here could only be a claim bug.
    const fleet = await run.startFleet(WORKERS, { WORKER_LEASE_MS: '30000', SMTP_TIMEOUT_MS: '10000' });
    const sampler = createRunSampler(db, 30_000 + SWEEP_SLACK_MS);
    let counts = await queueCounts(db);
    const deadline = Date.now() + 180_000;
    while (!(counts.sending === 0 && counts.sent + held === INVITATIONS) && Date.now() < deadline) {
      await sampler.sample();
      await new Promise((r) => setTimeout(r, 250));
      counts = await queueCounts(db);
    }
    expect(fleet.unexpectedExits()).toEqual([]);
    expect(counts).toMatchObject({ sent: INVITATIONS - held, pending: held, sending: 0, failed: 0, skipped: 0 });
    const waiting = await db.selectFrom('invitations').select('tenant_id').distinct().where('state', '=', 'pending').execute();
    expect(waiting).toEqual([{ tenant_id: limited }]);

    const ids = new Set(run.sink.deliveries.map((d) => d.messageId));
    expect(run.sink.deliveries).toHaveLength(INVITATIONS - held);
    expect(ids.size).toBe(INVITATIONS - held);
    const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM delivery_attempts WHERE outcome IS DISTINCT FROM 'sent'`.execute(db);
    expect(rows[0]!.n).toBe(0); // one attempt per invitation, and it was the one that sent
    expectAllPass(
      await run.invariants({
        expectedInvitations: INVITATIONS,
        drained: false, // the held ones are due, waiting for budget
        sweepSlackMs: SWEEP_SLACK_MS,
        idleInTransaction: sampler.idleInTransaction,
        stuckDuringRun: sampler.stuckDuringRun,
        rateLimits: true,
      }),
    );
  });

  it('SIGKILL of a worker every 1-2 s, suppressions and skips mid-run: nothing lost, duplicates only after uncertain attempts', async () => {
    run = await openQueueRun();
    const { db } = run.services.deps;
    await seedDueInvitations(db, { invitations: INVITATIONS, tenants: TENANTS });
    const fleet = await run.startFleet(WORKERS);
    const sampler = createRunSampler(db, SWEEP_SLACK_MS);
    let stopped: StoppedMidRun | undefined;
    let kills = 0;
    let nextKill = Date.now() + 1000;

    const { drained } = await waitForDrain(db, {
      timeoutMs: 300_000,
      skipBackoff: true,
      tick: async (counts) => {
        await sampler.sample();
        if (!stopped && counts && counts.sent >= INVITATIONS / 3) stopped = await stopSomeMidRun(db);
        if (kills < KILLS && Date.now() >= nextKill) {
          await fleet.restart(kills++ % WORKERS);
          nextKill = Date.now() + 1000 + Math.random() * 1000;
        }
      },
    });
    expect(fleet.unexpectedExits()).toEqual([]);
    expect(drained).toBe(true);
    expect(kills).toBeGreaterThanOrEqual(2);
    expect(stopped?.stops).toHaveLength(2);

    // Nothing lost: every invitation ended; suppressed ones that were waiting were skipped for it.
    const counts = await queueCounts(db);
    expect(counts.pending + counts.sending).toBe(0);
    const suppressed = await suppressedWhileWaiting(db, stopped!);
    expect(suppressed.length).toBeGreaterThan(0);
    expect(suppressed.filter((r) => !(r.state === 'skipped' && r.reason_code === 'suppressed'))).toEqual([]);
    const skip = stopped!.stops[1]!;
    const skippedIds = new Set(skip.invitationIds);
    expect(skippedIds.size).toBeGreaterThan(0);
    expect(run.sink.deliveries.filter((d) => skippedIds.has(invitationIdOf(d.messageId)!) && d.receivedAt > skip.committedAt)).toEqual([]);

    expectAllPass(
      await run.invariants({
        expectedInvitations: INVITATIONS,
        drained: true,
        sweepSlackMs: SWEEP_SLACK_MS,
        stops: stopped!.stops,
        idleInTransaction: sampler.idleInTransaction,
        stuckDuringRun: sampler.stuckDuringRun,
        leaseLostLogs: fleet.countLogs(/lease lost/),
      }),
    );
  });
});
