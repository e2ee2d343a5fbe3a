import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import type { FastifyInstance } from 'fastify';
import { buildHttpApp } from '../../src/http/app.ts';
import { sweepExpiredLeases } from '../../src/db/queue/sweep-expired-leases.ts';
import { createWorker } from '../../src/worker/worker.ts';
import { engines } from '../helpers/test-databases.ts';
import { createTestServices, TEST_ADMIN_TOKEN, type TestServices } from '../helpers/test-services.ts';
import { newInvitation, newTenant } from '../worker/queue-fixtures.ts';

function metric(text: string, name: string): number {
  const line = text.split('\n').find((l) => l.startsWith(name));
  if (!line) throw new Error(`no metric ${name}`);
  return Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe.each(engines)('metrics and doctor on %s', (engine) => {
  let s: TestServices;
  let app: FastifyInstance;
  beforeAll(async () => {
    s = await createTestServices(engine);
    app = await buildHttpApp(s);
  });
  afterAll(async () => {
    await app?.close();
    await s?.dispose();
  });

  const doctor = async () => {
    const res = await app.inject({ method: 'GET', url: '/admin/v1/doctor', headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` } });
    expect(res.statusCode).toBe(200);
    return res.json() as { ok: boolean; problems: string[]; health: { due: number; stuckLeases: number; oldestDueLagSeconds: number } };
  };

  it('reports queue depth, deliveries by outcome and latency', async () => {
    const tenant = await newTenant(s);
    for (let i = 0; i < 3; i++) await newInvitation(s, tenant.id);
    let text = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metric(text, 'review_invites_queue_invitations{state="due"}')).toBe(3);
    expect(metric(text, 'review_invites_database_up')).toBe(1);

    const worker = createWorker(s);
    const counts = await worker.runOnce();
    expect(counts.sent).toBe(3);
    text = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metric(text, 'review_invites_queue_invitations{state="due"}')).toBe(0);
    expect(metric(text, 'review_invites_delivery_attempts_total{channel="email",outcome="sent"}')).toBe(3);
    expect(metric(text, 'review_invites_delivery_attempt_duration_seconds_count{channel="email",outcome="sent"}')).toBe(3);
    // no personal data in the exposition
    expect(text).not.toMatch(/@example\.com/);
  });

  it('doctor finds stuck leases and late invitations, and is clean once they are handled', async () => {
    const tenant = await newTenant(s);
    const inv = await newInvitation(s, tenant.id);
    // As a worker that died an hour ago would leave it; and a second invitation due for an hour.
    await sql`UPDATE invitations SET state = 'sending', lease_token = gen_random_uuid(), leased_until = now() - interval '1 hour' WHERE id = ${inv.id}`.execute(s.deps.db);
    const late = await newInvitation(s, tenant.id);
    await sql`UPDATE invitations SET scheduled_at = now() - interval '1 hour' WHERE id = ${late.id}`.execute(s.deps.db);

    const sick = await doctor();
    expect(sick.ok).toBe(false);
    expect(sick.health.stuckLeases).toBe(1);
    expect(sick.health.oldestDueLagSeconds).toBeGreaterThanOrEqual(3600);
    expect(sick.problems.join('\n')).toMatch(/stuck in 'sending'/);
    expect(sick.problems.join('\n')).toMatch(/late/);

    const worker = createWorker(s);
    await sweepExpiredLeases(s.deps.db, { maxAttempts: s.config.worker.maxAttempts });
    await worker.runOnce();
    await worker.runOnce();
    const healthy = await doctor();
    expect(healthy.health.stuckLeases).toBe(0);
    expect(healthy.health.due).toBe(0);
    expect(healthy.problems.filter((p) => !/periodic task|worker has reported/.test(p))).toEqual([]);
  });

  it('the due-lag and stuck-lease gauges read the queue at scrape time, and fall back to 0 once it is handled', async () => {
    const scrape = async () => (await app.inject({ method: 'GET', url: '/metrics' })).body;
    let text = await scrape();
    expect(metric(text, 'review_invites_queue_due_lag_seconds')).toBe(0);
    expect(metric(text, 'review_invites_queue_stuck_leases')).toBe(0);

    const tenant = await newTenant(s);
    // Due for 40 minutes, and (less late) for 5: the gauge shows the oldest.
    const oldest = await newInvitation(s, tenant.id);
    await sql`UPDATE invitations SET scheduled_at = now() - interval '40 minutes' WHERE id = ${oldest.id}`.execute(s.deps.db);
    const recent = await newInvitation(s, tenant.id);
    await sql`UPDATE invitations SET scheduled_at = now() - interval '5 minutes' WHERE id = ${recent.id}`.execute(s.deps.db);
    // A lease over for an hour is stuck; one over for 30 s is within the sweeper's grace (120 s); a live one is fine.
    const leases = { stuck: '1 hour', graced: '30 seconds', live: '-1 minute' };
    for (const ago of Object.values(leases)) {
      const inv = await newInvitation(s, tenant.id);
      await sql`UPDATE invitations SET state = 'sending', lease_token = gen_random_uuid(), leased_until = now() - ${ago}::interval WHERE id = ${inv.id}`.execute(s.deps.db);
    }

    text = await scrape();
    const lag = metric(text, 'review_invites_queue_due_lag_seconds');
    expect(lag).toBeGreaterThanOrEqual(40 * 60);
    expect(lag).toBeLessThan(41 * 60);
    expect(metric(text, 'review_invites_queue_stuck_leases')).toBe(1);
    expect(metric(text, 'review_invites_queue_invitations{state="sending"}')).toBe(3);

    // The sweeper returns the two expired leases; the worker delivers everything due.
    await sweepExpiredLeases(s.deps.db, { maxAttempts: s.config.worker.maxAttempts });
    const worker = createWorker(s);
    await worker.runOnce();
    text = await scrape();
    expect(metric(text, 'review_invites_queue_due_lag_seconds')).toBe(0);
    expect(metric(text, 'review_invites_queue_stuck_leases')).toBe(0);
    // Only the live lease is still out.
    expect(metric(text, 'review_invites_queue_invitations{state="sending"}')).toBe(1);
    await sql`UPDATE invitations SET state = 'skipped', lease_token = NULL, leased_until = NULL WHERE state = 'sending'`.execute(s.deps.db);
  });

  it('the admin doctor endpoint needs the admin token', async () => {
    const res = await app.inject({ method: 'GET', url: '/admin/v1/doctor' });
    expect(res.statusCode).toBe(401);
  });
});
