import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { deliverInvitation } from '../../src/app/deliver-invitation.ts';
import { claimInvitations } from '../../src/db/queue/claim-invitations.ts';
import { markSent } from '../../src/db/queue/mark-sent.ts';
import { releaseLeases } from '../../src/db/queue/release-leases.ts';
import { rescheduleInvitation } from '../../src/db/queue/reschedule-invitation.ts';
import { sweepExpiredLeases } from '../../src/db/queue/sweep-expired-leases.ts';
import { createLogger } from '../../src/logger.ts';
import type { Channel } from '../../src/app/ports.ts';
import { engines } from '../helpers/test-databases.ts';
import { createTestServices, type TestServices } from '../helpers/test-services.ts';
import { attemptsOf, eventTypes, invitationRow, newInvitation, newTenant } from './queue-fixtures.ts';

/** A logger whose lines the test can read. */
function capturingLogger() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logger: createLogger('warn', stream), lines };
}

/** Steal the lease as another worker would after a sweep: a new token, a new attempt. */
async function stealLease(s: TestServices, id: number): Promise<string> {
  const { rows } = await sql<{ lease_token: string }>`
    UPDATE invitations SET lease_token = gen_random_uuid(), leased_until = now() + interval '1 minute', attempts = attempts + 1
    WHERE id = ${id} RETURNING lease_token`.execute(s.deps.db);
  return rows[0]!.lease_token;
}

