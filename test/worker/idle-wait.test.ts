/**
 * An idle worker sleeps until the next invitation falls due, not a whole poll interval
 * (worker.ts, src/db/queue/next-due-in.ts). Each engine gets a database of its own, so no other
 * test's pending invitations move the next due time.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { createInvitation } from '../../src/app/create-invitation.ts';
import { nextDueInMs } from '../../src/db/queue/next-due-in.ts';
import { startWorker } from '../../src/worker/worker.ts';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.ts';
import { engines } from '../helpers/test-databases.ts';
import { createTestServices, type TestServices } from '../helpers/test-services.ts';
import { invitationRow, newTenant } from './queue-fixtures.ts';

describe.each(engines)('idle wait on %s', (engine) => {
  let s: TestServices;
  let sink: SmtpSink;
  let tenantId: number;
  let seq = 0;
  const invite = async (sendAt: Date) =>
    (await createInvitation(s.deps, tenantId, { email: `idle${++seq}@example.com`, name: `Idle ${seq}`, order_ref: `IDLE-${seq}`, send_at: sendAt.toISOString() })).invitation;
  const dueInSeconds = (id: number, seconds: number) =>
    sql`UPDATE invitations SET scheduled_at = now() + ${seconds}::float8 * interval '1 second' WHERE id = ${id}`.execute(s.deps.db);

  /** A worker polling every 60 s, never woken: it runs until the invitation is sent, for at most 15 s. */
  const runWorkerUntilSent = async (id: number) => {
    const worker = startWorker(s, { periodicTasks: false, pollIntervalMs: 60_000 });
    try {
      for (const deadline = Date.now() + 15_000; (await invitationRow(s, id)).state !== 'sent'; ) {
        if (Date.now() > deadline) throw new Error(`not sent 15 s after start: ${(await invitationRow(s, id)).state}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    } finally {
      await worker.stop({ graceMs: 2000 });
    }
  };

  beforeAll(async () => {
    sink = await startSmtpSink();
    s = await createTestServices(engine, { env: { SMTP_URL: sink.url, SMTP_TIMEOUT_MS: '2000' } });
    tenantId = (await newTenant(s)).id;
  });
  afterAll(async () => {
    await s?.dispose();
    await sink?.close();
  });

  it('nextDueInMs: the next pending invitation within the window, by the database clock', async () => {
    expect(await nextDueInMs(s.deps.db, { sinceMs: 1000, withinMs: 60_000 })).toBeNull();

    const later = await invite(new Date(Date.now() + 3_600_000));
    await dueInSeconds(later.id, 30);
    expect(await nextDueInMs(s.deps.db, { sinceMs: 1, withinMs: 10_000 })).toBeNull(); // beyond the window
    const ms = await nextDueInMs(s.deps.db, { sinceMs: 1, withinMs: 60_000 });
    expect(ms).toBeGreaterThan(25_000);
    expect(ms).toBeLessThanOrEqual(30_000);

    // Fell due just now, after a claim that (say) 5 s ago found nothing: claim again at once.
    const justDue = await invite(new Date(Date.now() + 3_600_000));
    await dueInSeconds(justDue.id, -2);
    expect(await nextDueInMs(s.deps.db, { sinceMs: 5000, withinMs: 60_000 })).toBe(0);
    // Due before that claim (left by it: out of budget, or another worker's): not a reason to wake.
    const ms2 = await nextDueInMs(s.deps.db, { sinceMs: 1000, withinMs: 60_000 });
    expect(ms2).toBeGreaterThan(25_000);

    // Only pending invitations count.
    await sql`UPDATE invitations SET state = 'skipped', reason_code = 'manual_skip' WHERE id IN (${later.id}, ${justDue.id})`.execute(s.deps.db);
    expect(await nextDueInMs(s.deps.db, { sinceMs: 5000, withinMs: 60_000 })).toBeNull();
  });

  it('a worker that found nothing due delivers the next invitation when it falls due, not a poll interval later', async () => {
    const invitation = await invite(new Date(Date.now() + 1500));
    // Not due when it was created, so nothing wakes the worker: only the next due time can end its
    // sleep within the 15 s this test waits.
    await runWorkerUntilSent(invitation.id);
    const row = await invitationRow(s, invitation.id);
    expect(row.sent_at!.getTime()).toBeGreaterThanOrEqual(row.scheduled_at.getTime()); // never early
    expect(sink.countMessageId(`<invitation-${invitation.id}@reviews.example.test>`)).toBe(1);
  });

  it('a claim that took all that was due is followed by one at the next due time, not by one per finished delivery', async () => {
    const now = await invite(new Date(Date.now() - 1000));
    const later = await invite(new Date(Date.now() + 1500));
    // Every claim the worker sends, counted on its way to the database (the worker uses this pool).
    const pool = s.database.pool;
    const query = pool.query.bind(pool);
    let claims = 0;
    pool.query = ((...args: Parameters<typeof query>) => {
      const name = (args[0] as { name?: string } | null)?.name;
      if (name?.startsWith('claim-invitations')) claims++;
      return query(...args);
    }) as typeof pool.query;
    try {
      await runWorkerUntilSent(later.id);
    } finally {
      pool.query = query;
    }
    expect((await invitationRow(s, now.id)).state).toBe('sent');
    // The first claim takes the due one; the first delivery's end starts no claim (nothing more was
    // due); the second claim, when the later one falls due, takes it.
    expect(claims).toBe(2);
  });
});
