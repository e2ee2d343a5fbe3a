import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { expireInvitations } from '../../src/app/expire-invitations.ts';
import { startPeriodicTasks } from '../../src/worker/periodic-tasks.ts';
import { createWorker } from '../../src/worker/worker.ts';
import { engines } from '../helpers/test-databases.ts';
import { createTestServices, type TestServices } from '../helpers/test-services.ts';
import { eventTypes, invitationRow, newInvitation, newTenant } from './queue-fixtures.ts';

describe.each(engines)('periodic tasks on %s', (engine) => {
  let s: TestServices;
  beforeAll(async () => {
    s = await createTestServices(engine);
  });
  afterAll(async () => s?.dispose());

  /** Sent through the outbox, then its review link's window moved into the past. */
  async function sentInvitation(tenantId: number, expiredAgo: string | null) {
    const api = await newInvitation(s, tenantId);
    expect(await createWorker(s, { periodicTasks: false }).runOnce()).toMatchObject({ sent: 1 });
    if (expiredAgo) await sql`UPDATE invitations SET expires_at = now() - ${expiredAgo}::interval WHERE id = ${api.id}`.execute(s.deps.db);
    return api;
  }

  it('expiry stamps expired_at (when the window closed) on sent invitations without a review, once', async () => {
    const tenant = await newTenant(s);
    const lapsed = await sentInvitation(tenant.id, '1 hour');
    const reviewed = await sentInvitation(tenant.id, '1 hour');
    await sql`UPDATE invitations SET completed_at = now() - interval '2 hours' WHERE id = ${reviewed.id}`.execute(s.deps.db);
    const open = await sentInvitation(tenant.id, null);

    expect(await expireInvitations(s.deps)).toEqual({ expired: 1 });
    const row = await invitationRow(s, lapsed.id);
    expect(row.expired_at).toEqual(row.expires_at);
    expect(await eventTypes(s, lapsed.id)).toEqual(['created', 'sent', 'expired']);
    expect((await invitationRow(s, reviewed.id)).expired_at).toBeNull();
    expect((await invitationRow(s, open.id)).expired_at).toBeNull();
    expect(await expireInvitations(s.deps)).toEqual({ expired: 0 });
  });

  it('one tick sweeps, expires (and vacuums in embedded mode) and records each run', async () => {
    const tenant = await newTenant(s);
    const lapsed = await sentInvitation(tenant.id, '1 minute');
    const tasks = startPeriodicTasks(s, { workerId: 'tick-test', timers: false });
    try {
      const report = await tasks.runOnce();
      expect(report).toMatchObject({ sweep_leases: { returned: 0, failed: 0 }, expire_invitations: { expired: 1 } });
      if (engine === 'pglite') expect(report).toHaveProperty('vacuum');
      else expect(report).not.toHaveProperty('vacuum');
      if (engine === 'pglite') {
        // PGlite never analyzes by itself: the order path's tables get statistics from this task
        // (reltuples stays -1 until a table is first analyzed).
        const { rows } = await s.database.pool.query<{ relname: string; reltuples: number }>(
          `SELECT relname, reltuples FROM pg_class WHERE relname IN ('orders', 'customers', 'suppressions', 'invitation_search') ORDER BY relname`,
        );
        expect(rows.map((r) => [r.relname, r.reltuples >= 0])).toEqual([['customers', true], ['invitation_search', true], ['orders', true], ['suppressions', true]]);
      }
      expect((await invitationRow(s, lapsed.id)).expired_at).not.toBeNull();
      const runs = await s.deps.db.selectFrom('periodic_runs').selectAll().orderBy('task').execute();
      expect(runs.map((r) => r.task)).toEqual(engine === 'pglite' ? ['expire_invitations', 'sweep_leases', 'vacuum'] : ['expire_invitations', 'sweep_leases']);
      expect(runs.every((r) => r.worker_id === 'tick-test')).toBe(true);
      // The vacuum is due again only after its interval.
      expect(await tasks.runOnce()).not.toHaveProperty('vacuum');
    } finally {
      await tasks.stop();
    }
  });
});

describe.skipIf(!engines.includes('postgres'))('periodic-task leadership on postgres', () => {
  let s: TestServices;
  beforeAll(async () => {
    s = await createTestServices('postgres');
  });
  afterAll(async () => s?.dispose());

  it('runs in one worker only, and moves when the leader’s session dies', async () => {
    const a = startPeriodicTasks(s, { workerId: 'a', timers: false });
    const b = startPeriodicTasks(s, { workerId: 'b', timers: false });
    try {
      expect(await a.runOnce()).toBeDefined();
      expect(await b.runOnce()).toBeUndefined();
      expect(await a.runOnce()).toBeDefined();
      const leaders = await sql<{ n: number }>`
        SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'review-invites leader'`.execute(s.deps.db);
      expect(leaders.rows[0]!.n).toBe(1);

      // The leader's database session dies (crash, network): the server drops its lock.
      await sql`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'review-invites leader'`.execute(s.deps.db);
      expect(await b.runOnce()).toBeDefined();
      expect(await a.runOnce()).toBeUndefined();
    } finally {
      await a.stop();
      await b.stop();
    }
  });

  it('a stopping leader hands over at once', async () => {
    const a = startPeriodicTasks(s, { workerId: 'a', timers: false });
    const b = startPeriodicTasks(s, { workerId: 'b', timers: false });
    try {
      expect(await a.runOnce()).toBeDefined();
      expect(await b.runOnce()).toBeUndefined();
      await a.stop();
      expect(await b.runOnce()).toBeDefined();
    } finally {
      await a.stop();
      await b.stop();
    }
  });
});