describe.each(engines)('queue SQL on %s', (engine) => {
  let s: TestServices;
  const lease = { leaseMs: 60_000 };
  beforeAll(async () => {
    s = await createTestServices(engine);
  });
  afterAll(async () => s?.dispose());

  /** Claims everything due (other tests' leftovers included) and hands back only the wanted ids. */
  const claimOnly = async (ids: number[], batchSize = 100) => {
    const { claimed } = await claimInvitations(s.database.pool, { batchSize, ...lease });
    return claimed.filter((c) => ids.includes(c.invitation.id));
  };

  it('claims due invitations under a fresh lease and writes the attempt row in the same statement', async () => {
    const tenant = await newTenant(s);
    const due = await newInvitation(s, tenant.id);
    const later = await newInvitation(s, tenant.id);
    await sql`UPDATE invitations SET scheduled_at = now() + interval '1 hour' WHERE id = ${later.id}`.execute(s.deps.db);
    const claimed = await claimOnly([due.id, later.id]);
    expect(claimed.map((c) => c.invitation.id)).toEqual([due.id]);
    const [c] = claimed;
    const row = await invitationRow(s, due.id);
    expect(row).toMatchObject({ state: 'sending', attempts: 1, lease_token: c!.leaseToken });
    expect(row.leased_until!.getTime()).toBeGreaterThan(row.updated_at.getTime() + 59_000);
    expect(await attemptsOf(s, due.id)).toMatchObject([{ attempt: 1, lease_token: c!.leaseToken, outcome: null, channel: 'email', tenant_id: tenant.id }]);
    // Claimed rows are nobody else's: a second claim does not return them.
    expect(await claimOnly([due.id])).toEqual([]);
  });

  it("is fair: one tenant's backlog does not hold back another tenant's single due invitation", async () => {
    const big = await newTenant(s, 'Big backlog');
    const small = await newTenant(s, 'Small shop');
    const first = await newInvitation(s, big.id);
    // 2,000 more for the big tenant, all due long before the small tenant's one.
    await sql`
      INSERT INTO invitations (tenant_id, campaign_id, order_ref, email, email_norm, name, channel, scheduled_at, token_hash)
      SELECT tenant_id, campaign_id, 'bulk-' || g, email, email_norm, name, channel, now() - interval '1 day' + g * interval '1 second', sha256(('bulk-' || g)::bytea)
      FROM invitations, generate_series(1, 2000) g WHERE id = ${first.id}`.execute(s.deps.db);
    const lone = await newInvitation(s, small.id);
    const { claimed, more } = await claimInvitations(s.database.pool, { batchSize: 10, ...lease });
    expect(claimed.map((c) => c.invitation.id)).toContain(lone.id);
    expect(claimed.filter((c) => c.invitation.tenant_id === big.id).length).toBeGreaterThan(0);
    expect(claimed.length).toBeLessThanOrEqual(10);
    expect(more).toBe(true);
    await releaseLeases(s.deps.db, claimed.map((c) => c.leaseToken));
    await sql`UPDATE invitations SET state = 'skipped', reason_code = 'manual_skip' WHERE tenant_id = ${big.id}`.execute(s.deps.db);
  });

  it('fencing: once the lease was taken over, a late outcome changes nothing and logs "lease lost"', async () => {
    const tenant = await newTenant(s);
    const api = await newInvitation(s, tenant.id);
    const [mine] = await claimOnly([api.id]);
    const theirs = await stealLease(s, api.id);
    const { logger, lines } = capturingLogger();
    const applied = await markSent(s.deps.db, logger, { invitationId: api.id, leaseToken: mine!.leaseToken, attempt: 1, providerRef: 'late', durationMs: 5 });
    expect(applied).toBe(false);
    expect(lines).toContainEqual(expect.objectContaining({ level: 40, invitation: api.id, msg: expect.stringMatching(/^lease lost/) }));
    const row = await invitationRow(s, api.id);
    expect(row).toMatchObject({ state: 'sending', lease_token: theirs, sent_at: null, provider_ref: null });
    expect(await eventTypes(s, api.id)).toEqual(['created']);
    // Our own attempt row still records what really happened to our attempt.
    expect(await attemptsOf(s, api.id)).toMatchObject([{ attempt: 1, outcome: 'sent' }]);
    // Every other fenced outcome behaves the same.
    expect(await rescheduleInvitation(s.deps.db, logger, { invitationId: api.id, leaseToken: mine!.leaseToken, attempt: 1, outcome: 'transient', delayMs: 1, error: 'x', durationMs: 1 })).toBe(false);
    expect((await invitationRow(s, api.id)).lease_token).toBe(theirs);
  });

  it('fencing: a worker that lost its lease before calling out does not call the channel', async () => {
    const tenant = await newTenant(s);
    const api = await newInvitation(s, tenant.id);
    const [mine] = await claimOnly([api.id]);
    await stealLease(s, api.id);
    let called = 0;
    const channel: Channel = { id: 'email', deliver: async () => (called++, { providerRef: 'x' }) };
    const outcome = await deliverInvitation(
      { db: s.deps.db, logger: s.logger, links: s.deps.links, publicUrl: s.deps.publicUrl, channels: { get: () => channel }, leaseMs: 60_000, maxAttempts: 8 },
      mine!,
    );
    expect(outcome.result).toBe('lease_lost');
    expect(called).toBe(0);
  });

  it('the sweeper returns expired leases as uncertain, fails exhausted ones, leaves live ones alone', async () => {
    const tenant = await newTenant(s);
    const [expired, exhausted, live] = [await newInvitation(s, tenant.id), await newInvitation(s, tenant.id), await newInvitation(s, tenant.id)];
    const claimed = await claimOnly([expired.id, exhausted.id, live.id]);
    expect(claimed).toHaveLength(3);
    await sql`UPDATE invitations SET leased_until = now() - interval '1 second' WHERE id IN (${expired.id}, ${exhausted.id})`.execute(s.deps.db);
    await sql`UPDATE invitations SET attempts = ${s.config.worker.maxAttempts} WHERE id = ${exhausted.id}`.execute(s.deps.db);
    const result = await sweepExpiredLeases(s.deps.db, { maxAttempts: s.config.worker.maxAttempts });
    expect(result).toEqual({ returned: 1, failed: 1 });
    expect(await invitationRow(s, expired.id)).toMatchObject({ state: 'pending', uncertain_attempts: 1, lease_token: null, leased_until: null });
    expect(await attemptsOf(s, expired.id)).toMatchObject([{ outcome: 'uncertain' }]);
    expect(await eventTypes(s, expired.id)).toEqual(['created', 'lease_expired']);
    expect(await invitationRow(s, exhausted.id)).toMatchObject({ state: 'failed', reason_code: 'attempts_exhausted' });
    expect(await invitationRow(s, live.id)).toMatchObject({ state: 'sending' });
    // The swept worker's late outcome is fenced out.
    const late = claimed.find((c) => c.invitation.id === expired.id)!;
    expect(await markSent(s.deps.db, s.logger, { invitationId: expired.id, leaseToken: late.leaseToken, attempt: 1, providerRef: null, durationMs: 1 })).toBe(false);
    expect(await attemptsOf(s, expired.id)).toMatchObject([{ outcome: 'uncertain' }]);
    await releaseLeases(s.deps.db, [claimed.find((c) => c.invitation.id === live.id)!.leaseToken]);
  });

  it('releaseLeases puts held invitations back in line without losing the attempt count', async () => {
    const tenant = await newTenant(s);
    const api = await newInvitation(s, tenant.id);
    const [c] = await claimOnly([api.id]);
    const scheduled = (await invitationRow(s, api.id)).scheduled_at;
    expect(await releaseLeases(s.deps.db, [c!.leaseToken])).toBe(1);
    expect(await invitationRow(s, api.id)).toMatchObject({ state: 'pending', attempts: 1, lease_token: null, scheduled_at: scheduled });
    expect(await attemptsOf(s, api.id)).toMatchObject([{ outcome: 'released' }]);
    // Claimed again: attempt 2, a new ledger row.
    const [again] = await claimOnly([api.id]);
    expect(again!.attempt).toBe(2);
    expect(await releaseLeases(s.deps.db, [c!.leaseToken])).toBe(0);
    await releaseLeases(s.deps.db, [again!.leaseToken]);
  });

  it('never reuses an attempt number, even if the attempt counter was reset', async () => {
    const tenant = await newTenant(s);
    const api = await newInvitation(s, tenant.id);
    const [first] = await claimOnly([api.id]);
    await releaseLeases(s.deps.db, [first!.leaseToken]);
    await sql`UPDATE invitations SET attempts = 0 WHERE id = ${api.id}`.execute(s.deps.db);
    const [second] = await claimOnly([api.id]);
    expect(second!.attempt).toBe(2);
    expect((await attemptsOf(s, api.id)).map((a) => a.attempt)).toEqual([1, 2]);
    await releaseLeases(s.deps.db, [second!.leaseToken]);
  });
});
