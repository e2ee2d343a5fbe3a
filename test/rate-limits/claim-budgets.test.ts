import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { claimInvitations } from '../../src/db/queue/claim-invitations.ts';
import { releaseLeases } from '../../src/db/queue/release-leases.ts';
import { startWorker } from '../../src/worker/worker.ts';
import { engines } from '../helpers/test-databases.ts';
import { createTestServices, type TestServices } from '../helpers/test-services.ts';
import { addInvitations, backdateAttempts, countByState, drain, mostInAnyWindow, setBudget, tenantOn } from './rate-limit-fixtures.ts';

const HOUR = 3600;

describe.each(engines)('rate-limited claim on %s', (engine) => {
  let s: TestServices;
  const lease = { leaseMs: 60_000 };
  beforeAll(async () => {
    s = await createTestServices(engine);
  });
  afterAll(async () => s?.dispose());

  /** Takes everything the claim hands out back out of play, so tests do not see each other's rows. */
  const settle = async (tenantIds: number[]) => {
    await sql`UPDATE invitations SET state = 'skipped', reason_code = 'manual_skip', lease_token = NULL, leased_until = NULL
      WHERE tenant_id = ANY(${tenantIds}::bigint[]) AND state IN ('pending', 'sending')`.execute(s.deps.db);
  };

  it('max 10 per window, 50 due: a drain sends exactly 10, holds 40 pending; after the window the next 10 go out', async () => {
    const shop = await tenantOn(s, 'email');
    await setBudget(s, shop.tenantId, 'email', 10, HOUR);
    await addInvitations(s, shop, 50);

    expect(await drain(s)).toMatchObject({ claimed: 10, sent: 10 });
    expect(await countByState(s, shop.tenantId)).toEqual({ sent: 10, pending: 40 });
    // Held invitations are untouched: never claimed, never failed, still due.
    const held = await s.deps.db.selectFrom('invitations').select(['attempts', 'reason_code']).where('tenant_id', '=', shop.tenantId).where('state', '=', 'pending').execute();
    expect(held.every((r) => r.attempts === 0 && r.reason_code === null)).toBe(true);

    await backdateAttempts(s, shop.tenantId, 'email', HOUR + 1);
    expect(await drain(s)).toMatchObject({ claimed: 10, sent: 10 });
    expect(await countByState(s, shop.tenantId)).toEqual({ sent: 20, pending: 30 });
    expect(await mostInAnyWindow(s, shop.tenantId, 'email', HOUR)).toBe(10);
    await settle([shop.tenantId]);
  });

  it('claims the send-time re-check skips spend no budget: after downtime, stale ones do not hold back real sends', async () => {
    const shop = await tenantOn(s, 'email');
    await setBudget(s, shop.tenantId, 'email', 5, HOUR);
    const ids = await addInvitations(s, shop, 8);
    // The five oldest are to addresses suppressed since they were scheduled: each is claimed, then skipped.
    await sql`INSERT INTO suppressions (tenant_id, email_norm, reason, source)
      SELECT tenant_id, email_norm, 'unsubscribed', 'test' FROM invitations WHERE id = ANY(${ids.slice(0, 5)}::bigint[])`.execute(s.deps.db);

    expect(await drain(s)).toMatchObject({ skipped: 5, sent: 3 });
    expect(await countByState(s, shop.tenantId)).toEqual({ skipped: 5, sent: 3 });
    expect(await mostInAnyWindow(s, shop.tenantId, 'email', HOUR)).toBe(3);
  });

  it('an attempt counts in every window its start-to-finish touches: one delivered inside the window is counted there', async () => {
    const shop = await tenantOn(s, 'email');
    await setBudget(s, shop.tenantId, 'email', 2, 10);
    // Two deliveries claimed 12 s ago (before the 10 s window) that the provider took 9 s ago (inside it).
    const earlier = await addInvitations(s, shop, 2);
    await sql`UPDATE invitations SET state = 'sent', sent_at = now() - interval '9 seconds' WHERE id = ANY(${earlier}::bigint[])`.execute(s.deps.db);
    await sql`INSERT INTO delivery_attempts (invitation_id, tenant_id, attempt, lease_token, channel, rate_key, started_at, finished_at, outcome)
      SELECT id, tenant_id, 1, gen_random_uuid(), 'email', 'email', now() - interval '12 seconds', now() - interval '9 seconds', 'sent'
      FROM invitations WHERE id = ANY(${earlier}::bigint[])`.execute(s.deps.db);
    await addInvitations(s, shop, 3);

    expect(await drain(s)).toMatchObject({ claimed: 0 });
    await backdateAttempts(s, shop.tenantId, 'email', 2);
    expect(await drain(s)).toMatchObject({ claimed: 2, sent: 2 });
    expect(await countByState(s, shop.tenantId)).toEqual({ sent: 4, pending: 1 });
    // Its 10 s window frees the last one soon: left pending, it would take a share of later tests' batches.
    await settle([shop.tenantId]);
  });

  it('the running worker loop keeps a 4-per-second budget in every rolling second, and drains the rest as budget frees', async () => {
    const shop = await tenantOn(s, 'email');
    await setBudget(s, shop.tenantId, 'email', 4, 1);
    await addInvitations(s, shop, 12);
    const worker = startWorker(s, { periodicTasks: false, pollIntervalMs: 20 });
    try {
      for (let waited = 0; (await countByState(s, shop.tenantId)).sent !== 12; waited += 50) {
        if (waited > 30_000) throw new Error('the worker did not drain the 12 invitations');
        await new Promise((r) => setTimeout(r, 50));
      }
    } finally {
      await worker.stop({ graceMs: 1000 });
    }
    expect(await mostInAnyWindow(s, shop.tenantId, 'email', 1)).toBe(4);
  });

  it('every attempt carries its rate key; the budget never exceeds its limit in any rolling window', async () => {
    const shop = await tenantOn(s, 'email');
    await setBudget(s, shop.tenantId, 'email', 7, HOUR);
    await addInvitations(s, shop, 30);
    for (let round = 0; round < 3; round++) {
      await drain(s, { batchSize: 3 });
      await backdateAttempts(s, shop.tenantId, 'email', 20 * 60); // a third of the window per round
    }
    const attempts = await s.deps.db.selectFrom('delivery_attempts').select(['rate_key', 'channel']).where('tenant_id', '=', shop.tenantId).execute();
    expect(attempts.length).toBeGreaterThan(0);
    expect(attempts.every((a) => a.rate_key === 'email' && a.channel === 'email')).toBe(true);
    // Three rounds 20 minutes apart all fall in one hour: 7 in total, however the batches were cut.
    expect(attempts).toHaveLength(7);
    expect(await mostInAnyWindow(s, shop.tenantId, 'email', HOUR)).toBeLessThanOrEqual(7);
    await settle([shop.tenantId]);
  });

  it('a key paused by a provider (blocked_until) claims nothing; other keys and tenants carry on', async () => {
    const paused = await tenantOn(s, 'email');
    const other = await tenantOn(s, 'email');
    const [mine] = await addInvitations(s, paused, 1);
    const [theirs] = await addInvitations(s, other, 1);
    await sql`INSERT INTO rate_limits (tenant_id, key, blocked_until) VALUES (${paused.tenantId}, 'email', now() + interval '5 minutes')`.execute(s.deps.db);
    const first = await claimInvitations(s.database.pool, { batchSize: 10, ...lease });
    expect(first.claimed.map((c) => c.invitation.id)).toEqual([theirs]);
    await sql`UPDATE rate_limits SET blocked_until = now() - interval '1 second' WHERE tenant_id = ${paused.tenantId}`.execute(s.deps.db);
    const second = await claimInvitations(s.database.pool, { batchSize: 10, ...lease });
    expect(second.claimed.map((c) => c.invitation.id)).toEqual([mine]);
    // An unlimited key's pause row carries no budget: once the pause is over it is unlimited again.
    expect(await s.deps.db.selectFrom('rate_limits').select(['max_count', 'window_seconds']).where('tenant_id', '=', paused.tenantId).executeTakeFirst()).toEqual({
      max_count: null,
      window_seconds: null,
    });
    await releaseLeases(s.deps.db, [...first.claimed, ...second.claimed].map((c) => c.leaseToken));
    await settle([paused.tenantId, other.tenantId]);
  });

  it("a channel's default budget applies without a row: the row is created lazily by the claim", async () => {
    const shop = await tenantOn(s, 'amino', 'http://127.0.0.1:9');
    await addInvitations(s, shop, 105);
    const defaults = s.channels.defaultRateLimits();
    expect(defaults).toEqual([{ key: 'amino', maxCount: 100, windowSeconds: HOUR }]);
    expect(await s.deps.db.selectFrom('rate_limits').selectAll().where('tenant_id', '=', shop.tenantId).execute()).toEqual([]);
    let claimed = 0;
    for (let round = 0; round < 5; round++) {
      claimed += (await claimInvitations(s.database.pool, { batchSize: 40, ...lease, defaultRateLimits: defaults })).claimed.length;
    }
    expect(claimed).toBe(100);
    expect(await countByState(s, shop.tenantId)).toEqual({ sending: 100, pending: 5 });
    const row = await s.deps.db.selectFrom('rate_limits').selectAll().where('tenant_id', '=', shop.tenantId).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ key: 'amino', max_count: null, window_seconds: null, blocked_until: null });
    expect(row.last_claim_at).not.toBeNull();
    await settle([shop.tenantId]);
  });

  it("a tenant's override replaces the default; max_count 0 pauses the key", async () => {
    const shop = await tenantOn(s, 'amino', 'http://127.0.0.1:9');
    await addInvitations(s, shop, 10);
    const defaults = s.channels.defaultRateLimits();
    await setBudget(s, shop.tenantId, 'amino', 0, HOUR);
    expect((await claimInvitations(s.database.pool, { batchSize: 10, ...lease, defaultRateLimits: defaults })).claimed).toEqual([]);
    await setBudget(s, shop.tenantId, 'amino', 3, 60);
    expect((await claimInvitations(s.database.pool, { batchSize: 10, ...lease, defaultRateLimits: defaults })).claimed).toHaveLength(3);
    await settle([shop.tenantId]);
  });

  it("fair: tenant A's 20,000 due invitations do not delay tenant B's single one past the first round", async () => {
    const a = await tenantOn(s, 'email');
    const b = await tenantOn(s, 'email');
    await addInvitations(s, a, 20_000, 2 * HOUR); // all due long before B's
    const [lone] = await addInvitations(s, b, 1);
    const first = await claimInvitations(s.database.pool, { batchSize: 10, ...lease });
    expect(first.claimed.map((c) => c.invitation.id)).toContain(lone);
    // Each tenant's share is half the batch; B's unused part waits for the next round (more: true).
    expect(first.claimed.filter((c) => c.invitation.tenant_id === a.tenantId)).toHaveLength(5);
    expect(first.more).toBe(true);
    // The same when A's key is rate-limited and B's is not, and the other way round.
    const [again] = await addInvitations(s, b, 1);
    await setBudget(s, a.tenantId, 'email', 1000, HOUR);
    const second = await claimInvitations(s.database.pool, { batchSize: 10, ...lease });
    expect(second.claimed.map((c) => c.invitation.id)).toContain(again);
    const [third] = await addInvitations(s, b, 1);
    await setBudget(s, b.tenantId, 'email', 3, HOUR); // two used so far: one left
    const round3 = await claimInvitations(s.database.pool, { batchSize: 10, ...lease });
    expect(round3.claimed.map((c) => c.invitation.id)).toContain(third);
    await releaseLeases(s.deps.db, [...first.claimed, ...second.claimed, ...round3.claimed].map((c) => c.leaseToken));
    await settle([a.tenantId, b.tenantId]);
  });

  it('a tenant whose keys are out of budget takes no share: the batch goes to the others', async () => {
    const full = await tenantOn(s, 'email');
    const open = await tenantOn(s, 'email');
    await setBudget(s, full.tenantId, 'email', 0, HOUR);
    await addInvitations(s, full, 20);
    await addInvitations(s, open, 20);
    const { claimed } = await claimInvitations(s.database.pool, { batchSize: 10, ...lease });
    expect(claimed).toHaveLength(10);
    expect(claimed.every((c) => c.invitation.tenant_id === open.tenantId)).toBe(true);
    await releaseLeases(s.deps.db, claimed.map((c) => c.leaseToken));
    await settle([full.tenantId, open.tenantId]);
  });
});
