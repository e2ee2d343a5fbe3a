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

  it('the admin doctor endpoint needs the admin token', async () => {
    const res = await app.inject({ method: 'GET', url: '/admin/v1/doctor' });
    expect(res.statusCode).toBe(401);
  });
});
