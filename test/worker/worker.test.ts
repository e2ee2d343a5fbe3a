import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { claimInvitations } from '../../src/db/queue/claim-invitations.ts';
import { sweepExpiredLeases } from '../../src/db/queue/sweep-expired-leases.ts';
import { createWorker, startWorker } from '../../src/worker/worker.ts';
import { engines } from '../helpers/test-databases.ts';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.ts';
import { createTestServices, type TestServices } from '../helpers/test-services.ts';
import { attemptsOf, eventTypes, invitationRow, newInvitation, newTenant } from './queue-fixtures.ts';

async function until(check: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe.each(engines)('worker on %s', (engine) => {
  let s: TestServices;
  let sink: SmtpSink;
  let tenantId: number;
  const messageId = (id: number) => `<invitation-${id}@reviews.example.test>`;
  beforeAll(async () => {
    sink = await startSmtpSink();
    s = await createTestServices(engine, { env: { SMTP_URL: sink.url, SMTP_TIMEOUT_MS: '2000', WORKER_LEASE_MS: '10000' } });
    tenantId = (await newTenant(s)).id;
  });
  beforeEach(() => sink.clearFaults());
  afterAll(async () => {
    await s?.dispose();
    await sink?.close();
  });

  it('crash recovery: a claimed-then-abandoned invitation is delivered exactly once after its lease', async () => {
    const api = await newInvitation(s, tenantId);
    // A worker claims it, then dies before calling out.
    const { claimed } = await claimInvitations(s.database.pool, { batchSize: 100, leaseMs: 60_000 });
    expect(claimed.map((c) => c.invitation.id)).toContain(api.id);
    const worker = createWorker(s, { periodicTasks: false });
    expect(await worker.runOnce()).toMatchObject({ claimed: 0 }); // still leased: nobody else takes it
    await sql`UPDATE invitations SET leased_until = now() - interval '1 second' WHERE state = 'sending'`.execute(s.deps.db);
    expect((await sweepExpiredLeases(s.deps.db, { maxAttempts: 8 })).returned).toBeGreaterThanOrEqual(1);
    expect(await invitationRow(s, api.id)).toMatchObject({ state: 'pending', uncertain_attempts: 1 });
    expect(await worker.runOnce()).toMatchObject({ sent: 1 });
    expect(await invitationRow(s, api.id)).toMatchObject({ state: 'sent', attempts: 2 });
    expect(await attemptsOf(s, api.id)).toMatchObject([{ outcome: 'uncertain' }, { outcome: 'sent' }]);
    expect(sink.countMessageId(messageId(api.id))).toBe(1);
    // And never again.
    expect(await worker.runOnce()).toMatchObject({ claimed: 0 });
    expect(sink.countMessageId(messageId(api.id))).toBe(1);
  });

  it('an address suppressed after scheduling is skipped at send time; nothing is sent', async () => {
    const api = await newInvitation(s, tenantId, { email: 'gone@example.com' });
    await s.deps.db.insertInto('suppressions').values({ tenant_id: tenantId, email_norm: 'gone@example.com', reason: 'unsubscribed', source: 'test' }).execute();
    expect(await createWorker(s, { periodicTasks: false }).runOnce()).toMatchObject({ skipped: 1 });
    expect(await invitationRow(s, api.id)).toMatchObject({ state: 'skipped', reason_code: 'suppressed' });
    expect(await attemptsOf(s, api.id)).toMatchObject([{ outcome: 'skipped' }]);
    expect(await eventTypes(s, api.id)).toEqual(['created', 'skipped']);
    expect(sink.messages.filter((m) => m.envelope.to.includes('gone@example.com'))).toHaveLength(0);
  });

  it('a campaign disabled after scheduling skips its invitations at send time', async () => {
    const tenant = await newTenant(s);
    const api = await newInvitation(s, tenant.id);
    await sql`UPDATE campaigns SET enabled = false WHERE tenant_id = ${tenant.id}`.execute(s.deps.db);
    expect(await createWorker(s, { periodicTasks: false }).runOnce()).toMatchObject({ skipped: 1 });
    expect(await invitationRow(s, api.id)).toMatchObject({ state: 'skipped', reason_code: 'campaign_disabled' });
    expect(sink.countMessageId(messageId(api.id))).toBe(0);
  });

  it('the running loop delivers as soon as an invitation is created (wake) and stops cleanly', async () => {
    const worker = startWorker(s, { periodicTasks: false, pollIntervalMs: 60_000 });
    try {
      await until(async () => (await s.deps.db.selectFrom('worker_heartbeats').select('worker_id').where('worker_id', '=', worker.id).executeTakeFirst()) !== undefined, 'the heartbeat');
      const api = await newInvitation(s, tenantId); // createInvitation wakes the worker: no 60 s poll wait
      await until(async () => (await invitationRow(s, api.id)).state === 'sent', 'the invitation to be sent');
      expect(sink.countMessageId(messageId(api.id))).toBe(1);
    } finally {
      await worker.stop({ graceMs: 2000 });
    }
    expect(await s.deps.db.selectFrom('worker_heartbeats').select('worker_id').where('worker_id', '=', worker.id).execute()).toEqual([]);
  });

  it('graceful stop: in-flight calls are aborted after the grace period and every held lease is released', async () => {
    const ids = [(await newInvitation(s, tenantId)).id, (await newInvitation(s, tenantId)).id, (await newInvitation(s, tenantId)).id];
    sink.disconnectAll();
    await new Promise((r) => setTimeout(r, 50));
    // The first call hangs in the greeting (well within its timeouts); the other two wait their turn.
    sink.inject({ at: 'greeting', delayMs: 60_000, times: 5 });
    const connections = sink.connections;
    const worker = createWorker(s, { periodicTasks: false, concurrency: 1 });
    const run = worker.runOnce({ batchSize: 3 });
    await sink.waitForConnections(connections + 1);
    await worker.stop({ graceMs: 50 });
    const counts = await run;
    expect(counts).toMatchObject({ claimed: 3, sent: 0, released: 1 });
    for (const id of ids) {
      expect(await invitationRow(s, id)).toMatchObject({ state: 'pending', lease_token: null, attempts: 1, uncertain_attempts: 0 });
      expect(await attemptsOf(s, id)).toMatchObject([{ outcome: 'released' }]);
    }
    sink.clearFaults();
    sink.disconnectAll();
    await new Promise((r) => setTimeout(r, 50));
    expect(await createWorker(s, { periodicTasks: false }).runOnce()).toMatchObject({ sent: 3 });
  });
});

describe.skipIf(!engines.includes('postgres'))('worker on postgres only', () => {
  let s: TestServices;
  let sink: SmtpSink;
  let tenantId: number;
  beforeAll(async () => {
    sink = await startSmtpSink();
    s = await createTestServices('postgres', { env: { SMTP_URL: sink.url, SMTP_TIMEOUT_MS: '3000', WORKER_LEASE_MS: '10000' } });
    tenantId = (await newTenant(s)).id;
  });
  afterAll(async () => {
    await s?.dispose();
    await sink?.close();
  });

  it('no transaction is open while the SMTP server hangs (pg_stat_activity shows no idle in transaction)', async () => {
    const api = await newInvitation(s, tenantId);
    sink.inject({ at: 'data', hang: true, recipient: api.email });
    const run = createWorker(s, { periodicTasks: false }).runOnce();
    await sink.waitForMessages(sink.messages.length + 1);
    const { rows } = await sql<{ state: string; n: number }>`
      SELECT coalesce(state, 'none') AS state, count(*)::int AS n FROM pg_stat_activity
      WHERE datname = current_database() AND pid <> pg_backend_pid() GROUP BY state`.execute(s.deps.db);
    expect(rows.filter((r) => r.state.startsWith('idle in transaction'))).toEqual([]);
    expect(await invitationRow(s, api.id)).toMatchObject({ state: 'sending' });
    // The hang ends with the socket timeout, after the whole message went out: uncertain.
    expect(await run).toMatchObject({ retried: 1, uncertain: 1 });
  });

  it('two workers drain the queue together, each invitation exactly once', async () => {
    const tenant = await newTenant(s);
    const ids: number[] = [];
    for (let i = 0; i < 40; i++) ids.push((await newInvitation(s, tenant.id)).id);
    const a = createWorker(s, { periodicTasks: false, concurrency: 4, workerId: 'a' });
    const b = createWorker(s, { periodicTasks: false, concurrency: 4, workerId: 'b' });
    let sent = 0;
    for (let round = 0; round < 20 && sent < 40; round++) {
      const [ra, rb] = await Promise.all([a.runOnce({ batchSize: 7 }), b.runOnce({ batchSize: 7 })]);
      sent += ra.sent + rb.sent;
    }
    expect(sent).toBe(40);
    for (const id of ids) expect(sink.countMessageId(`<invitation-${id}@reviews.example.test>`)).toBe(1);
  });

  it('survives the database dropping its connections: the loop backs off and carries on', async () => {
    const worker = startWorker(s, { periodicTasks: false, pollIntervalMs: 20 });
    try {
      await sql`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`.execute(s.deps.db);
      const api = await newInvitation(s, tenantId);
      await until(async () => (await invitationRow(s, api.id)).state === 'sent', 'delivery after the connections were killed', 20_000);
    } finally {
      await worker.stop({ graceMs: 2000 });
    }
  });
});
