/**
 * Concurrency needs PostgreSQL (PGlite has one connection, so SKIP LOCKED never skips there). Four
 * claimers, each on its own pool of one connection, race over the same limited keys: the two-statement
 * claim must hand out exactly the budget — a single-statement count overshoots here (stack.md §7).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { claimInvitations } from '../../src/db/queue/claim-invitations.ts';
import type { KeyedRateLimit } from '../../src/domain/rate-limit.ts';
import { createDatabase, type DatabaseHandle } from '../../src/db/create-database.ts';
import { engines } from '../helpers/test-databases.ts';
import { createTestServices, type TestServices } from '../helpers/test-services.ts';
import { addInvitations, mostInAnyWindow, setBudget, tenantOn } from './rate-limit-fixtures.ts';

const KEYS = 20;
const LIMIT = 100;
const DUE_PER_KEY = 500;
const CLAIMERS = 4;

describe.skipIf(!engines.includes('postgres'))('concurrent rate-limited claims on postgres', () => {
  let s: TestServices;
  const claimers: DatabaseHandle[] = [];
  beforeAll(async () => {
    s = await createTestServices('postgres');
    for (let i = 0; i < CLAIMERS; i++) claimers.push(await createDatabase({ kind: 'postgres', url: s.testDb.url!, poolSize: 1 }));
  });
  afterAll(async () => {
    for (const c of claimers) await c.close();
    await s?.dispose();
  });

  /** Every claimer claims until it keeps getting nothing; then one more claim takes whatever the race left. */
  async function race(defaultRateLimits?: KeyedRateLimit[], racers: DatabaseHandle[] = claimers): Promise<number[]> {
    const options = { batchSize: 50, leaseMs: 600_000, ...(defaultRateLimits ? { defaultRateLimits } : {}) };
    const perClaimer = await Promise.all(
      racers.map(async (c) => {
        const ids: number[] = [];
        // A claimer that finds every key locked or spent gets nothing; it stops after a few such rounds.
        for (let empty = 0; empty < 5; ) {
          const { claimed } = await claimInvitations(c.pool, options);
          ids.push(...claimed.map((x) => x.invitation.id));
          if (claimed.length === 0) {
            empty++;
            await new Promise((r) => setTimeout(r, 5));
          } else empty = 0;
        }
        return ids;
      }),
    );
    const { claimed: rest } = await claimInvitations(racers[0]!.pool, { ...options, batchSize: 1000 });
    return [...perClaimer.flat(), ...rest.map((x) => x.invitation.id)];
  }

  it(`${CLAIMERS} claimers racing on ${KEYS} keys × ${LIMIT} with ${KEYS * DUE_PER_KEY} due rows claim exactly ${KEYS * LIMIT}, no key over, none twice`, async () => {
    const tenants: number[] = [];
    for (let k = 0; k < KEYS; k++) {
      const owner = await tenantOn(s, 'email');
      await setBudget(s, owner.tenantId, 'email', LIMIT, 3600);
      await addInvitations(s, owner, DUE_PER_KEY);
      tenants.push(owner.tenantId);
    }
    await sql`ANALYZE invitations`.execute(s.deps.db);

    const all = await race();

    expect(all).toHaveLength(KEYS * LIMIT);
    expect(new Set(all).size).toBe(all.length);
    const { rows } = await sql<{ tenant_id: number; n: number; attempts: number }>`
      SELECT tenant_id, count(*)::int AS n, count(DISTINCT invitation_id)::int AS attempts FROM delivery_attempts
      WHERE tenant_id = ANY(${tenants}::bigint[]) GROUP BY tenant_id`.execute(s.deps.db);
    expect(rows).toHaveLength(KEYS);
    for (const r of rows) expect(r).toMatchObject({ n: LIMIT, attempts: LIMIT });
    for (const t of tenants) expect(await mostInAnyWindow(s, t, 'email', 3600)).toBe(LIMIT);
    const states = await sql<{ state: string; n: number }>`
      SELECT state, count(*)::int AS n FROM invitations WHERE tenant_id = ANY(${tenants}::bigint[]) GROUP BY state ORDER BY state`.execute(s.deps.db);
    expect(states.rows).toEqual([
      { state: 'pending', n: KEYS * (DUE_PER_KEY - LIMIT) },
      { state: 'sending', n: KEYS * LIMIT },
    ]);
  });

  it("the channel default's rows are created lazily under the race: amino's 100 per hour hold for every tenant", async () => {
    const tenants: number[] = [];
    for (let k = 0; k < 10; k++) {
      const owner = await tenantOn(s, 'amino', 'http://127.0.0.1:9');
      await addInvitations(s, owner, 150);
      tenants.push(owner.tenantId);
    }
    const all = await race(s.channels.defaultRateLimits());
    expect(all).toHaveLength(10 * 100);
    expect(new Set(all).size).toBe(all.length);
    for (const t of tenants) expect(await mostInAnyWindow(s, t, 'amino', 3600)).toBe(100);
    const rows = await s.deps.db.selectFrom('rate_limits').select(['tenant_id', 'max_count']).where('tenant_id', 'in', tenants).execute();
    expect(rows).toHaveLength(10);
    expect(rows.every((r) => r.max_count === null)).toBe(true);
  });

  it('on a server whose default isolation is REPEATABLE READ the claim still hands out exactly the budget', async () => {
    // The claim function refuses a single snapshot (its budget count would overshoot); the claimer
    // then claims in an explicit READ COMMITTED transaction.
    const url = new URL(s.testDb.url!);
    url.searchParams.set('options', '-c default_transaction_isolation=repeatable\\ read');
    const racers: DatabaseHandle[] = [];
    try {
      for (let i = 0; i < 3; i++) racers.push(await createDatabase({ kind: 'postgres', url: url.toString(), poolSize: 1 }));
      const { rows: isolation } = await racers[0]!.pool.query<{ level: string }>("SELECT current_setting('transaction_isolation') AS level");
      expect(isolation[0]!.level).toBe('repeatable read');
      const tenants: number[] = [];
      for (let k = 0; k < 5; k++) {
        const owner = await tenantOn(s, 'email');
        await setBudget(s, owner.tenantId, 'email', 40, 3600);
        await addInvitations(s, owner, 100);
        tenants.push(owner.tenantId);
      }
      const all = await race(s.channels.defaultRateLimits(), racers);
      expect(all).toHaveLength(5 * 40);
      expect(new Set(all).size).toBe(all.length);
      for (const t of tenants) expect(await mostInAnyWindow(s, t, 'email', 3600)).toBe(40);
    } finally {
      for (const r of racers) await r.close();
    }
  });
});
