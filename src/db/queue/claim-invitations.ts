/**
 * The claim (DESIGN §7): due pending invitations become `sending` under a fresh lease token, and the
 * write-ahead attempt row of each is inserted in the same statement — an attempt is on record before
 * any network I/O, and the transaction ends before any network I/O starts.
 *
 * One round trip: the database function `claim_invitations` (migrations/0006_claim_in_one_round_trip.sql,
 * which holds the SQL) runs the claim's two statements in the caller's autocommit transaction.
 *
 * Rolling rate limits (issue 3): two statements under READ COMMITTED.
 * - Statement 1 finds the rate keys — (tenant, channel) — with due work and locks the budget rows of
 *   the limited ones, so that no other worker spends the same budget until the transaction ends. A
 *   key locked by another worker is skipped (SKIP LOCKED): it sits this round out rather than wait.
 *   Oldest last_claim_at first, at most a batch of keys, so with more limited keys than a batch can
 *   serve every key still gets its turn. A key whose channel has a default budget but no row yet gets
 *   its row here (lazily, once; ours until commit, as if locked). A key paused by a provider's
 *   Retry-After (blocked_until in the future) is not locked.
 * - Statement 2 takes a fresh snapshot — so it sees every attempt committed by whoever held those
 *   locks before — counts each locked key's attempts in its window and claims at most the rest of the
 *   budget. Counted in statement 1's snapshot, a budget overshoots (measured: 23,900 claims against a
 *   cap of 20,000). A limited key this transaction could not lock, or a paused key, claims nothing
 *   this round; an unlimited key claims as before. A held invitation simply stays pending and goes
 *   out when its key has budget again.
 *
 * Fair across tenants: every tenant with claimable work gets a share of the batch (⌈n / tenants⌉, at
 * least one), and the batch is filled turn by turn — every tenant's oldest due invitation before
 * anyone's second — so one tenant's backlog of 100,000 delays another tenant's single due invitation
 * by at most one claim round (when more tenants than n have due work, by ⌈tenants / n⌉ rounds, oldest
 * first). A tenant whose keys are all out of budget takes no share.
 *
 * The call is a named prepared statement, and PL/pgSQL keeps the plans of the function's statements
 * per connection (planning costs more than running them, 10-15 ms on PGlite).
 */
import type pg from 'pg';
import type { KeyedRateLimit } from '../../domain/rate-limit.ts';
import type { Invitation } from '../schema.ts';

export type ClaimedInvitation = {
  invitation: Invitation;
  /** The fencing token: every later update of this invitation carries it. */
  leaseToken: string;
  /** Number of this attempt (invitation.attempts after the claim). */
  attempt: number;
  /**
   * performance.now() taken BEFORE the claim was sent: the database's leased_until is at least
   * leaseMs after this, so local monotonic time can tell when the lease may be gone.
   */
  claimedAtMs: number;
};

export type ClaimResult = {
  claimed: ClaimedInvitation[];
  /** More may be due right now: the batch was full or some tenant used its whole share. */
  more: boolean;
};

export type ClaimOptions = {
  batchSize: number;
  leaseMs: number;
  /** The channels' default budgets (ChannelRegistry.defaultRateLimits()); none = only rows limit. */
  defaultRateLimits?: readonly KeyedRateLimit[];
};

type Row = Invitation & { tenant_share: number };

/** $1 = batch size, $2 = lease in milliseconds, $3/$4/$5 = the channels' default budgets (key, max_count, window_seconds). */
const CLAIM = {
  name: 'claim-invitations-v5',
  text: 'SELECT * FROM claim_invitations($1::int, $2::int, $3::text[], $4::int[], $5::int[])',
};

/**
 * Servers whose default isolation is not READ COMMITTED (the function refuses them, RI001): those
 * claims go in an explicit READ COMMITTED transaction, two round trips more.
 */
const explicitTransaction = new WeakSet<object>();

export async function claimInvitations(pool: Pick<pg.Pool, 'connect' | 'query'>, options: ClaimOptions): Promise<ClaimResult> {
  const n = Math.max(1, Math.floor(options.batchSize));
  const claimedAtMs = performance.now();
  const defaults = options.defaultRateLimits ?? [];
  const query = { ...CLAIM, values: [n, options.leaseMs, defaults.map((d) => d.key), defaults.map((d) => d.maxCount), defaults.map((d) => d.windowSeconds)] };
  const inTransaction = () => inReadCommitted(pool, async (client) => (await client.query<Row>(query)).rows);
  let rows: Row[];
  if (explicitTransaction.has(pool)) rows = await inTransaction();
  else {
    try {
      rows = (await pool.query<Row>(query)).rows;
    } catch (err) {
      if ((err as { code?: string }).code !== 'RI001') throw err;
      explicitTransaction.add(pool);
      rows = await inTransaction();
    }
  }

  const perTenant = new Map<number, number>();
  let more = rows.length >= n;
  for (const row of rows) {
    const count = (perTenant.get(row.tenant_id) ?? 0) + 1;
    perTenant.set(row.tenant_id, count);
    if (count >= row.tenant_share) more = true;
  }
  return {
    claimed: rows.map(({ tenant_share: _share, ...invitation }) => ({
      invitation,
      leaseToken: invitation.lease_token!,
      attempt: invitation.attempts,
      claimedAtMs,
    })),
    more,
  };
}

/** The claim's statement 2 relies on a snapshot newer than statement 1's, which REPEATABLE READ would not give. */
async function inReadCommitted<T>(pool: Pick<pg.Pool, 'connect'>, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN ISOLATION LEVEL READ COMMITTED');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    // A connection that cannot even roll back is dropped, not handed to the next caller.
    await client.query('ROLLBACK').catch((rollbackError: unknown) => {
      broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
    });
    throw err;
  } finally {
    client.release(broken);
  }
}
